"""Leases: actions whose executor died are run again or failed, never lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from sqlalchemy import select, update

from action_sdk import Secret
from engine.db.models import ActionExecution, utcnow

SLOW = """
version: '2.0'
slow:
  output:
    said: <% $.said %>
  tasks:
    long_step:
      action: std.echo
      input:
        output: finished
        delay: 2
      safe-rerun: {safe}
      publish:
        said: <% task().result %>
      on-error: note_loss
    note_loss:
      action: std.noop
      publish:
        said: lost
"""


def start_and_kill(tmp_path: Path, database_url: str, safe: bool) -> str:
    """Run a workflow in a child process and SIGKILL it mid-action."""
    definition = tmp_path / "slow.yaml"
    definition.write_text(SLOW.format(safe=str(safe).lower()))
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "engine.cli",
            "--db",
            database_url,
            "run",
            str(definition),
            "-o",
            "json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    from engine.db.setup import Database

    db = Database(database_url, create=False)
    try:
        # Generous, because a loaded CI machine starts Python slowly.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if child.poll() is not None:
                errors = child.stderr.read().decode(errors="replace")  # type: ignore[union-attr]
                raise AssertionError(f"the child exited with {child.returncode}: {errors}")
            with db.sessions() as session:
                running = session.scalars(
                    select(ActionExecution).where(ActionExecution.state == "RUNNING")
                ).first()
                if running is not None:
                    execution_id = running.execution_id
                    break
            time.sleep(0.05)
        else:
            raise AssertionError("the child never started the action")
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        return execution_id
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        child.stdout.close()  # type: ignore[union-attr]
        child.stderr.close()  # type: ignore[union-attr]
        db.dispose()


def test_killed_executor_safe_rerun_runs_again(
    tmp_path: Path, make_engine: Callable[..., Any], database: Any, outcome_of: Callable[[str], Any]
) -> None:
    url = database.url
    execution_id = start_and_kill(tmp_path, url, safe=True)
    core = make_engine()
    core.run(execution_id, timeout=30)
    outcome = outcome_of(execution_id)
    assert outcome.execution.state == "SUCCESS", outcome.execution.state_info
    assert outcome.execution.output == {"said": "finished"}
    with database.sessions() as session:
        attempts = session.scalars(select(ActionExecution.state)).all()
    assert list(attempts) == ["SUCCESS"]


def test_killed_executor_fails_task_without_safe_rerun(
    tmp_path: Path, make_engine: Callable[..., Any], database: Any, outcome_of: Callable[[str], Any]
) -> None:
    execution_id = start_and_kill(tmp_path, database.url, safe=False)
    core = make_engine()
    core.run(execution_id, timeout=30)
    outcome = outcome_of(execution_id)
    assert outcome.execution.state == "SUCCESS"
    long_step = outcome.task("long_step")
    assert long_step.state == "ERROR"
    assert "was lost" in long_step.state_info
    assert outcome.execution.output == {"said": "lost"}


def test_expired_lease_of_other_host_is_taken_over(
    make_engine: Callable[..., Any], database: Any, outcome_of: Callable[[str], Any], probe: Any
) -> None:
    text = """
version: '2.0'
wf:
  tasks:
    step:
      action: probe.hold value=1
      safe-rerun: true
"""
    first = make_engine(executor=False)
    execution_id = first.start(text)
    with database.transaction() as session:
        session.execute(
            update(ActionExecution).values(
                state="RUNNING",
                lease_owner="elsewhere:1:gone",
                lease_expires=utcnow() - timedelta(seconds=1),
            )
        )
    second = make_engine()
    second.run(execution_id, timeout=20)
    assert outcome_of(execution_id).execution.state == "SUCCESS"
    assert probe.calls == [1]


def test_api_only_engine_leaves_actions_to_executors(
    make_engine: Callable[..., Any], database: Any, outcome_of: Callable[[str], Any], probe: Any
) -> None:
    text = "version: '2.0'\nwf:\n  tasks:\n    step:\n      action: probe.hold value=7\n"
    api = make_engine(executor=False)
    execution_id = api.start(text)
    with database.sessions() as session:
        assert session.scalar(select(ActionExecution.state)) == "IDLE"
    worker = make_engine()
    worker.run(execution_id, timeout=20)
    assert outcome_of(execution_id).execution.state == "SUCCESS"
    assert probe.calls == [7]


def test_result_delivered_twice_is_recorded_once(
    make_engine: Callable[..., Any], database: Any, outcome_of: Callable[[str], Any]
) -> None:
    text = """
version: '2.0'
wf:
  output:
    got: <% $.got %>
  tasks:
    wait_for_callback:
      action: std.async_noop
      publish:
        got: <% task().result %>
      on-success: after
    after:
      action: std.noop
