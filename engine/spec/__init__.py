"""The Mistral v2 workflow language: parsing, validation and typed specs.

``parse`` turns a definition text into a ``Definition`` (see ``model``) or
raises ``DefinitionError`` listing every problem with its line.
"""

from engine.spec.errors import DefinitionError, SpecIssue
from engine.spec.parser import parse

__all__ = ["DefinitionError", "SpecIssue", "parse"]
