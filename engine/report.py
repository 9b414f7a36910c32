"""Failure analysis: why an execution ended the way it did.

``build_report`` walks from an execution down through its tasks, the
sub-workflow executions they started and with-items items, to the action
executions. The document it returns has two parts:

- ``execution``: the tree. Each node carries its state, state info, error
  data, the input it ran with and its timing. Input and error data have
  the values of secret-named keys masked (``engine.masking``).
- ``causes``: one entry per first failure, with the path of nodes from the
  top execution down to it. A first failure is a failed action execution,
  or a failed task or execution that has no failed node below it (an
  expression error, a timeout, a ``fail`` command).

Tasks of a workflow that never ran are listed under ``not_run`` with the
reason, and ``caused_by_failure`` is true when a failure kept them from
running. Plain data in, plain data out: the API and the CLI render the same
document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import states
from engine.db.models import ActionExecution, Execution, TaskExecution
from engine.masking import mask_secrets
from engine.spec.model import Definition, WorkflowSpec
from engine.spec.parser import parse
from engine.workflow_run import without_target

#: Reads a definition text, given its checksum and text (a cache may use both).
DefinitionLoader = Callable[[str, str], Definition]

_CLAUSES = ("on_success", "on_error", "on_complete")


def parse_definition(checksum: str, text: str) -> Definition:
    """Parse a definition text; the default ``DefinitionLoader``."""
    return parse(text)


@dataclass(frozen=True)
class _Edge:
    source: str
    target: str
    #: ``on_success``, ``on_error`` or ``on_complete``.
    clause: str
    conditional: bool


@dataclass
class _Walk:
    """Options and state of one report being built."""

    session: Session
    load: DefinitionLoader
    depth: int | None
    errors_only: bool
    causes: list[dict[str, Any]] = field(default_factory=list)


def build_report(
    session: Session,
    execution: Execution,
    *,
    depth: int | None = None,
    errors_only: bool = False,
    load_definition: DefinitionLoader = parse_definition,
) -> dict[str, Any]:
    """Build the failure report of an execution.

    Args:
        session: an open session to read the execution's rows.
        execution: the execution to report on, top-level or not.
        depth: how many levels of sub-workflows to walk into; ``None`` walks
            all of them, 0 stops at the execution's own tasks.
        errors_only: keep only failed tasks, failed action executions and
            failed sub-workflows, and only tasks that did not run because of
            a failure.
        load_definition: returns the parsed definition of a text.

    Returns:
        ``{"execution": node, "causes": [...]}`` as described in the module
        docstring.
    """
    walk = _Walk(session, load_definition, depth, errors_only)
    node = _execution_node(walk, execution, level=0, path=[], item_index=None)
    return {"execution": node, "causes": walk.causes}


def _execution_node(
    walk: _Walk,
    execution: Execution,
    level: int,
    path: list[dict[str, Any]],
    item_index: int | None,
) -> dict[str, Any]:
    """Describe an execution; ``item_index`` is set for a with-items item."""
    step = _step("execution", execution.id, execution.workflow_name, item_index)
    here = [*path, step]
    node: dict[str, Any] = {
        "id": execution.id,
        "workflow_name": execution.workflow_name,
        "state": execution.state,
        "state_info": execution.state_info,
        "item_index": item_index,
        "input": mask_secrets(execution.input or {}),
        **_timing(execution.created_at, execution.finished_at),
        "tasks": [],
        "not_run": [],
        "truncated": False,
    }
    if walk.depth is not None and level > walk.depth:
        node["truncated"] = True
        if execution.state == states.ERROR:
            walk.causes.append(_cause(here, execution.state_info, None))
        return node
    tasks = walk.session.scalars(
        select(TaskExecution)
        .where(TaskExecution.execution_id == execution.id)
        .order_by(TaskExecution.seq)
    ).all()
    causes_before = len(walk.causes)
    for task in tasks:
        if walk.errors_only and task.state == states.SUCCESS:
            continue
        node["tasks"].append(_task_node(walk, task, level, here))
    node["not_run"] = _not_run(walk, execution, tasks)
    if execution.state == states.ERROR and len(walk.causes) == causes_before:
        walk.causes.append(_cause(here, execution.state_info, None))
    return node


def _task_node(
    walk: _Walk, task: TaskExecution, level: int, path: list[dict[str, Any]]
) -> dict[str, Any]:
    here = [*path, _step("task", task.id, task.name)]
    failed = task.state == states.ERROR
    node: dict[str, Any] = {
        "id": task.id,
        "name": task.name,
        "state": task.state,
        "state_info": task.state_info,
        "error_handled": bool(task.error_handled),
        "error_data": mask_secrets(task.result) if failed else None,
        **_timing(task.started_at or task.created_at, task.finished_at),
        "items": None,
        "actions": [],
        "workflows": [],
    }

    runtime = task.runtime or {}
    with_items = "item_count" in runtime
    if with_items:
        node["items"] = {
            "total": runtime.get("item_count", 0),
            "started": runtime.get("items_started", 0),
            "failed": runtime.get("items_failed", 0),
        }

    causes_before = len(walk.causes)
    _add_actions(walk, task, node, here, with_items)
    children = walk.session.scalars(
        select(Execution)
        .where(Execution.parent_task_id == task.id)
        .order_by(Execution.created_at)
    ).all()
    for child in children:
        if walk.errors_only and child.state == states.SUCCESS:
            continue
        index = (child.params or {}).get("item_index") if with_items else None
        node["workflows"].append(_execution_node(walk, child, level + 1, here, index))

    if failed and not task.error_handled and len(walk.causes) == causes_before:
        walk.causes.append(_cause(here, task.state_info, node["error_data"]))
    if failed and task.error_handled:
        # A handled error did not fail the workflow: it is not a cause.
        del walk.causes[causes_before:]
    return node


def _add_actions(
    walk: _Walk,
    task: TaskExecution,
    node: dict[str, Any],
    path: list[dict[str, Any]],
    with_items: bool,
) -> None:
    actions = walk.session.scalars(
        select(ActionExecution)
        .where(ActionExecution.task_id == task.id)
        .order_by(ActionExecution.created_at, ActionExecution.item_index)
    ).all()
    attempts: dict[int, int] = {}
    last_failure: dict[int, tuple[ActionExecution, dict[str, Any]]] = {}
    for action in actions:
        attempt = attempts.get(action.item_index, 0) + 1
        attempts[action.item_index] = attempt
        item = _action_node(action, attempt)
        if action.state == states.ERROR:
            last_failure[action.item_index] = (action, item)
        elif action.item_index in last_failure:
            del last_failure[action.item_index]
        if walk.errors_only and action.state == states.SUCCESS:
            continue
        node["actions"].append(item)
    if task.state != states.ERROR:
        return
    for index in sorted(last_failure):
        action, item = last_failure[index]
        index = action.item_index if with_items else None
        step = _step("action", action.id, action.action, index)
        walk.causes.append(_cause([*path, step], action.error, item["error_data"]))


def _action_node(action: ActionExecution, attempt: int) -> dict[str, Any]:
    failed = action.state == states.ERROR
    return {
        "id": action.id,
        "action": action.action,
        "version": action.action_version,
        "item_index": action.item_index,
        "attempt": attempt,
        "state": action.state,
        "input": mask_secrets(action.input or {}),
        "error": action.error,
        "error_data": mask_secrets(action.output) if failed else None,
        **_timing(action.created_at, action.finished_at),
    }


def _step(
    kind: str, identifier: str, name: str, item_index: int | None = None
) -> dict[str, Any]:
    return {"kind": kind, "id": identifier, "name": name, "item_index": item_index}


def _cause(
    path: list[dict[str, Any]], message: str | None, data: Any
) -> dict[str, Any]:
    return {"path": path, "state_info": message, "error_data": data}


def _timing(started: datetime | None, finished: datetime | None) -> dict[str, Any]:
    duration = None
    if started is not None and finished is not None:
        duration = round((finished - started).total_seconds(), 3)
    return {
        "started_at": started.isoformat() if started else None,
        "finished_at": finished.isoformat() if finished else None,
        "duration": duration,
    }


# ------------------------------------------------------------ tasks not run


def _not_run(
    walk: _Walk, execution: Execution, tasks: list[TaskExecution] | Any
) -> list[dict[str, Any]]:
    definition = walk.load(execution.checksum, execution.definition)
    spec = definition.workflows.get(execution.workflow_name)
    if spec is None:
        return []
    latest: dict[str, str] = {}
    for task in tasks:
        latest[task.name] = task.state
    if spec.type == "reverse":
        reasons = _reverse_reasons(spec, execution, latest)
    else:
        reasons = _direct_reasons(spec, execution.state, latest)
    result = []
    for name, (reason, caused) in reasons.items():
        if walk.errors_only and not caused:
            continue
        result.append({"name": name, "reason": reason, "caused_by_failure": caused})
    return result


def _edges(spec: WorkflowSpec) -> list[_Edge]:
    edges = []
    defaults = spec.task_defaults
    for task in spec.tasks.values():
        for clause_name in _CLAUSES:
            clause = getattr(task, clause_name)
            if clause is None:
                clause = without_target(getattr(defaults, clause_name), task.name)
            if clause is None:
                continue
            for transition in clause.transitions:
                if transition.is_command or transition.target not in spec.tasks:
                    continue
                conditional = transition.condition is not None
                edges.append(
                    _Edge(task.name, transition.target, clause_name, conditional)
                )
    return edges


def _direct_reasons(
    spec: WorkflowSpec, execution_state: str, latest: dict[str, str]
) -> dict[str, tuple[str, bool]]:
    inbound: dict[str, list[_Edge]] = {}
    for edge in _edges(spec):
        inbound.setdefault(edge.target, []).append(edge)
    ended = f"the execution ended ({execution_state}) before it started"
    stopped_by_failure = execution_state == states.ERROR
    reasons: dict[str, tuple[str, bool]] = {}
    visiting: set[str] = set()

    def reason_of(name: str) -> tuple[str, bool]:
        if name in reasons:
            return reasons[name]
        if name in visiting:
            return "no task that ran leads to it", False
        visiting.add(name)
        parts: list[str] = []
        caused = False
        for edge in inbound.get(name, []):
            text, edge_caused = _edge_reason(
                edge, latest, reason_of, execution_state, stopped_by_failure
            )
            parts.append(text)
            caused = caused or edge_caused
        visiting.discard(name)
        if not parts:
            parts.append(ended)
            caused = stopped_by_failure
        reasons[name] = ("; ".join(dict.fromkeys(parts)), caused)
        return reasons[name]

    for name in spec.tasks:
        if name not in latest:
            reason_of(name)
    return {name: reasons[name] for name in spec.tasks if name in reasons}


def _edge_reason(
    edge: _Edge,
    latest: dict[str, str],
    reason_of: Callable[[str], tuple[str, bool]],
    execution_state: str,
    stopped_by_failure: bool,
) -> tuple[str, bool]:
    source = edge.source
    clause = edge.clause.replace("_", "-")
    if source not in latest:
        _, caused = reason_of(source)
        return f"upstream task '{source}' never ran", caused
    state = latest[source]
    if state == states.ERROR and edge.clause == "on_success":
        return f"upstream task '{source}' failed and leads here only {clause}", True
    if state == states.SUCCESS and edge.clause == "on_error":
        return f"upstream task '{source}' succeeded and leads here only {clause}", False
    if state not in states.COMPLETED:
        return f"upstream task '{source}' is {state}", stopped_by_failure
    if state == states.CANCELLED:
        return f"upstream task '{source}' was cancelled", stopped_by_failure
    if edge.conditional:
        return f"the condition of '{source}' {clause} was false", False
    return (
        f"the execution ended ({execution_state}) before '{source}' {clause} "
        "was followed",
        stopped_by_failure,
    )


def _reverse_reasons(
    spec: WorkflowSpec, execution: Execution, latest: dict[str, str]
) -> dict[str, tuple[str, bool]]:
    target = (execution.params or {}).get("task_name")
    needed: list[str] = []
    stack = [target] if target in spec.tasks else []
    while stack:
        name = stack.pop()
        if name in needed:
            continue
        needed.append(name)
        stack.extend(spec.tasks[name].requires or spec.task_defaults.requires)
    reasons: dict[str, tuple[str, bool]] = {}
    for name in needed:
        if name in latest:
            continue
        requires = spec.tasks[name].requires or spec.task_defaults.requires
        failed = [r for r in requires if latest.get(r) == states.ERROR]
        missing = [r for r in requires if r not in latest]
        if failed:
            reasons[name] = (f"required tasks failed: {', '.join(failed)}", True)
        elif missing:
            caused = execution.state == states.ERROR
            reasons[name] = (f"required tasks never ran: {', '.join(missing)}", caused)
        else:
            caused = execution.state == states.ERROR
            reasons[name] = (
                f"the execution ended ({execution.state}) before it started",
                caused,
            )
    return reasons