"""
    core = make_engine()
    execution_id = core.start(text)
    with database.sessions() as session:
        action_id = session.scalar(select(ActionExecution.id))
    core.complete_action(action_id, True, {"n": 1})
    core.complete_action(action_id, True, {"n": 2})
    core.run(execution_id, timeout=10)
    outcome = outcome_of(execution_id)
    assert outcome.execution.output == {"got": {"n": 1}}
    assert [t.name for t in outcome.tasks] == ["wait_for_callback", "after"]


def test_async_action_is_started_then_completed(
    make_engine: Callable[..., Any], database: Any, outcome_of: Callable[[str], Any], probe: Any
) -> None:
    import plugins.std
    from action_sdk import ActionError, action, hookimpl
    from registry.discovery import catalog_from_plugins

    started: list[Any] = []

    class AsyncPlugin:
        @hookimpl
        def levante_actions(self) -> list[Any]:
            @action(name="probe.start_job", is_async=True)
            def start_job(job: str) -> None:
                """Start an external job whose result arrives later."""
                if job == "refused":
                    raise ActionError("the job queue refused it")
                started.append(job)

            return [start_job]

    from engine.core import EngineCore

    catalog = catalog_from_plugins({"std": plugins.std.plugin, "async": AsyncPlugin()})
    core = EngineCore(database, catalog)
    try:
        text = (
            "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: probe.start_job job=\"{job}\"\n"
        )
        execution_id = core.start(text.format(job="build-7"))
        for _ in range(50):
            if started:
                break
            core.step(0.1)
        assert started == ["build-7"]
        with database.sessions() as session:
            action_id = session.scalar(select(ActionExecution.id))
            assert session.scalar(select(ActionExecution.state)) == "RUNNING"
        core.complete_action(action_id, True, "built")
        core.run(execution_id, timeout=10)
        assert outcome_of(execution_id).task("t").result == "built"
        refused = core.start(text.format(job="refused"))
        core.run(refused, timeout=10)
        outcome = outcome_of(refused)
        assert outcome.execution.state == "ERROR"
        assert "refused" in outcome.task("t").state_info
    finally:
        core.close()


def test_secret_input_is_not_stored_or_returned(
    database: Any, outcome_of: Callable[[str], Any]
) -> None:
    import plugins.std
    from action_sdk import action, hookimpl
    from engine.core import EngineCore
    from registry.discovery import catalog_from_plugins

    seen: list[str] = []

    class LoginPlugin:
        @hookimpl
        def levante_actions(self) -> list[Any]:
            @action(name="probe.login")
            def login(user: str, password: Annotated[str, Secret]) -> str:
                """Log in and echo what was used."""
                seen.append(password)
                return f"{user} logged in with {password}"

            return [login]

    catalog = catalog_from_plugins({"std": plugins.std.plugin, "login": LoginPlugin()})
    core = EngineCore(database, catalog)
    try:
        text = (
            "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: probe.login\n"
            "      input:\n        user: ops\n        password: hunter2-secret\n"
        )
        execution_id = core.start(text)
        core.run(execution_id, timeout=10)
    finally:
        core.close()
    assert seen == ["hunter2-secret"]
    outcome = outcome_of(execution_id)
    assert outcome.execution.state == "SUCCESS"
    assert "hunter2-secret" not in str(outcome.task("t").result)
    with database.sessions() as session:
        row = session.scalars(select(ActionExecution)).one()
        assert row.input["password"] != "hunter2-secret"
        assert "hunter2-secret" not in str(row.output)


DRAINED = """
version: '2.0'
wf:
  input:
    - first
  tasks:
    first:
      action: probe.hold value=1 seconds=<% $.first %>
      on-success: second
    second:
      action: probe.hold value=2 seconds=0.05
"""


def wait_until_running(database: Any, count: int = 1, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with database.sessions() as session:
            running = session.scalars(
                select(ActionExecution).where(ActionExecution.state == "RUNNING")
            ).all()
        if len(running) >= count:
            return
        time.sleep(0.02)
    raise AssertionError("no action started")


def test_drain_records_running_action_and_hands_back_next(
    make_engine: Callable[..., Any], database: Any, outcome_of: Callable[[str], Any], probe: Any
) -> None:
    stopping = make_engine()
    execution_id = stopping.start(DRAINED, input={"first": 0.3})
    wait_until_running(database)
    assert stopping.drain(grace=10) == 0
    with database.sessions() as session:
        states_by_value = {
            row.input["value"]: (row.state, row.lease_owner)
            for row in session.scalars(select(ActionExecution))
        }
    # The running action's result is recorded; the action it led to was
    # never started here and is free for any process.
    assert states_by_value[1][0] == "SUCCESS"
    assert states_by_value[2] == ("IDLE", None)
    assert probe.calls == [1]
    successor = make_engine()
    successor.run(execution_id, timeout=20)
    assert outcome_of(execution_id).execution.state == "SUCCESS"
    assert probe.calls == [1, 2]


def test_drain_ends_lease_of_slow_action(
    make_engine: Callable[..., Any], database: Any, probe: Any
) -> None:
    stopping = make_engine()
    stopping.start(DRAINED, input={"first": 3})
    wait_until_running(database)
    started = time.monotonic()
    assert stopping.drain(grace=0.2) == 1
    assert time.monotonic() - started < 2
    with database.sessions() as session:
        action = session.scalars(select(ActionExecution)).one()
    assert action.state == "RUNNING"
    assert action.lease_expires <= utcnow()


def test_drain_gives_up_on_requeued_results(
    make_engine: Callable[..., Any], monkeypatch: Any
) -> None:
    core = make_engine()
    requeued: list[Any] = []

    def database_down(batch: list[Any]) -> None:
        # What _handle_batch does during an outage: the results go back.
        requeued.extend(batch)
        for outcome in batch:
            core._outcomes.put(outcome)

    monkeypatch.setattr(core, "_handle_batch", database_down)
    core._outcomes.put(object())
    started = time.monotonic()
    assert core.drain(grace=0) == 0
    assert time.monotonic() - started < 2
    assert len(requeued) == 1
