"""The task graph of a workflow: effective transitions and its upload checks.

A task's own clause wins over the same clause in ``task-defaults``, but only
when it names at least one target: a clause that only publishes (advanced
form without ``next``) still takes the targets of ``task-defaults``. A task
never takes a ``task-defaults`` transition to itself. Both rules are Mistral
23.0.0's, and the engine must use these functions rather than read the
clauses directly.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from engine.spec.model import (
    ENGINE_COMMANDS,
    TaskDefaults,
    TaskSpec,
    Transition,
    TransitionClause,
)
from engine.spec.reporting import Scope

#: Transition events and the ``TaskSpec`` / ``TaskDefaults`` attribute of each.
EVENTS = {
    "on-success": "on_success",
    "on-error": "on_error",
    "on-complete": "on_complete",
    "on-skip": "on_skip",
}
#: Task names listed in a "not found" message before the rest is counted.
_LISTED_NAMES = 20


def effective_transitions(
    task: TaskSpec, defaults: TaskDefaults, event: str
) -> tuple[Transition, ...]:
    """Return the transitions ``task`` takes on ``event`` (``"on-success"``...)."""
    attribute = EVENTS[event]
    own: TransitionClause | None = getattr(task, attribute)
    if own is not None and own.transitions:
        return own.transitions
    default: TransitionClause | None = getattr(defaults, attribute)
    if default is None:
        return ()
    return tuple(t for t in default.transitions if t.target != task.name)


def effective_requires(task: TaskSpec, defaults: TaskDefaults) -> tuple[str, ...]:
    """Return the tasks that ``task`` of a reverse workflow depends on."""
    names = dict.fromkeys((*task.requires, *defaults.requires))
    names.pop(task.name, None)
    return tuple(names)


def outbound_targets(task: TaskSpec, defaults: TaskDefaults) -> set[str]:
    """Return every name ``task`` may transition to, engine commands included."""
    return {
        transition.target
        for event in EVENTS
        for transition in effective_transitions(task, defaults, event)
    }


@dataclass
class ReferenceLines:
    """Source lines of transition targets and requires, for messages.

    ``tasks`` maps a task name to its per-clause target lines, and
    ``defaults`` contains the lines of the ``task-defaults`` clauses.
    """

    tasks: dict[str, dict[str, tuple[int | None, ...]]] = field(default_factory=dict)
    task_requires: dict[str, tuple[int | None, ...]] = field(default_factory=dict)
    defaults: dict[str, tuple[int | None, ...]] = field(default_factory=dict)
    defaults_requires: tuple[int | None, ...] = ()


def check_direct_graph(
    scope: Scope,
    tasks: Mapping[str, TaskSpec],
    defaults: TaskDefaults,
    lines: ReferenceLines,
) -> None:
    """Report unknown targets, a missing start task and unreachable joins."""
    reported_defaults: set[tuple[str, str]] = set()
    inbound: dict[str, set[str]] = {name: set() for name in tasks}
    for name, task in tasks.items():
        task_scope = _task_scope(scope, task)
        for event in EVENTS:
            own = getattr(task, EVENTS[event])
            uses_own = own is not None and bool(own.transitions)
            clause_lines = (
                lines.tasks.get(name, {}) if uses_own else lines.defaults
            ).get(event, ())
            for index, transition in enumerate(
                _clause_transitions(task, defaults, event)
            ):
                target = transition.target
                if target == name and not uses_own:
                    continue
                if target in tasks:
                    inbound[target].add(name)
                    continue
                if target in ENGINE_COMMANDS:
                    continue
                line = clause_lines[index] if index < len(clause_lines) else None
                message = _not_found_message(target, tasks)
                if uses_own:
                    task_scope.report(message, event, line)
                elif (event, target) not in reported_defaults:
                    reported_defaults.add((event, target))
                    scope.report(message, f"task-defaults.{event}", line)
    _check_start_tasks(scope, tasks, inbound)
    _check_joins(scope, tasks, inbound)


def _clause_transitions(
    task: TaskSpec, defaults: TaskDefaults, event: str
) -> tuple[Transition, ...]:
    """Return the clause that applies, with self-references still in place.

    Indexes then match the source lines of the clause.
    """
    attribute = EVENTS[event]
    own = getattr(task, attribute)
    if own is not None and own.transitions:
        return tuple(own.transitions)
    default = getattr(defaults, attribute)
    return tuple(default.transitions) if default is not None else ()


def check_reverse_graph(
    scope: Scope,
    tasks: Mapping[str, TaskSpec],
    defaults: TaskDefaults,
    lines: ReferenceLines,
) -> None:
    """Report ``requires`` entries that name no task of the workflow."""
    for name, task in tasks.items():
        task_scope = _task_scope(scope, task)
        own_lines = lines.task_requires.get(name, ())
        for index, required in enumerate(task.requires):
            if required not in tasks:
                line = own_lines[index] if index < len(own_lines) else None
                task_scope.report(_not_found_message(required, tasks), "requires", line)
    if tasks:
        for index, required in enumerate(defaults.requires):
            if required not in tasks:
                line = (
                    lines.defaults_requires[index]
                    if index < len(lines.defaults_requires)
                    else None
                )
                scope.report(
                    _not_found_message(required, tasks), "task-defaults.requires", line
                )


def _check_start_tasks(
    scope: Scope, tasks: Mapping[str, TaskSpec], inbound: Mapping[str, set[str]]
) -> None:
    if tasks and all(inbound[name] for name in tasks):
        scope.report(
            "The workflow has no start task: every task is the target of a "
            "transition, so none can run first. Remove the transition into "
            "the task that should start the workflow.",
            "tasks",
        )


def _check_joins(
    scope: Scope, tasks: Mapping[str, TaskSpec], inbound: Mapping[str, set[str]]
) -> None:
    for name, task in tasks.items():
        if task.join is None:
            continue
        sources = inbound[name]
        if task.join == "all" and not sources:
            _task_scope(scope, task).report(
                "The task has 'join: all' but no task transitions to it; "
                "remove 'join' or add transitions into the task.",
                "join",
            )
        elif isinstance(task.join, int) and len(sources) < task.join:
            source_names = ", ".join(sorted(sources)) or "none"
            _task_scope(scope, task).report(
                f"The task has 'join: {task.join}' but only {len(sources)} "
                f"task(s) transition to it ({source_names}), so it could never run; "
                f"lower 'join' to at most {len(sources)} or add transitions.",
                "join",
            )


def _task_scope(scope: Scope, task: TaskSpec) -> Scope:
    return Scope(
        reporter=scope.reporter,
        line=task.line or None,
        workflow=scope.workflow,
        task=task.name,
    )


def _not_found_message(name: str, tasks: Iterable[str]) -> str:
    names = list(tasks)
    message = f"Task {name!r} not found."
    close = difflib.get_close_matches(name, names, n=1) if len(names) <= 1000 else []
    if close:
        message += f" Did you mean {close[0]!r}?"
    listed = ", ".join(names[:_LISTED_NAMES])
    if len(names) > _LISTED_NAMES:
        listed += f" and {len(names) - _LISTED_NAMES} more"
    return f"{message} Known tasks: {listed}."
