"""Tasks and a workflow's ``task-defaults``."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from engine.spec.inline import InlineSyntaxError, dropped_parameters, split_inline
from engine.spec.model import TaskDefaults, TaskSpec, TransitionClause
from engine.spec.policies import POLICY_KEYS, parse_policies
from engine.spec.reporting import Scope
from engine.spec.schema import (
    check_boolean_or_expression,
    check_nonempty_mapping,
    check_nonempty_string,
    check_string_or_unique_string_list,
    check_unique_string_list,
    describe,
    is_integer,
)
from engine.spec.transitions import parse_clause
from engine.spec.with_items import parse_with_items

#: Mistral 23.0.0 rejects task names longer than this.
MAX_TASK_NAME_LENGTH = 255
#: Mistral 23.0.0 names the lock of a join task after the task with 47 more
#: characters and keeps that name within 255, so join task names are shorter.
MAX_JOIN_TASK_NAME_LENGTH = MAX_TASK_NAME_LENGTH - 47

CLAUSE_KEYS = ("on-success", "on-error", "on-complete", "on-skip")

_COMMON_KEYS = frozenset(
    {
        "action",
        "workflow",
        "input",
        "with-items",
        "publish",
        "publish-on-error",
        "publish-on-skip",
        "keep-result",
        "target",
        "description",
        "tags",
        *POLICY_KEYS,
    }
)
#: Keys that Mistral overwrites with its own values, so any value is accepted.
_IGNORED_KEYS = frozenset({"name", "version", "type"})
_DIRECT_KEYS = frozenset({"join", *CLAUSE_KEYS})
_REVERSE_KEYS = frozenset({"requires"})
_DEFAULTS_KEYS = frozenset({*POLICY_KEYS, *CLAUSE_KEYS, "requires"})

_WORD = re.compile(r"^\w+$")


@dataclass(frozen=True)
class ParsedTask:
    """A task and the source lines of its transition targets and requires."""

    spec: TaskSpec
    clause_lines: dict[str, tuple[int | None, ...]]
    requires_lines: tuple[int | None, ...]


@dataclass(frozen=True)
class ParsedDefaults:
    """A ``task-defaults`` section and the source lines of its references."""

    defaults: TaskDefaults
    clause_lines: dict[str, tuple[int | None, ...]]
    requires_lines: tuple[int | None, ...]


def parse_task(
    tasks_scope: Scope, name: str, value: Any, workflow_type: str
) -> ParsedTask | None:
    """Parse one task; ``tasks_scope`` is the scope of the ``tasks`` mapping."""
    line = tasks_scope.line_of(name)
    scope = replace(tasks_scope, mapping=value, line=line, task=name, key_prefix=None)
    if len(name) > MAX_TASK_NAME_LENGTH:
        scope.report(
            f"The task name is {len(name)} characters long; the limit is "
            f"{MAX_TASK_NAME_LENGTH}."
        )
    if not isinstance(value, dict):
        scope.report(
            f"Invalid task {describe(value)}: a task is a mapping of keys "
            "such as action, input and publish."
        )
        return None
    if not value and _WORD.match(name):
        scope.report("The task is empty: give it at least an action or a workflow.")
        return None
    _check_task_keys(scope, value, workflow_type)

    action, workflow, inline_input = _parse_runnable(scope, value)
    task_input = _parse_input(scope, value)
    if inline_input and isinstance(task_input, str):
        # Mistral 23.0.0 fails on this combination with an internal error.
        scope.report(
            "The task has inline parameters and an 'input' expression, which "
            "cannot be merged; move the parameters into 'input' or give "
            "'input' as a mapping.",
            "input",
        )
    clauses, clause_lines = _parse_clauses(scope, value)
    requires, requires_lines = _parse_requires(scope, value)
    join = _parse_join(scope, value)
    if join is not None and len(name) > MAX_JOIN_TASK_NAME_LENGTH:
        scope.report(
            f"The name of a task with 'join' is {len(name)} characters long; "
            f"the limit is {MAX_JOIN_TASK_NAME_LENGTH}."
        )
    spec = TaskSpec(
        name=name,
        action=action,
        workflow=workflow,
        inline_input=inline_input,
        input=task_input,
        publish=_parse_mapping_key(scope, value, "publish"),
        publish_on_error=_parse_mapping_key(scope, value, "publish-on-error"),
        publish_on_skip=_parse_mapping_key(scope, value, "publish-on-skip"),
        on_success=clauses.get("on-success"),
        on_error=clauses.get("on-error"),
        on_complete=clauses.get("on-complete"),
        on_skip=clauses.get("on-skip"),
        join=join,
        requires=requires,
        with_items=parse_with_items(scope, value),
        policies=parse_policies(scope, value),
        keep_result=_parse_keep_result(scope, value),
        target=_checked(scope, value, "target", check_nonempty_string),
        description=_checked(scope, value, "description", check_nonempty_string),
        tags=tuple(_checked(scope, value, "tags", check_unique_string_list) or ()),
        line=line or 0,
    )
    return ParsedTask(spec, clause_lines, requires_lines)


def parse_task_defaults(workflow_scope: Scope, value: Any) -> ParsedDefaults | None:
    """Parse a workflow's ``task-defaults`` mapping."""
    problem = check_nonempty_mapping(value)
    if problem is not None:
        workflow_scope.report(problem, "task-defaults")
        return None
    scope = workflow_scope.nested("task-defaults", value)
    for key in value:
        if key not in _DEFAULTS_KEYS:
            allowed = ", ".join(sorted(_DEFAULTS_KEYS))
            scope.report(
                f"Unknown key {key!r} in task-defaults ({key!r} was unexpected)."
                f"{_suggestion(key, _DEFAULTS_KEYS)} Allowed keys: {allowed}.",
                key,
            )
    clauses, clause_lines = _parse_clauses(scope, value)
    requires, requires_lines = _parse_requires(scope, value)
    defaults = TaskDefaults(
        policies=parse_policies(scope, value),
        on_success=clauses.get("on-success"),
        on_error=clauses.get("on-error"),
        on_complete=clauses.get("on-complete"),
        on_skip=clauses.get("on-skip"),
        requires=requires,
    )
    return ParsedDefaults(defaults, clause_lines, requires_lines)


