"""The ``on-success``, ``on-error``, ``on-complete`` and ``on-skip`` clauses.

A clause is written in one of these forms::

    on-success: next_task                   # one target
    on-success: {next_task: <% $.ok %>}     # one guarded target
    on-success:                             # a list of both
      - next_task
      - other_task: <% $.ok %>
      - fail msg="stopped"
    on-success:                             # the advanced form
      publish: {branch: {...}, global: {...}, atomic: {...}}
      next: [next_task]

A target is a task name, ``command arg=value ...`` or ``command(arg=value)``.
The forms are distinguished by the rules Mistral 23.0.0 applies, so a text
that it reads in two ways (``fail(msg="x")`` is both a name without blanks and a
call) is rejected, as Mistral rejects it.

Mistral 23.0.0 reads every mapping clause as the advanced form, and this
module does the same:

- ``on-success: {task: <% condition %>}`` (a mapping, not a list item) is
  accepted but has no targets, and the task it names is not checked;
- under ``next``, a mapping ``{task: <% condition %>}`` always goes to the
  task, because the condition is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from engine.spec.inline import InlineSyntaxError, split_inline
from engine.spec.model import Transition, TransitionClause
from engine.spec.reporting import Scope
from engine.spec.schema import (
    EXPRESSION_HINT,
    check_nonempty_mapping,
    check_unique,
    describe,
    is_expression,
)

_TARGET_FORMS = (
    re.compile(r"^\S+$"),
    re.compile(r"^\w+ \w+=(.*)$"),
    re.compile(r"^\w+\(\w+=(.*)\)$"),
)
_PUBLISH_SCOPES = ("branch", "global", "atomic")
_ADVANCED_KEYS = frozenset({"publish", "next"})
_TARGET_HELP = (
    "write a task name, an engine command with arguments such as "
    "'fail msg=\"text\"', or a single-key mapping 'task: <% condition %>'"
)


@dataclass(frozen=True)
class ParsedClause:
    """A parsed clause and the source line of each of its transitions."""

    clause: TransitionClause
    lines: tuple[int | None, ...]


def parse_clause(scope: Scope, key: str, value: Any) -> ParsedClause | None:
    """Parse the clause under ``key``; report problems and return ``None`` on any."""
    before = len(scope.reporter.issues)
    line = scope.line_of(key)
    if isinstance(value, str):
        parsed = _parse_targets(scope, key, [value], [line])
    elif isinstance(value, list):
        parsed = _parse_list(scope, key, value, line)
    elif isinstance(value, dict):
        parsed = _parse_mapping(scope, key, value, line)
    else:
        scope.report(f"Invalid value {describe(value)}: {_TARGET_HELP}.", key)
        return None
    if len(scope.reporter.issues) > before:
        return None
    return parsed


def _parse_mapping(
    scope: Scope, key: str, value: dict[Any, Any], line: int | None
) -> ParsedClause:
    as_guard = _is_guard_item(value)
    as_advanced = _is_advanced(value)
    if as_guard and as_advanced:
        scope.report(
            f"The clause {describe(value)} reads both as a guarded target and "
            "as the advanced form with 'next'; write 'next' as a list, "
            "such as next: [task].",
            key,
        )
        return ParsedClause(TransitionClause(), ())
    if as_guard or as_advanced or not _ADVANCED_KEYS.isdisjoint(value):
        return _parse_advanced(scope, key, value, line, as_guard)
    # Neither form fits and nothing hints at the advanced form.
    return _parse_targets(scope, key, [value], [line])


def _parse_list(
    scope: Scope, key: str, items: list[Any], line: int | None
) -> ParsedClause:
    if not items:
        scope.report(
            "The list is empty: give at least one target or remove the key.", key
        )
        return ParsedClause(TransitionClause(), ())
    lines = [scope.item_line(items, index, line) for index in range(len(items))]
    parsed = _parse_targets(scope, key, items, lines)
    problem = check_unique(items)
    if problem is not None:
        scope.report(problem, key)
    return parsed


def _parse_targets(
    scope: Scope, key: str, items: list[Any], lines: list[int | None]
) -> ParsedClause:
    transitions = []
    kept_lines = []
    for item, line in zip(items, lines, strict=True):
        transition = _parse_target(scope, key, item, line)
        if transition is not None:
            transitions.append(transition)
            kept_lines.append(line)
    clause = TransitionClause(transitions=tuple(transitions))
    return ParsedClause(clause, tuple(kept_lines))


def _parse_target(
    scope: Scope, key: str, item: Any, line: int | None
) -> Transition | None:
    if isinstance(item, str):
        problem = _target_text_problem(item)
        if problem is not None:
            scope.report(problem, key, line)
            return None
        return _make_transition(scope, key, item, None, line)
    if isinstance(item, dict):
        return _parse_guard_item(scope, key, item, line)
    scope.report(f"Invalid target {describe(item)}: {_TARGET_HELP}.", key, line)
    return None


def _parse_guard_item(
    scope: Scope, key: str, item: dict[Any, Any], line: int | None
) -> Transition | None:
    if len(item) != 1:
        scope.report(
            f"Invalid target {describe(item)}: a guarded target is a mapping "
            "with exactly one entry, 'task: <% condition %>'.",
            key,
            line,
        )
        return None
    ((text, condition),) = item.items()
    if not isinstance(text, str):
        scope.report(
            f"Invalid target {describe(text)}: a target must be a string.", key, line
        )
        return None
    if _count_target_forms(text) and not is_expression(condition):
        scope.report(
            f"Invalid condition {describe(condition)} for target {text!r}: "
            f"expected {EXPRESSION_HINT}.",
            key,
            line,
        )
        return None
    return _make_transition(scope, key, text, condition, line)


def _make_transition(
    scope: Scope, key: str, text: str, condition: Any, line: int | None
) -> Transition | None:
    try:
        target, params = split_inline(text)
    except InlineSyntaxError as error:
        scope.report(str(error), key, line)
        return None
    scope.check_expressions(key, target, line)
    scope.check_expressions(key, condition, line)
    return Transition(target=target, condition=condition, params=params)


def _parse_advanced(
    scope: Scope, key: str, value: dict[Any, Any], line: int | None, as_guard: bool
) -> ParsedClause:
    """Read a mapping clause the way Mistral 23.0.0 does: as the advanced form.

    Only ``next`` gives targets, so a mapping ``{task: <% condition %>}``
    passes validation but has no targets, and the condition of a mapping
    under ``next`` is dropped (the target is always taken).
    """
    if not as_guard:
        for name in value:
            if name not in _ADVANCED_KEYS:
                scope.report(
                    f"Unknown key {name!r} in the advanced form: it allows only "
                    "'publish' and 'next'.",
                    key,
                    scope.reporter.lines.key_line(value, name) or line,
                )
    clause_scope = scope.nested(key, value)
    publish = (
        _parse_publish(clause_scope, value["publish"]) if "publish" in value else {}
    )
    parsed = ParsedClause(TransitionClause(), ())
    if "next" in value:
        parsed = _parse_next(clause_scope, value["next"], as_guard)
    clause = TransitionClause(
        transitions=parsed.clause.transitions,
        publish=publish.get("branch"),
        publish_global=publish.get("global"),
        publish_atomic=publish.get("atomic"),
    )
    return ParsedClause(clause, parsed.lines)


def _parse_next(scope: Scope, value: Any, lenient: bool) -> ParsedClause:
    line = scope.line_of("next")
    if isinstance(value, list):
        return _parse_list(scope, "next", value, line)
    if lenient and isinstance(value, str):
        # ``next: <% expression %>``: the whole text names the target.
        transition = _make_transition(scope, "next", value, None, line)
        transitions = (transition,) if transition is not None else ()
        return ParsedClause(TransitionClause(transitions=transitions), (line,))
    if isinstance(value, dict) and _is_guard_item(value):
        # The condition is dropped, unchecked, and the target always taken.
        (text,) = value
        transition = _make_transition(scope, "next", text, None, line)
        transitions = (transition,) if transition is not None else ()
        return ParsedClause(TransitionClause(transitions=transitions), (line,))
    return _parse_targets(scope, "next", [value], [line])


def _parse_publish(scope: Scope, value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        scope.report(
            f"Invalid value {describe(value)}: 'publish' in the advanced form "
            "is a mapping with 'branch', 'global' or 'atomic'.",
            "publish",
        )
        return {}
    publish_scope = scope.nested("publish", value)
    scopes: dict[str, dict[str, Any]] = {}
    for name, variables in value.items():
        if name not in _PUBLISH_SCOPES:
            publish_scope.report(
                f"Unknown publish scope {name!r}: use 'branch', 'global' or 'atomic'.",
                name if isinstance(name, str) else None,
            )
            continue
        problem = check_nonempty_mapping(variables)
        if problem is not None:
            publish_scope.report(problem, name)
            continue
        publish_scope.check_expressions(name, variables)
        scopes[name] = variables
    if not any(value.get(name) for name in _PUBLISH_SCOPES):
        scope.report(
            "The advanced 'publish' is empty: give at least one of 'branch', "
            "'global' or 'atomic'.",
            "publish",
        )
    return scopes


def _count_target_forms(text: str) -> int:
    return sum(1 for form in _TARGET_FORMS if form.search(text))


def _target_text_problem(text: str) -> str | None:
    matches = _count_target_forms(text)
    if matches == 1:
        return None
    if matches == 0:
        return f"Invalid target {text!r}: {_TARGET_HELP}."
    return (
        f"Invalid target {text!r}: it reads both as a task name and as a "
        "command call, which Mistral rejects; write the arguments after a "
        "space instead, such as 'fail msg=\"text\"'."
    )


def _is_guard_item(value: dict[Any, Any]) -> bool:
    if len(value) != 1:
        return False
    ((text, condition),) = value.items()
    if not isinstance(text, str):
        return False
    return not _count_target_forms(text) or is_expression(condition)


def _is_next(value: Any) -> bool:
    if isinstance(value, str):
        return _target_text_problem(value) is None
    if isinstance(value, dict):
        return _is_guard_item(value)
    if isinstance(value, list):
        return (
            bool(value)
            and check_unique(value) is None
            and all(_is_list_item(item) for item in value)
        )
    return False


def _is_list_item(item: Any) -> bool:
    if isinstance(item, str):
        return _target_text_problem(item) is None
    return isinstance(item, dict) and _is_guard_item(item)


def _is_advanced(value: dict[Any, Any]) -> bool:
    if not value or not set(value) <= _ADVANCED_KEYS:
        return False
    if "next" in value and not _is_next(value["next"]):
        return False
    publish = value.get("publish", {})
    if not isinstance(publish, dict):
        return False
    return all(
        name in _PUBLISH_SCOPES and check_nonempty_mapping(variables) is None
        for name, variables in publish.items()
    )
