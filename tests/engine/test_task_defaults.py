"""task-defaults: how they combine with a task's own settings (Mistral 23)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_publish_only_clause_takes_default_targets(run_workflow: Callable[..., Any]) -> None:
    text = """
version: '2.0'
wf:
  task-defaults:
    on-success: [cleanup]
  tasks:
    work:
      action: std.noop
      on-success:
        publish:
          branch:
            done: yes
    cleanup:
      action: std.noop
"""
    outcome = run_workflow(text)
    assert outcome.execution.state == "SUCCESS"
    assert [t.name for t in outcome.tasks] == ["work", "cleanup"]
    assert outcome.task("work").published == {"done": True}


def test_reverse_requires_joins_defaults(run_workflow: Callable[..., Any]) -> None:
    text = """
version: '2.0'
wf:
  type: reverse
  task-defaults:
    requires: [setup]
  tasks:
    setup:
      action: std.noop
    fetch:
      action: std.noop
    build:
      requires: [fetch]
      action: std.noop
"""
    outcome = run_workflow(text, params={"task_name": "build"})
    assert outcome.execution.state == "SUCCESS", outcome.execution.state_info
    names = [t.name for t in outcome.tasks]
    assert set(names) == {"setup", "fetch", "build"}
    assert names[-1] == "build"


def test_zero_policy_takes_default(run_workflow: Callable[..., Any]) -> None:
    text = """
version: '2.0'
wf:
  task-defaults:
    wait-before: 1
  tasks:
    waits_anyway:
      action: std.noop
      wait-before: 0
"""
    outcome = run_workflow(text)
    task = outcome.task("waits_anyway")
    assert outcome.execution.state == "SUCCESS"
    assert (task.started_at - task.created_at).total_seconds() >= 1.0