def _check_task_keys(scope: Scope, task: dict[Any, Any], workflow_type: str) -> None:
    own_keys = _DIRECT_KEYS if workflow_type == "direct" else _REVERSE_KEYS
    other_keys = _REVERSE_KEYS if workflow_type == "direct" else _DIRECT_KEYS
    allowed = _COMMON_KEYS | own_keys
    for key in task:
        if key in allowed or key in _IGNORED_KEYS:
            continue
        if key in other_keys:
            scope.report(_wrong_type_message(key, workflow_type), key)
            continue
        key_text = key if isinstance(key, str) else describe(key)
        scope.report(
            f"Unknown task key {key_text!r} ({key_text!r} was unexpected)."
            f"{_suggestion(key, allowed)} Allowed keys: {', '.join(sorted(allowed))}.",
            key if isinstance(key, str) else None,
        )


def _wrong_type_message(key: str, workflow_type: str) -> str:
    if workflow_type == "reverse":
        return (
            f"{key!r} was unexpected: it is allowed only in direct workflows, "
            "and this workflow has type 'reverse'. Order the tasks of a "
            "reverse workflow with 'requires', or remove 'type: reverse'."
        )
    return (
        f"{key!r} was unexpected: it is allowed only in reverse workflows, "
        "and this workflow has type 'direct'. Order the tasks of a direct "
        "workflow with on-success, on-error or on-complete, or set "
        "'type: reverse' on the workflow."
    )


def _suggestion(key: Any, allowed: frozenset[str]) -> str:
    if not isinstance(key, str):
        return ""
    matches = difflib.get_close_matches(key, sorted(allowed), n=1)
    return f" Did you mean {matches[0]!r}?" if matches else ""


