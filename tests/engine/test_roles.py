"""Several executor processes share one database and finish every workflow."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine.cli import main
from engine.db.models import ActionExecution, Execution

FAN = """
version: '2.0'
fan:
  output:
    total: <% $.total %>
  tasks:
    items:
      with-items: n in <% range(12) %>
      action: std.echo
      input:
        output: <% $.n %>
        delay: 0.05
      publish:
        total: <% task().result.sum() %>
"""


def start_executor(url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "--db", url, "executor", "--workers", "4"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_executors_share_the_work(
    make_engine: Callable[..., Any], database: Any, outcome_of: Callable[[str], Any]
) -> None:
    api = make_engine(executor=False)
    execution_ids = [api.start(FAN) for _ in range(4)]
    workers = [start_executor(database.url) for _ in range(2)]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with database.sessions() as session:
                left = session.scalar(
                    select(func.count()).select_from(Execution).where(
                        Execution.id.in_(execution_ids), Execution.state == "RUNNING"
                    )
                )
            if left == 0:
                break
            time.sleep(0.1)
        for execution_id in execution_ids:
            outcome = outcome_of(execution_id)
            assert outcome.execution.state == "SUCCESS", outcome.execution.state_info
            assert outcome.execution.output == {"total": sum(range(12))}
        with database.sessions() as session:
            owners = set(session.scalars(select(ActionExecution.lease_owner)))
            runs = session.scalar(select(func.count()).select_from(ActionExecution))
        assert runs == 4 * 12
        assert owners == {None}
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(20)
            assert worker.returncode == 0, worker.stderr.read().decode()  # type: ignore[union-attr]
            worker.stderr.close()  # type: ignore[union-attr]


@pytest.mark.parametrize("role", ["executor", "engine"])
def test_role_rejects_unsupported_database_url(role: str) -> None:
    result = CliRunner().invoke(main, [role, "--db", "bogus://x"])
    assert result.exit_code == 2
    assert "unsupported database URL bogus://x" in result.output
