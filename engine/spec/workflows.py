"""Workflows: their keys, their tasks and the checks of their task graph."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any, Literal

from engine.spec.graph import ReferenceLines, check_direct_graph, check_reverse_graph
from engine.spec.metadata import check_name, parse_parameters, parse_tags
from engine.spec.model import TaskDefaults, TaskSpec, WorkflowSpec
from engine.spec.reporting import Scope
from engine.spec.schema import check_nonempty_mapping, describe
from engine.spec.tasks import parse_task, parse_task_defaults

WORKFLOW_TYPES = ("direct", "reverse")


def parse_workflow(
    parent: Scope, key: str, value: Any, full_name: str, workbook: str | None
) -> WorkflowSpec | None:
    """Parse the workflow stored under ``key`` of ``parent``'s mapping.

    ``parent`` is the scope of the mapping that contains the workflow, which
    is the document for a workflow list and the ``workflows`` section of a
    workbook.
    """
    line = parent.line_of(key)
    scope = Scope(parent.reporter, mapping=value, line=line, workflow=full_name)
    check_name(scope, full_name, "workflow", spaces=workbook is None)
    if _is_uuid_like(key):
        scope.report(
            f"Workflow name {key!r} has the format of a UUID, which is reserved "
            "for workflow ids; choose another name."
        )
    if not isinstance(value, dict) or not value:
        scope.report(
            f"Invalid workflow {describe(value)}: a workflow is a mapping with "
            "at least a 'tasks' section."
        )
        return None

    workflow_type = _parse_type(scope, value)
    parameters = parse_parameters(scope, value)
    output = _parse_mapping(scope, value, "output", check_expressions=True)
    output_on_error = _parse_mapping(scope, value, "output-on-error")
    variables = _parse_mapping(scope, value, "vars", check_expressions=True)
    tags = parse_tags(scope, value)
    defaults = TaskDefaults()
    lines = ReferenceLines()
    if "task-defaults" in value:
        parsed_defaults = parse_task_defaults(scope, value["task-defaults"])
        if parsed_defaults is not None:
            defaults = parsed_defaults.defaults
            lines.defaults = parsed_defaults.clause_lines
            lines.defaults_requires = parsed_defaults.requires_lines
    tasks = _parse_tasks(scope, value, workflow_type or "direct", lines)
    if workflow_type == "direct":
        check_direct_graph(scope, tasks, defaults, lines)
    elif workflow_type == "reverse":
        check_reverse_graph(scope, tasks, defaults, lines)

    return WorkflowSpec(
        name=full_name,
        type=workflow_type or "direct",
        input=parameters,
        output=output,
        output_on_error=output_on_error,
        vars=variables or {},
        task_defaults=defaults,
        tasks=tasks,
        description=_parse_description(value),
        tags=tags,
        workbook=workbook,
        line=line or 0,
    )


def _parse_type(
    scope: Scope, workflow: dict[Any, Any]
) -> Literal["direct", "reverse"] | None:
    value = workflow.get("type", "direct")
    if value == "direct":
        return "direct"
    if value == "reverse":
        return "reverse"
    scope.report(
        f"Unknown workflow type {describe(value)}: use 'direct' (the default) "
        "or 'reverse'.",
        "type",
    )
    return None


def _parse_description(workflow: dict[Any, Any]) -> str | None:
    # Mistral 23.0.0 does not check a workflow's description, so any value
    # is accepted and kept as text.
    value = workflow.get("description")
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _parse_mapping(
    scope: Scope, workflow: dict[Any, Any], key: str, check_expressions: bool = False
) -> dict[str, Any] | None:
    if key not in workflow:
        return None
    value = workflow[key]
    problem = check_nonempty_mapping(value)
    if problem is not None:
        scope.report(problem, key)
        return None
    if check_expressions:
        scope.check_expressions(key, value)
    return value  # type: ignore[no-any-return]


def _parse_tasks(
    scope: Scope, workflow: dict[Any, Any], workflow_type: str, lines: ReferenceLines
) -> dict[str, TaskSpec]:
    if "tasks" not in workflow:
        scope.report("The workflow has no 'tasks' section; add at least one task.")
        return {}
    tasks_value = workflow["tasks"]
    if not isinstance(tasks_value, dict) or not tasks_value:
        scope.report(
            f"Invalid tasks {describe(tasks_value)}: 'tasks' is a mapping of "
            "task names to tasks, with at least one task.",
            "tasks",
        )
        return {}
    tasks_scope = replace(scope, mapping=tasks_value)
    tasks: dict[str, TaskSpec] = {}
    for name, value in tasks_value.items():
        if not isinstance(name, str):
            tasks_scope.report(
                f"Invalid task name {describe(name)}: task names must be "
                "strings; quote the name.",
                line=tasks_scope.reporter.lines.key_line(tasks_value, name),
            )
            continue
        parsed = parse_task(tasks_scope, name, value, workflow_type)
        if parsed is None:
            continue
        tasks[name] = parsed.spec
        lines.tasks[name] = parsed.clause_lines
        lines.task_requires[name] = parsed.requires_lines
    return tasks


def _is_uuid_like(name: str) -> bool:
    """Tell whether ``name`` reads as a UUID, as Mistral 23.0.0 decides it.

    Dashes, braces and ``urn:`` / ``uuid:`` prefixes are ignored, so
    ``{12345678-1234-5678-1234-567812345678}`` and the bare 32 hex digits
    count too.
    """
    try:
        parsed = uuid.UUID(name)
    except ValueError:
        return False
    normalized = name.replace("urn:", "").replace("uuid:", "")
    normalized = normalized.strip("{}").replace("-", "").lower()
    return parsed.hex == normalized