def _parse_runnable(
    scope: Scope, task: dict[Any, Any]
) -> tuple[str | None, str | None, dict[str, Any]]:
    """Read ``action`` or ``workflow`` with its inline parameters."""
    if "action" in task and "workflow" in task:
        scope.report(
            "The task has both 'action' and 'workflow'; a task runs one "
            "action or one workflow, so remove one of them.",
            "action",
        )
        return None, None, {}
    if "action" in task:
        key = "action"
    elif "workflow" in task:
        key = "workflow"
    else:
        return None, None, {}
    text = task[key]
    problem = check_nonempty_string(text)
    if problem is not None:
        scope.report(problem, key)
        return None, None, {}
    try:
        name, inline_input = split_inline(text)
    except InlineSyntaxError as error:
        scope.report(str(error), key)
        return None, None, {}
    for pair in dropped_parameters(text):
        pair_name = pair.split("=", 1)[0]
        scope.warn(
            f"Inline parameter {pair!r} is ignored: like Mistral 23, Levante reads "
            "an inline value only when it is quoted, an expression, a list, "
            f"true, false, null or digits; write {pair_name}=\"...\" to pass text.",
            key,
        )
    scope.check_expressions(key, inline_input)
    if key == "action":
        return name, None, inline_input
    return None, name, inline_input


def _parse_input(scope: Scope, task: dict[Any, Any]) -> Any:
    if "input" not in task:
        return None
    value = task["input"]
    if isinstance(value, str):
        problem = check_nonempty_string(value)
    else:
        problem = check_nonempty_mapping(value)
        if problem is not None and not isinstance(value, dict):
            problem = (
                f"Invalid value {describe(value)}: expected a mapping of "
                "parameter names to values, or an expression that returns one."
            )
    if problem is not None:
        scope.report(problem, "input")
        return None
    scope.check_expressions("input", value)
    return value


def _parse_mapping_key(scope: Scope, task: dict[Any, Any], key: str) -> Any:
    if key not in task:
        return None
    value = task[key]
    problem = check_nonempty_mapping(value)
    if problem is not None:
        scope.report(problem, key)
        return None
    scope.check_expressions(key, value)
    return value


def _parse_keep_result(scope: Scope, task: dict[Any, Any]) -> Any:
    if "keep-result" not in task:
        return True
    value = task["keep-result"]
    problem = check_boolean_or_expression(value)
    if problem is not None:
        scope.report(problem, "keep-result")
        return True
    scope.check_expressions("keep-result", value)
    return value


def _checked(
    scope: Scope, task: dict[Any, Any], key: str, check: Callable[[Any], str | None]
) -> Any:
    if key not in task:
        return None
    value = task[key]
    problem = check(value)
    if problem is not None:
        scope.report(problem, key)
        return None
    return value


def _parse_join(scope: Scope, task: dict[Any, Any]) -> str | int | None:
    if "join" not in task:
        return None
    value = task["join"]
    if value == "all" and isinstance(value, str):
        return "all"
    if value == "one" and isinstance(value, str):
        return 1
    if is_integer(value) and value >= 0:
        # ``join: 0`` is accepted and, as in Mistral 23.0.0, means no join.
        return int(value) or None
    scope.report(
        f"Invalid join {describe(value)}: expected 'all', 'one' or an integer >= 0.",
        "join",
    )
    return None


def _parse_clauses(
    scope: Scope, mapping: dict[Any, Any]
) -> tuple[dict[str, TransitionClause], dict[str, tuple[int | None, ...]]]:
    clauses: dict[str, TransitionClause] = {}
    lines: dict[str, tuple[int | None, ...]] = {}
    for key in CLAUSE_KEYS:
        if key not in mapping:
            continue
        parsed = parse_clause(scope, key, mapping[key])
        if parsed is not None:
            clauses[key] = parsed.clause
            lines[key] = parsed.lines
    return clauses, lines


def _parse_requires(
    scope: Scope, mapping: dict[Any, Any]
) -> tuple[tuple[str, ...], tuple[int | None, ...]]:
    if "requires" not in mapping:
        return (), ()
    value = mapping["requires"]
    problem = check_string_or_unique_string_list(value)
    if problem is not None:
        scope.report(problem, "requires")
        return (), ()
    line = scope.line_of("requires")
    if isinstance(value, str):
        return (value,), (line,)
    lines = tuple(scope.item_line(value, index, line) for index in range(len(value)))
    return tuple(value), lines
