"""Parse and validate Mistral v2 definition texts.

``parse`` accepts both forms of a definition:

- a workflow list: ``version`` plus one or more workflows at the top level;
- a workbook: ``version: '2.0'``, ``name``, optional ``description`` and
  ``tags``, and ``workflows`` and/or ``actions`` sections. Its workflows and
  ad-hoc actions get full names ``<workbook>.<name>``.

A text with a top-level ``name`` and a ``workflows`` or ``actions`` key is a
workbook and anything else a workflow list, unless ``kind`` names the form.
Every problem in the text is collected and raised at once as a
``DefinitionError``, sorted by line.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Literal

from engine.spec.actions import parse_action
from engine.spec.errors import DefinitionError, SpecIssue
from engine.spec.loader import load_yaml
from engine.spec.metadata import check_name, parse_description, parse_tags
from engine.spec.model import AdhocActionSpec, Definition, WorkflowSpec
from engine.spec.reporting import Reporter, Scope
from engine.spec.schema import check_nonempty_string, describe, is_integer
from engine.spec.workflows import parse_workflow

__all__ = ["DefinitionError", "SpecIssue", "parse"]

Kind = Literal["auto", "workflows", "workbook"]

_WORKBOOK_KEYS = frozenset(
    {"version", "name", "description", "tags", "workflows", "actions"}
)
#: Names in a workbook's ``workflows`` and ``actions`` sections.
_WORKBOOK_ITEM_NAME = re.compile(r"^[\w-]+$")
_VERSION_HELP = "write version: '2.0'"


def parse(text: str, source: str = "<string>", kind: Kind = "auto") -> Definition:
    """Parse and validate a workflow list or a workbook.

    Args:
        text: the YAML definition text.
        source: the file name or other label shown in issue messages.
        kind: ``"workflows"`` or ``"workbook"`` to force the form;
            ``"auto"`` decides from the top-level keys.

    Returns:
        The validated definition.

    Raises:
        DefinitionError: the text is not valid YAML or not a valid
            definition; ``issues`` lists every problem found.
    """
    if not isinstance(text, str):
        raise TypeError(
            f"parse() needs the definition as str, not {type(text).__name__}"
        )
    with _garbage_collection_paused():
        try:
            return _parse(text, source, kind)
        except RecursionError:
            issue = SpecIssue(
                "The definition nests too deeply to parse.", source=source
            )
            raise DefinitionError([issue]) from None


@contextmanager
def _garbage_collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a text is parsed.

    Parsing allocates many containers and creates no reference cycles, and
    the collections it would trigger take most of the time on large texts.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse(text: str, source: str, kind: Kind) -> Definition:
    loaded = load_yaml(text, source)
    # An empty document counts as an empty mapping, as in Mistral 23.0.0.
    data = loaded.data or {}
    reporter = Reporter(source, loaded.lines)
    scope = Scope(reporter, mapping=data, line=1)
    if not isinstance(data, dict):
        scope.report(
            f"Invalid definition {describe(data)}: the document must be a "
            "mapping with 'version' and workflows, or a workbook with "
            "'version', 'name' and 'workflows' or 'actions'."
        )
        raise DefinitionError(reporter.issues)
    if kind == "auto":
        kind = "workbook" if _looks_like_workbook(data) else "workflows"
    if kind == "workbook":
        definition = _parse_workbook(scope, data)
    else:
        definition = _parse_workflow_list(scope, data)
    if reporter.issues:
        # Sorted by line so the list reads from the top of the file down.
        # Issues without a line come first.
        raise DefinitionError(
            sorted(reporter.issues, key=lambda issue: issue.line or 0)
        )
    if reporter.warnings:
        definition = replace(definition, warnings=tuple(reporter.warnings))
    return definition


def _looks_like_workbook(data: dict[Any, Any]) -> bool:
    return "name" in data and ("workflows" in data or "actions" in data)


def _parse_workflow_list(scope: Scope, data: dict[Any, Any]) -> Definition:
    version = data.get("version")
    if "version" not in data:
        scope.report(f"The definition has no 'version'; {_VERSION_HELP} at the top.")
    elif not _is_list_version(version):
        scope.report(
            f"Invalid version {describe(version)}; {_VERSION_HELP}.", "version"
        )
    workflows: dict[str, WorkflowSpec] = {}
    for name, value in data.items():
        if name == "version":
            continue
        if not isinstance(name, str):
            scope.report(
                f"Invalid workflow name {describe(name)}: names must be "
                "strings; quote the name.",
                line=scope.reporter.lines.key_line(data, name),
            )
            continue
        workflow = parse_workflow(scope, name, value, name, None)
        if workflow is not None:
            workflows[name] = workflow
    if len(data) == ("version" in data):
        scope.report(
            "The definition has no workflows; add at least one after 'version'."
        )
    # NOTE: Mistral 23.0.0 accepts any version value in a workflow list
    # and runs it as 2.0, so the value is kept but not compared.
    return Definition(workflows=workflows, version=_version_text(version))


def _is_list_version(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value)
    if isinstance(value, bool):
        return False
    return isinstance(value, int | float) and value >= 0


def _version_text(value: Any) -> str:
    if isinstance(value, str) and value:
        return value
    if is_integer(value) or isinstance(value, float):
        return str(value)
    return "2.0"


def _parse_workbook(scope: Scope, data: dict[Any, Any]) -> Definition:
    for key in data:
        if key not in _WORKBOOK_KEYS:
            key_text = key if isinstance(key, str) else describe(key)
            scope.report(
                f"Unknown workbook key {key_text!r} ({key_text!r} was unexpected). "
                f"Allowed keys: {', '.join(sorted(_WORKBOOK_KEYS))}.",
                key if isinstance(key, str) else None,
            )
    if data.get("version") != "2.0" or not isinstance(data.get("version"), str):
        version = describe(data["version"]) if "version" in data else "missing"
        scope.report(
            f"Invalid workbook version ({version}); {_VERSION_HELP}.", "version"
        )
    raw_name = data.get("name")
    name: str | None = None
    if isinstance(raw_name, str) and raw_name:
        name = raw_name
        check_name(scope, name, "workbook", "name")
    else:
        problem = check_nonempty_string(raw_name)
        scope.report(f"Invalid workbook name: {problem}", "name")
    workflows: dict[str, WorkflowSpec] = {}
    actions: dict[str, AdhocActionSpec] = {}
    if name is not None:
        for section_scope, key, value in _workbook_section(scope, data, "workflows"):
            workflow = parse_workflow(section_scope, key, value, f"{name}.{key}", name)
            if workflow is not None:
                workflows[workflow.name] = workflow
        for section_scope, key, value in _workbook_section(scope, data, "actions"):
            action = parse_action(section_scope, key, value, f"{name}.{key}", name)
            if action is not None:
                actions[action.name] = action
    return Definition(
        workflows=workflows,
        actions=actions,
        workbook=name,
        version="2.0",
        description=parse_description(scope, data),
        tags=parse_tags(scope, data),
    )


def _workbook_section(
    scope: Scope, data: dict[Any, Any], section: str
) -> Iterator[tuple[Scope, str, Any]]:
    """Yield the scope, name and value of each entry of a workbook section.

    Reports a section that is not a mapping, invalid names and a ``version``
    entry other than 2.0.
    """
    if section not in data:
        return
    value = data[section]
    if not isinstance(value, dict) or not value:
        scope.report(
            f"Invalid {section} {describe(value)}: expected a mapping of names "
            f"to {section}, with at least one entry.",
            section,
        )
        return
    section_scope = scope.nested(section, value)
    for key, entry in value.items():
        if key == "version":
            if not _is_section_version(entry):
                section_scope.report(
                    f"Invalid version {describe(entry)}; {_VERSION_HELP}.", "version"
                )
            continue
        if not isinstance(key, str) or not _WORKBOOK_ITEM_NAME.match(key):
            section_scope.report(
                f"Invalid name {describe(key)} in {section}: a workbook "
                "entry name uses only letters, digits, '_' and '-'.",
                line=scope.reporter.lines.key_line(value, key),
            )
            continue
        yield section_scope, key, entry


def _is_section_version(value: Any) -> bool:
    if isinstance(value, str):
        return value == "2.0"
    return not isinstance(value, bool) and isinstance(value, int | float) and value == 2
