"""Pause, resume, cancel and rerun of running executions."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from engine.core import ControlError

GATED = """
version: '2.0'
gated:
  output:
    after: <% $.after %>
  tasks:
    hold:
      action: probe.wait_gate value=1
      on-success: next_step
    next_step:
      action: std.echo output="went on"
      publish:
        after: <% task().result %>
"""

NESTED_GATED = """
version: '2.0'
parent:
  tasks:
    call:
      workflow: gated
gated:
  tasks:
    hold:
      action: probe.wait_gate value=1
      on-success: next_step
    next_step:
      action: std.noop
"""


def wait_until(predicate: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def run_in_thread(core: Any, execution_id: str) -> threading.Thread:
    thread = threading.Thread(target=core.run, args=(execution_id, 20), daemon=True)
    thread.start()
    return thread


def test_pause_running_then_resume(
    make_engine: Callable[..., Any], probe: Any, outcome_of: Callable[[str], Any]
) -> None:
    core = make_engine()
    execution_id = core.start(GATED)
    thread = run_in_thread(core, execution_id)
    wait_until(lambda: probe.running == 1)
    core.pause(execution_id)
    probe.gate.set()
    thread.join(10)
    paused = outcome_of(execution_id)
    assert paused.execution.state == "PAUSED"
    assert paused.task("hold").state == "SUCCESS"
    assert [t.name for t in paused.tasks] == ["hold"]
    core.resume(execution_id)
    core.run(execution_id, timeout=10)
    done = outcome_of(execution_id)
    assert done.execution.state == "SUCCESS"
    assert done.execution.output == {"after": "went on"}


def test_pause_cascades_to_subworkflow(
    make_engine: Callable[..., Any], probe: Any, database: Any, outcome_of: Callable[[str], Any]
) -> None:
    from sqlalchemy import select

    from engine.db.models import Execution

    core = make_engine()
    execution_id = core.start(NESTED_GATED, "parent")
    thread = run_in_thread(core, execution_id)
    wait_until(lambda: probe.running == 1)
    core.pause(execution_id)
    with database.sessions() as session:
        states = set(session.scalars(select(Execution.state)))
    assert states == {"PAUSED"}
    probe.gate.set()
    thread.join(10)
    core.resume(execution_id)
    core.run(execution_id, timeout=10)
    assert outcome_of(execution_id).execution.state == "SUCCESS"


def test_cancel_running_execution(
    make_engine: Callable[..., Any], probe: Any, database: Any, outcome_of: Callable[[str], Any]
) -> None:
    from sqlalchemy import select

    from engine.db.models import Execution

    core = make_engine()
    execution_id = core.start(NESTED_GATED, "parent")
    thread = run_in_thread(core, execution_id)
    wait_until(lambda: probe.running == 1)
    core.cancel(execution_id, "operator stopped it")
    thread.join(10)
    probe.gate.set()
    outcome = outcome_of(execution_id)
    assert outcome.execution.state == "CANCELLED"
    assert outcome.execution.state_info == "operator stopped it"
    assert outcome.task("call").state == "CANCELLED"
    with database.sessions() as session:
        assert set(session.scalars(select(Execution.state))) == {"CANCELLED"}
    with pytest.raises(ControlError):
        core.resume(execution_id)


def test_rerun_failed_task_continues_execution(
    make_engine: Callable[..., Any], probe: Any, outcome_of: Callable[[str], Any]
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
      on-success: finish
    finish:
      action: std.echo output="finished after <% $.attempt %>"
      publish:
        final: <% task().result %>
"""
    core = make_engine()
    execution_id = core.start(text)
    core.run(execution_id, timeout=10)
    assert outcome_of(execution_id).execution.state == "ERROR"
    core.rerun(execution_id, "unstable")
    core.run(execution_id, timeout=10)
    outcome = outcome_of(execution_id)
    assert outcome.execution.state == "SUCCESS", outcome.execution.state_info
    assert outcome.execution.output == {"final": "finished after 2"}
    assert [t.name for t in outcome.tasks] == ["unstable", "finish"]


def test_rerun_only_failed_items_without_reset(
    make_engine: Callable[..., Any], probe: Any, outcome_of: Callable[[str], Any]
) -> None:
    # Item 2 gets an invalid input until the rerun changes env.
    text = """
version: '2.0'
wf:
  tasks:
    items:
      with-items: n in [1, 2, 3]
      action: probe.hold
      input:
        value: <% $.n %>
        seconds: <% switch($.n = env().broken => 'not a number', true => 0) %>
      publish:
        got: <% task().result %>
"""
    core = make_engine()
    execution_id = core.start(text, env={"broken": 2})
    core.run(execution_id, timeout=10)
    first = outcome_of(execution_id)
    assert first.execution.state == "ERROR"
    calls_before = list(probe.calls)
    core.rerun(execution_id, "items", reset=False, env={"broken": 0})
    core.run(execution_id, timeout=10)
    outcome = outcome_of(execution_id)
    assert outcome.execution.state == "SUCCESS", outcome.execution.state_info
    assert outcome.task("items").published == {"got": [1, 2, 3]}
    # Item 1 succeeded and is not run again; item 2 failed and item 3 never
    # started after the failure, so both run now.
    assert calls_before == [1]
    assert probe.calls[len(calls_before):] == [2, 3]


def test_control_rejects_wrong_state(make_engine: Callable[..., Any]) -> None:
    core = make_engine()
    execution_id = core.start("version: '2.0'\nwf:\n  tasks:\n    t:\n      action: std.noop\n")
    core.run(execution_id, timeout=10)
    with pytest.raises(ControlError, match="only a RUNNING execution can be paused"):
        core.pause(execution_id)
    with pytest.raises(ControlError, match="only an execution in ERROR"):
        core.rerun(execution_id, "t")
