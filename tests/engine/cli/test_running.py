"""Following a local execution: progress lines and the JSON document."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner, Result

from engine.cli import main
from engine.core import EngineCore
from engine.db.models import ActionExecution
from engine.db.setup import Database

#: Another execution, whose action a lost process had leased.
ABANDONED = """\
version: '2.0'
abandoned:
  tasks:
    elsewhere:
      action: std.echo output="x"
"""

#: Runs long enough for the engine to sweep for expired leases, in a
#: sub-workflow so that its tasks must be shown too.
NESTED_SLOW = """\
version: '2.0'
outer:
  tasks:
    call:
      workflow: inner
inner:
  tasks:
    wait:
      action: std.echo output="done" delay=1.5
"""

HELD = """\
version: '2.0'
held:
  tasks:
    first:
      action: std.noop
      on-success: second
    second:
      action: std.echo output="done" delay=1.5
      pause-before: true
"""


def invoke(database: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(database), *args])


def abandon_execution(database: Path) -> str:
    """Start an execution whose action is leased by a process that is gone."""
    db = Database(f"sqlite:///{database}")
    core = EngineCore(db)
    try:
        execution_id = core.start(ABANDONED, None)
    finally:
        core.close()
    with db.transaction() as session:
        for action in session.query(ActionExecution).filter_by(
            execution_id=execution_id
        ):
            action.state = "RUNNING"
            action.lease_owner = "lost-host:1"
            action.lease_expires = datetime(2000, 1, 1)
    db.dispose()
    return execution_id


def progress_lines(output: str) -> list[str]:
    lines = output.splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("Execution "))
    return [line for line in lines[:end] if line.startswith("  ")]


def test_run_shows_only_own_progress(tmp_path: Path) -> None:
    database = tmp_path / "cli.sqlite"
    path = tmp_path / "nested.yaml"
    path.write_text(NESTED_SLOW)
    abandoned_id = abandon_execution(database)
    result = invoke(database, "run", str(path), "-w", "outer")
    other = json.loads(invoke(database, "executions", "show", abandoned_id, "-o", "json").stdout)
    assert result.exit_code == 0, result.output
    # The run's engine took the abandoned action over, and failed its task.
    assert other["state"] == "ERROR"
    assert progress_lines(result.output) == [
        "  > call",
        "  > wait",
        "  ok wait SUCCESS",
        "  ok call SUCCESS",
    ]


def test_resume_shows_only_own_progress(tmp_path: Path) -> None:
    database = tmp_path / "cli.sqlite"
    path = tmp_path / "held.yaml"
    path.write_text(HELD)
    paused = invoke(database, "run", str(path), "-o", "json")
    assert paused.exit_code == 3, paused.output
    abandoned_id = abandon_execution(database)
    result = invoke(database, "executions", "resume", json.loads(paused.stdout)["id"])
    other = json.loads(invoke(database, "executions", "show", abandoned_id, "-o", "json").stdout)
    assert result.exit_code == 0, result.output
    assert other["state"] == "ERROR"
    assert progress_lines(result.output) == ["  > second", "  ok second SUCCESS"]


def test_timeout_prints_running_document(tmp_path: Path) -> None:
    # A subprocess, because the command ends its process with os._exit.
    path = tmp_path / "slow.yaml"
    path.write_text(
        "version: '2.0'\nslow:\n  input:\n    - api_key\n  tasks:\n    t:\n"
        "      action: std.echo output=\"done\" delay=5\n"
    )
    command = [
        sys.executable, "-m", "engine.cli", "--db", str(tmp_path / "cli.sqlite"),
        "run", str(path), "-i", "api_key=s3cret", "--timeout", "0.5", "-o", "json",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 7, completed.stderr
    document = json.loads(completed.stdout)
    assert document["state"] == "RUNNING"
    assert document["workflow"] == "slow"
    assert document["input"] == {"api_key": "***"}
    assert "did not finish within 0.5 s" in completed.stderr


def test_run_json_masks_secret_input(tmp_path: Path) -> None:
    path = tmp_path / "secrets.yaml"
    path.write_text(
        "version: '2.0'\nsecrets:\n  input:\n    - api_key\n    - db_password\n"
        "    - region\n  tasks:\n    t:\n      action: std.noop\n"
    )
    database = tmp_path / "cli.sqlite"
    args = ("-i", "api_key=abc", "-i", "db_password=hunter2", "-i", "region=north")
    result = invoke(database, "run", str(path), *args, "-o", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    shown = json.loads(
        invoke(database, "executions", "show", document["id"], "-o", "json").stdout
    )
    expected = {"api_key": "***", "db_password": "***", "region": "north"}
    assert document["input"] == expected
    assert shown["input"] == expected
    assert "hunter2" not in result.output
