"""Task policies, each given as a literal and as an expression."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest


@pytest.mark.parametrize("count", ["2", "<% $.tries %>", "'{{ _.tries }}'"])
def test_retry_count_repeats_until_success(
    run_workflow: Callable[..., Any], probe: Any, count: str
) -> None:
    text = f"""
version: '2.0'
wf:
  input:
    - tries: 2
  tasks:
    unstable:
      action: probe.flaky fail_times=2
      retry:
        count: {count}
        delay: 0
      publish:
        calls: <% task().result %>
"""
    outcome = run_workflow(text)
    assert outcome.execution.state == "SUCCESS", outcome.execution.state_info
    assert outcome.task("unstable").published == {"calls": 3}
    assert len(probe.calls) == 3


def test_retry_exhausted_fails_with_last_error(
    run_workflow: Callable[..., Any], probe: Any
) -> None:
    text = """
version: '2.0'
wf:
  tasks:
    unstable:
      action: probe.flaky fail_times=5
      retry: count=2 delay=0
"""
    outcome = run_workflow(text)
    assert outcome.execution.state == "ERROR"
    assert len(probe.calls) == 3
    assert outcome.task("unstable").result == {"attempt": 3}


def test_retry_break_on_expression_stops(run_workflow: Callable[..., Any], probe: Any) -> None:
    text = """
version: '2.0'
wf:
  tasks:
    unstable:
      action: probe.flaky fail_times=5
      retry:
        count: 4
        delay: 0
        break-on: <% task().result.attempt >= 2 %>
"""
    outcome = run_workflow(text)
    assert outcome.execution.state == "ERROR"
    assert len(probe.calls) == 2


def test_retry_delay_expression_is_waited(run_workflow: Callable[..., Any], probe: Any) -> None:
    text = """
version: '2.0'
wf:
  input:
    - pause: 0.3
  tasks:
    unstable:
      action: probe.flaky fail_times=1
      retry:
        count: 1
        delay: <% $.pause %>
"""
    started = time.monotonic()
    outcome = run_workflow(text)
    assert outcome.execution.state == "SUCCESS"
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize("value", ["1", "<% $.delay %>"])
def test_wait_before_never_fires_early(run_workflow: Callable[..., Any], value: str) -> None:
    text = f"""
version: '2.0'
wf:
  input:
    - delay: 1
  tasks:
    first:
      action: std.noop
      on-success: later
    later:
      action: std.noop
      wait-before: {value}
"""
    outcome = run_workflow(text)
    first, later = outcome.task("first"), outcome.task("later")
    assert outcome.execution.state == "SUCCESS"
    assert (later.started_at - first.finished_at).total_seconds() >= 1.0


@pytest.mark.parametrize("value", ["1", "<% 0.5 * 2 %>"])
def test_wait_after_delays_completion(run_workflow: Callable[..., Any], value: str) -> None:
    text = f"""
version: '2.0'
wf:
  tasks:
    slow_finish:
      action: std.noop
      wait-after: {value}
"""
    outcome = run_workflow(text)
    task = outcome.task("slow_finish")
    assert outcome.execution.state == "SUCCESS"
    assert (task.finished_at - task.started_at).total_seconds() >= 1.0


@pytest.mark.parametrize("value", ["1", "<% $.limit %>"])
def test_timeout_fails_task_not_early(run_workflow: Callable[..., Any], value: str) -> None:
    text = f"""
version: '2.0'
wf:
  input:
    - limit: 1
  tasks:
    slow:
      action: probe.hold
      input:
        seconds: 3
      timeout: {value}
      on-error: handled
    handled:
      action: std.noop
"""
    outcome = run_workflow(text)
    slow = outcome.task("slow")
    assert slow.state == "ERROR"
    assert "timed out" in slow.state_info
    assert (slow.finished_at - slow.started_at).total_seconds() >= 1.0
    assert outcome.execution.state == "SUCCESS"


@pytest.mark.parametrize("value", ["true", "<% $.hold %>"])
def test_pause_before_pauses_then_resumes(
    make_engine: Callable[..., Any], outcome_of: Callable[[str], Any], value: str
) -> None:
    text = f"""
version: '2.0'
wf:
  input:
    - hold: true
  tasks:
    gated:
      action: std.echo output="done"
      pause-before: {value}
      publish:
        out: <% task().result %>
"""
    core = make_engine()
    execution_id = core.start(text)
    core.run(execution_id, timeout=10)
    paused = outcome_of(execution_id)
    assert paused.execution.state == "PAUSED"
    assert paused.task("gated").state == "IDLE"
    core.resume(execution_id)
    core.run(execution_id, timeout=10)
    done = outcome_of(execution_id)
    assert done.execution.state == "SUCCESS"
    assert done.task("gated").published == {"out": "done"}


@pytest.mark.parametrize("value", ["<% task().result > 1 %>", "'{{ task().result > 1 }}'"])
def test_fail_on_expression_fails_task(run_workflow: Callable[..., Any], value: str) -> None:
    text = f"""
version: '2.0'
wf:
  tasks:
    check:
      action: std.echo output=5
      fail-on: {value}
"""
    outcome = run_workflow(text)
    assert outcome.task("check").state == "ERROR"
    assert outcome.execution.state == "ERROR"


@pytest.mark.parametrize("value", ["2", "<% $.width %>"])
def test_concurrency_limits_running_items(
    run_workflow: Callable[..., Any], probe: Any, value: str
) -> None:
    text = f"""
version: '2.0'
wf:
  input:
    - width: 2
  tasks:
    fan:
      with-items: n in <% range(8) %>
      concurrency: {value}
      action: probe.hold
      input:
        value: <% $.n %>
        seconds: 0.05
      publish:
        values: <% task().result %>
"""
    outcome = run_workflow(text)
    assert outcome.execution.state == "SUCCESS", outcome.execution.state_info
    assert probe.peak == 2
    assert outcome.task("fan").published == {"values": list(range(8))}


def test_task_defaults_apply_policies(run_workflow: Callable[..., Any], probe: Any) -> None:
    text = """
version: '2.0'
wf:
  task-defaults:
    retry:
      count: <% 3 %>
      delay: 0
  tasks:
    unstable:
      action: probe.flaky fail_times=2
"""
    outcome = run_workflow(text)
    assert outcome.execution.state == "SUCCESS"
    assert len(probe.calls) == 3
