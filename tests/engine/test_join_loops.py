"""Joins reached again by a loop, and contexts of tasks that run again.

Expected values were recorded by running the same definitions on
Mistral 23.0.0 (the mistral-oracle tool).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LOOP_THROUGH_JOIN = """
version: '2.0'
loopjoin:
  vars:
    n: 0
  tasks:
    init:
      action: std.noop
      on-success: start
    start:
      action: std.noop
      publish:
        n: <% $.n + 1 %>
      on-success: [a, b]
    a:
      action: std.noop
      on-success: joined
    b:
      action: probe.hold seconds=<% 0.05 * $.n %>
      on-success: joined
    joined:
      join: all
      action: std.echo output=<% $.n %>
      publish:
        seen: <% $.n %>
        res: <% task().result %>
      on-success:
        - start: <% $.n < 3 %>
"""


def test_loop_runs_join_each_round(run_workflow: Callable[..., Any]) -> None:
    outcome = run_workflow(LOOP_THROUGH_JOIN)
    names = [t.name for t in outcome.tasks]
    joined = outcome.task("joined")
    assert outcome.execution.state == "SUCCESS", outcome.execution.state_info
    assert outcome.execution.output == {"n": 3, "seen": 3, "res": [1, 2, 3]}
    assert names.count("start") == 3
    assert names.count("a") == 3
    assert names.count("b") == 3
    # One task execution for the join, as Mistral keeps one per join name.
    # Its three results also show that it ran once per round: b, the slow
    # branch, ended before the join of its round started.
    assert names.count("joined") == 1
    assert joined.state == "SUCCESS"
    assert joined.result == [1, 2, 3]
    assert joined.published == {"seen": 3, "res": [1, 2, 3]}


def test_partial_join_ignores_late_branch(run_workflow: Callable[..., Any]) -> None:
    text = """
version: '2.0'
partial:
  tasks:
    p1:
      action: std.noop
      on-success: gather
    p2:
      action: std.noop
      on-success: gather
    p3:
      action: probe.hold seconds=0.3
      on-success: gather
    gather:
      join: 2
      action: std.echo output="x"
      publish:
        res: <% task().result %>
"""
    outcome = run_workflow(text)
    gather = outcome.task("gather")
    assert outcome.execution.state == "SUCCESS", outcome.execution.state_info
    assert [t.name for t in outcome.tasks].count("gather") == 1
    assert gather.result == "x"
    assert gather.published == {"res": "x"}


def test_rerun_children_get_new_context(
    make_engine: Callable[..., Any], outcome_of: Callable[[str], Any]
) -> None:
    text = """
version: '2.0'
wf:
  output:
    final: <% $.final %>
  tasks:
    unstable:
      action: probe.flaky fail_times=1
      publish:
        attempt: <% task().result %>
      publish-on-error:
        attempt: failed
      on-success: finish
      on-error: note
    note:
      action: std.echo output=<% $.attempt %>
      on-success:
        - fail
    finish:
      action: std.echo output="finished after <% $.attempt %>"
      publish:
        final: <% task().result %>
"""
    core = make_engine()
    execution_id = core.start(text)
    core.run(execution_id, timeout=10)
    first = outcome_of(execution_id)
    assert first.execution.state == "ERROR"
    assert first.task("note").result == "failed"
    core.rerun(execution_id, "unstable")
    core.run(execution_id, timeout=10)
    outcome = outcome_of(execution_id)
    assert outcome.execution.state == "SUCCESS", outcome.execution.state_info
    assert outcome.execution.output == {"final": "finished after 2"}
