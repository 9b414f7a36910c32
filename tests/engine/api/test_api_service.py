"""``levante serve`` as a real process, driven by the remote CLI over HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from engine.cli import main
from engine.db.models import ActionExecution, Execution, TaskExecution
from engine.db.setup import Database

from .conftest import free_port, wait_until_ready

FAILING_TWICE = """\
version: '2.0'
nightly:
  input:
    - attempts: 1
  tasks:
    prepare:
      action: std.echo output="ready"
      on-success: check
    check:
      action: std.fail
      input:
        error_data: {disk: full, password: hunter2}
"""

@pytest.fixture
def service(tmp_path: Path) -> Iterator[str]:
    """Start ``levante serve`` on a free local port; yield its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "LEVANTE_API_TOKENS": "ops-token=ops"}
    command = [
        sys.executable,
        "-c",
        "from engine.cli import main; main()",
        "serve",
        "--port",
        str(port),
        "--db",
        str(tmp_path / "service.sqlite"),
    ]
    log = (tmp_path / "service.log").open("w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_ready(url, process)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
    output = (tmp_path / "service.log").read_text()
    assert process.returncode == 0, output
    assert "stopped" in output


def cli(url: str, *args: str, token: str = "ops-token") -> Result:
    return CliRunner().invoke(main, ["--url", url, "--token", token, *args])


def test_serve_with_remote_cli(service: str, tmp_path: Path) -> None:
    path = tmp_path / "nightly.yaml"
    path.write_text(FAILING_TWICE)
    run = cli(service, "run", str(path), "-o", "json", "--timeout", "30")
    assert run.exit_code == 1, run.output
    execution_id = json.loads(run.stdout)["id"]

    listed = json.loads(cli(service, "executions", "list", "-o", "json").stdout)
    assert [item["id"] for item in listed] == [execution_id]
    assert listed[0]["state"] == "ERROR"

    report = json.loads(
        cli(service, "executions", "report", execution_id, "-o", "json").stdout
    )
    cause = report["causes"][0]
    assert [step["name"] for step in cause["path"]] == ["nightly", "check", "std.fail"]
    assert cause["error_data"] == {"disk": "full", "password": "***"}
    action = report["execution"]["tasks"][1]["actions"][0]
    assert action["input"]["error_data"]["password"] == "***"

    tree = cli(service, "executions", "report", execution_id, "--errors-only")
    assert "nightly > check > std.fail" in tree.output

    rerun = cli(
        service,
        "executions",
        "rerun",
        execution_id,
        "--task",
        "check",
        "-o",
        "json",
        "--timeout",
        "30",
    )
    assert rerun.exit_code == 1
    assert json.loads(rerun.stdout)["state"] == "ERROR"


def test_serve_rejects_unknown_token(service: str) -> None:
    result = cli(service, "executions", "list", token="wrong")
    assert result.exit_code == 6
    assert "not valid" in result.output
    assert httpx.get(f"{service}/health").json() == {"status": "ok"}


def test_sigterm_records_running_action(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    db_path = tmp_path / "service.sqlite"
    command = [
        sys.executable, "-c", "from engine.cli import main; main()",
        "serve", "--port", str(port), "--db", str(db_path),
    ]
    log = (tmp_path / "service.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_ready(url, process)
        definition = (
            "version: '2.0'\nslow:\n  tasks:\n    nap:\n"
            "      action: std.sleep seconds=1.5\n"
        )
        started = httpx.post(f"{url}/v2/executions", json={"definition": definition})
        execution_id = started.json()["id"]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            tasks = httpx.get(f"{url}/v2/executions/{execution_id}/tasks").json()["tasks"]
            if tasks and tasks[0]["state"] == "RUNNING":
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
    output = (tmp_path / "service.log").read_text()
    assert process.returncode == 0, output
    db = Database(str(db_path), create=False)
    try:
        with db.sessions() as session:
            action = session.scalars(select(ActionExecution)).one()
            task = session.scalars(select(TaskExecution)).one()
            execution = session.get(Execution, execution_id)
    finally:
        db.dispose()
    # The sleep ended within the grace period, so its result was recorded
    # and the one-task workflow finished before the process exited.
    assert action.state == "SUCCESS"
    assert task.state == "SUCCESS"
    assert execution is not None
    assert execution.state == "SUCCESS"
