"""Transition clauses: every form, engine commands and their checks."""

from __future__ import annotations

from typing import Any

import pytest

from engine.spec.model import Transition

from .conftest import parse_task, rejection

TARGETS = """
b:
  action: std.noop
c:
  action: std.noop
"""


def on_success(clause_yaml: str) -> tuple[Transition, ...]:
    task = parse_task(f"action: std.noop\non-success: {clause_yaml}", TARGETS)
    assert task.on_success is not None
    return task.on_success.transitions


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("b", [Transition("b")]),
        ("[b, c]", [Transition("b"), Transition("c")]),
        ("[{b: <% $.ok %>}, c]", [Transition("b", "<% $.ok %>"), Transition("c")]),
        ("['fail msg=\"stop\"']", [Transition("fail", params={"msg": "stop"})]),
        (
            "'succeed msg=<% $.m %>'",
            [Transition("succeed", params={"msg": "<% $.m %>"})],
        ),
        ("[pause, noop]", [Transition("pause"), Transition("noop")]),
        ("'fail(msg=\"a b\")'", [Transition("fail", params={"msg": "a b"})]),
        (
            "[{'fail msg=\"x\"': <% $.bad %>}]",
            [Transition("fail", "<% $.bad %>", {"msg": "x"})],
        ),
        (
            "{next: [b, {c: <% $.x %>}]}",
            [Transition("b"), Transition("c", "<% $.x %>")],
        ),
        ("{next: b}", [Transition("b")]),
    ],
)
def test_clause_forms(clause: str, expected: list[Transition]) -> None:
    assert list(on_success(clause)) == expected


def test_command_is_flagged() -> None:
    (transition,) = on_success("['fail msg=\"x\"']")
    assert transition.is_command


def test_advanced_publish_scopes() -> None:
    task = parse_task(
        """
        action: std.noop
        on-success:
          publish:
            branch: {a: 1}
            global: {g: <% $.x %>}
            atomic: {n: 2}
          next: b
        """,
        TARGETS,
    )
    clause = task.on_success
    assert clause is not None
    assert clause.publish == {"a": 1}
    assert clause.publish_global == {"g": "<% $.x %>"}
    assert clause.publish_atomic == {"n": 2}
    assert clause.transitions == (Transition("b"),)


def test_advanced_publish_without_next() -> None:
    task = parse_task("action: std.noop\non-error:\n  publish:\n    branch: {e: 1}\n")
    assert task.on_error is not None
    assert task.on_error.transitions == ()
    assert task.on_error.publish == {"e": 1}


def test_mapping_clause_has_no_targets() -> None:
    # Mistral 23.0.0 reads a mapping clause as the advanced form, so the
    # guarded target is never taken and not even checked.
    task = parse_task("action: std.noop\non-success: {ghost: <% true %>}")
    assert task.on_success is not None
    assert task.on_success.transitions == ()


def test_next_mapping_drops_condition() -> None:
    assert on_success("{next: {b: <% false %>}}") == (Transition("b"),)


def test_on_skip_clause() -> None:
    task = parse_task("action: std.noop\non-skip: b\npublish-on-skip: {s: 1}", TARGETS)
    assert task.on_skip is not None
    assert task.on_skip.transitions == (Transition("b"),)
    assert task.publish_on_skip == {"s": 1}


@pytest.mark.parametrize(
    ("clause", "message"),
    [
        ("[b, b]", "Item 'b' is repeated"),
        ("[]", "The list is empty"),
        ("5", "Invalid value 5"),
        ("[5]", "Invalid target 5"),
        ("'fail(msg=\"x\")'", "reads both as a task name and as a command call"),
        ("[{b: true}]", "Invalid condition true for target 'b'"),
        ("[{b: <% 1 %>, c: <% 2 %>}]", "exactly one entry"),
        ("{next: <%x%>}", "reads both as a guarded target and as the advanced form"),
        ("{publish: {}}", "The advanced 'publish' is empty"),
        ("{publish: {branchy: {a: 1}}}", "Unknown publish scope 'branchy'"),
        ("{publish: {branch: {a: 1}}, next: b, other: 1}", "Unknown key 'other'"),
        ("{next: 5}", "Invalid target 5"),
        ("{publish: <% $.x %>}", "'publish' in the advanced form is a mapping"),
        ("{next: <% $.n %>}", "Task '<% $.n %>' not found."),
        ("[ghost]", "Task 'ghost' not found. Known tasks: t, b, c."),
        ("[{b: <% $.x = = 1 %>}]", "Parse error"),
    ],
)
def test_clause_rejected(clause: str, message: str) -> None:
    error = rejection(
        f"""
        version: '2.0'
        wf:
          tasks:
            t:
              action: std.noop
              on-success: {clause}
            b:
              action: std.noop
            c:
              action: std.noop
        """
    )
    assert message in str(error)


def test_unknown_target_suggests_name() -> None:
    error = rejection(
        """
        version: '2.0'
        wf:
          tasks:
            start:
              on-success: [finsh]
            finish:
              action: std.noop
        """
    )
    (issue,) = error.issues
    assert issue.line == 6
    assert issue.task == "start"
    assert issue.key == "on-success"
    assert "Did you mean 'finish'?" in issue.message


def test_defaults_target_reported_once() -> None:
    error = rejection(
        """
        version: '2.0'
        wf:
          task-defaults:
            on-error: [ghost]
          tasks:
            a: {action: std.noop}
            b: {action: std.noop}
        """
    )
    (issue,) = error.issues
    assert issue.key == "task-defaults.on-error"
    assert issue.line == 5


def test_command_args_not_validated() -> None:
    # Mistral 23.0.0 evaluates command arguments only when the command runs.
    (transition,) = on_success("['fail msg=<% $.a + %>']")
    assert transition.params == {"msg": "<% $.a + %>"}


def guard_of(transitions: tuple[Transition, ...]) -> Any:
    return transitions[0].condition


def test_guard_keeps_jinja() -> None:
    assert guard_of(on_success("[{b: '{{ _.ok }}'}]")) == "{{ _.ok }}"
