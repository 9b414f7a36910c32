"""Effective transitions and requires, with task-defaults applied."""

from __future__ import annotations

from engine.spec.graph import (
    effective_requires,
    effective_transitions,
    outbound_targets,
)

from .conftest import parse_workflow

WORKFLOW = """
version: '2.0'
wf:
  task-defaults:
    on-error: [handler, a]
    on-success: [a]
  tasks:
    a:
      action: std.noop
      on-success:
        publish:
          branch: {x: 1}
    b:
      action: std.noop
      on-error: [fail]
    handler:
      action: std.noop
"""


def test_own_clause_wins() -> None:
    workflow = parse_workflow(WORKFLOW)
    transitions = effective_transitions(
        workflow.tasks["b"], workflow.task_defaults, "on-error"
    )
    assert [t.target for t in transitions] == ["fail"]


def test_defaults_skip_own_task() -> None:
    workflow = parse_workflow(WORKFLOW)
    transitions = effective_transitions(
        workflow.tasks["a"], workflow.task_defaults, "on-error"
    )
    assert [t.target for t in transitions] == ["handler"]


def test_publish_only_clause_takes_defaults() -> None:
    workflow = parse_workflow(WORKFLOW)
    task_b = workflow.tasks["b"]
    on_success_a = effective_transitions(
        workflow.tasks["a"], workflow.task_defaults, "on-success"
    )
    on_success_b = effective_transitions(task_b, workflow.task_defaults, "on-success")
    assert on_success_a == ()
    assert [t.target for t in on_success_b] == ["a"]


def test_outbound_targets() -> None:
    workflow = parse_workflow(WORKFLOW)
    assert outbound_targets(workflow.tasks["b"], workflow.task_defaults) == {
        "fail",
        "a",
    }
    assert (
        effective_transitions(workflow.tasks["b"], workflow.task_defaults, "on-skip")
        == ()
    )


def test_effective_requires() -> None:
    workflow = parse_workflow(
        """
        version: '2.0'
        wf:
          type: reverse
          task-defaults:
            requires: [init]
          tasks:
            init: {action: std.noop}
            a: {action: std.noop}
            b: {requires: [a, init]}
        """
    )
    defaults = workflow.task_defaults
    assert effective_requires(workflow.tasks["b"], defaults) == ("a", "init")
    assert effective_requires(workflow.tasks["init"], defaults) == ()
    assert effective_requires(workflow.tasks["a"], defaults) == ("init",)
