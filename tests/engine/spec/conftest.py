"""Helpers for the definition parser tests."""

from __future__ import annotations

import textwrap

import pytest

from engine.spec import DefinitionError, parse
from engine.spec.model import Definition, TaskSpec, WorkflowSpec


def parse_text(text: str) -> Definition:
    """Parse ``text`` after removing its common indentation."""
    return parse(textwrap.dedent(text))


def parse_workflow(text: str, name: str = "wf") -> WorkflowSpec:
    """Parse a workflow list and return the workflow ``name``."""
    return parse_text(text).workflows[name]


def parse_task(task_yaml: str, extra_tasks: str = "") -> TaskSpec:
    """Parse one task ``t`` of a direct workflow ``wf`` from its YAML body."""
    body = textwrap.indent(textwrap.dedent(task_yaml), " " * 6)
    extra = textwrap.indent(textwrap.dedent(extra_tasks), " " * 4)
    text = f"version: '2.0'\nwf:\n  tasks:\n    t:\n{body}\n{extra}\n"
    return parse(text).workflows["wf"].tasks["t"]


def rejection(text: str) -> DefinitionError:
    """Return the DefinitionError that parsing ``text`` raises."""
    with pytest.raises(DefinitionError) as caught:
        parse(textwrap.dedent(text))
    return caught.value
