"""Nested workflows: results, errors travelling up, any depth."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from engine.db.models import Execution

THREE_LEVELS = """
version: '2.0'
top:
  output:
    reached: <% $.reached %>
  tasks:
    call_middle:
      workflow: middle
      input:
        depth: 1
      on-success: never
    never:
      action: std.noop
middle:
  input:
    - depth
  tasks:
    call_bottom:
      workflow: bottom
      input:
        depth: <% $.depth + 1 %>
bottom:
  input:
    - depth
  tasks:
    prepare:
      action: std.echo output="ready"
      on-success: explode
    explode:
      action: std.fail
      input:
        error_data: {depth: <% $.depth %>, reason: disk full}
"""


def test_three_levels_fail_from_bottom(
    run_workflow: Callable[..., Any], database: Any
) -> None:
    outcome = run_workflow(THREE_LEVELS, "top")
    assert outcome.execution.state == "ERROR"
    call_middle = outcome.task("call_middle")
    assert call_middle.state == "ERROR"
    assert "explode" in call_middle.state_info
    assert "disk full" in outcome.execution.state_info
    assert [t.name for t in outcome.tasks] == ["call_middle"]
    with database.sessions() as session:
        middle = session.scalars(
            select(Execution).where(Execution.parent_task_id == call_middle.id)
        ).one()
        assert middle.state == "ERROR"
        assert middle.root_execution_id == outcome.execution.id


def test_child_output_is_task_result(run_workflow: Callable[..., Any]) -> None:
    text = """
version: '2.0'
parent:
  output:
    doubled: <% $.doubled %>
  tasks:
    call:
      workflow: child
      input:
        n: 21
      publish:
        doubled: <% task().result.value %>
child:
  input:
    - n
  output:
    value: <% $.n * 2 %>
  tasks:
    noop:
      action: std.noop
"""
    outcome = run_workflow(text, "parent")
    assert outcome.execution.state == "SUCCESS"
    assert outcome.execution.output == {"doubled": 42}


def test_dynamic_workflow_name_and_input_expression(run_workflow: Callable[..., Any]) -> None:
    text = """
version: '2.0'
parent:
  input:
    - which: child_b
  tasks:
    call:
      workflow: <% $.which %>
      input: <% {greeting => 'hi'} %>
      publish:
        got: <% task().result %>
child_a:
  input: [greeting]
  output:
    from: a
  tasks:
    t:
      action: std.noop
child_b:
  input: [greeting]
  output:
    from: b
    said: <% $.greeting %>
  tasks:
    t:
      action: std.noop
"""
    outcome = run_workflow(text, "parent")
    assert outcome.execution.state == "SUCCESS", outcome.execution.state_info
    assert outcome.task("call").published == {"got": {"from": "b", "said": "hi"}}


def test_deep_nesting_five_levels(run_workflow: Callable[..., Any]) -> None:
    levels = ["version: '2.0'"]
    for level in range(5):
        levels.append(
            f"""
level{level}:
  output:
    depth: <% $.depth %>
  tasks:
    go:
      {'workflow: level' + str(level + 1) if level < 4 else 'action: std.echo output=5'}
      publish:
        depth: <% {'task().result.depth' if level < 4 else 'task().result'} %>
"""
        )
    outcome = run_workflow("\n".join(levels), "level0")
    assert outcome.execution.state == "SUCCESS", outcome.execution.state_info
    assert outcome.execution.output == {"depth": 5}


def test_target_is_recorded(run_workflow: Callable[..., Any]) -> None:
    text = """
version: '2.0'
wf:
  input:
    - host: executor-3
  tasks:
    pinned:
      action: std.noop
      target: <% $.host %>
"""
    outcome = run_workflow(text)
    assert outcome.execution.state == "SUCCESS"
    assert outcome.task("pinned").runtime["target"] == "executor-3"
