"""Timers are rows in the database, so they fire after a restart."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from engine.db.models import Job


def test_wait_before_fires_in_a_new_engine(
    make_engine: Callable[..., Any], database: Any, outcome_of: Callable[[str], Any]
) -> None:
    text = """
version: '2.0'
wf:
  tasks:
    later:
      action: std.echo output="after restart"
      wait-before: 1
      publish:
        said: <% task().result %>
"""
    first = make_engine()
    execution_id = first.start(text)
    first.close()
    with database.sessions() as session:
        jobs = list(session.scalars(select(Job)))
    assert [job.kind for job in jobs] == ["wait_before"]
    second = make_engine()
    started = time.monotonic()
    second.run(execution_id, timeout=10)
    outcome = outcome_of(execution_id)
    assert outcome.execution.state == "SUCCESS"
    assert outcome.task("later").published == {"said": "after restart"}
    assert time.monotonic() - started < 5


def test_retry_delay_survives_restart(
    make_engine: Callable[..., Any], probe: Any, outcome_of: Callable[[str], Any]
) -> None:
    text = """
version: '2.0'
wf:
  tasks:
    unstable:
      action: probe.flaky fail_times=1
      retry:
        count: 1
        delay: 1
"""
    first = make_engine()
    execution_id = first.start(text)
    # Handle the first failure only: the retry is then a job in the table.
    first.step(5)
    first.close()
    second = make_engine()
    second.run(execution_id, timeout=10)
    outcome = outcome_of(execution_id)
    assert outcome.execution.state == "SUCCESS"
    assert len(probe.calls) == 2


def test_timeout_job_removed_when_task_ends(
    run_workflow: Callable[..., Any], database: Any
) -> None:
    text = """
version: '2.0'
wf:
  tasks:
    quick:
      action: std.noop
      timeout: 30
"""
    outcome = run_workflow(text)
    assert outcome.execution.state == "SUCCESS"
    with database.sessions() as session:
        assert list(session.scalars(select(Job))) == []
