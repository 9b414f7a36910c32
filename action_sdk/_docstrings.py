"""Read action and parameter descriptions from Google-style docstrings."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

_SECTION_HEADER = re.compile(r"^([A-Z][A-Za-z ]*):\s*$")
_PARAMETER_SECTIONS = frozenset({"Args", "Arguments", "Parameters", "Params"})
_KNOWN_SECTIONS = _PARAMETER_SECTIONS | {
    "Attributes",
    "Example",
    "Examples",
    "Note",
    "Notes",
    "Raises",
    "Return",
    "Returns",
    "See Also",
    "Warning",
    "Warnings",
    "Yield",
    "Yields",
}
# "name: text" or "name (type): text" at the start of an entry line.
_ENTRY = re.compile(r"^(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


@dataclass(frozen=True)
class ParsedDocstring:
    """Summary text of a docstring and its per-parameter descriptions."""

    description: str = ""
    parameters: dict[str, str] = field(default_factory=dict)


def parse_docstring(text: str | None) -> ParsedDocstring:
    """Split a docstring into its leading text and its ``Args:`` entries.

    Sections such as ``Returns:`` or ``Raises:`` are dropped from the
    description. Entries of a parameter section may span several lines when the
    continuation lines are indented deeper than the entry.
    """
    if not text:
        return ParsedDocstring()
    lines = inspect.cleandoc(text).splitlines()
    description: list[str] = []
    parameters: dict[str, str] = {}
    section: str | None = None
    body: list[str] = []
    for line in lines:
        header = _SECTION_HEADER.match(line)
        if header and header.group(1) in _KNOWN_SECTIONS:
            _store_section(section, body, parameters)
            section, body = header.group(1), []
        elif section is None:
            description.append(line)
        else:
            body.append(line)
    _store_section(section, body, parameters)
    return ParsedDocstring("\n".join(description).strip(), parameters)


def _store_section(
    section: str | None, body: list[str], parameters: dict[str, str]
) -> None:
    if section not in _PARAMETER_SECTIONS:
        return
    entries = inspect.cleandoc("\n".join(body)).splitlines()
    current: str | None = None
    for line in entries:
        entry = _ENTRY.match(line) if not line.startswith((" ", "\t")) else None
        if entry:
            current = entry.group(1).lstrip("*")
            parameters[current] = entry.group(2).strip()
        elif current is not None and line.strip():
            parameters[current] = f"{parameters[current]} {line.strip()}".strip()
