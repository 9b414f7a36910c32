"""The CLI against a service (``--url``): same commands, same output."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from starlette.exceptions import StarletteDeprecationWarning

import engine.cli.settings
import plugins.std
from engine.api import ApiConfig, create_app
from engine.api.service import EngineLoop
from engine.cli import main
from engine.core import EngineCore
from engine.db.setup import Database
from registry.discovery import catalog_from_plugins

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

GREETING = """\
version: '2.0'
greet:
  input:
    - name
  output:
    text: <% $.text %>
  tasks:
    say:
      action: std.echo output="Hello, <% $.name %>"
      publish:
        text: <% task().result %>
"""

NESTED_FAILURE = """\
version: '2.0'
outer:
  tasks:
    call:
      workflow: inner
inner:
  tasks:
    explode:
      action: std.fail
      input:
        error_data: {reason: disk full}
"""

URL = "http://service.test"


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An API with its engine loop running, reachable through ``--url``."""
    database = Database(f"sqlite:///{tmp_path / 'service.sqlite'}")
    core = EngineCore(database, catalog_from_plugins({"std": plugins.std.plugin}))
    loop = EngineLoop(core)
    app = create_app(
        core, ApiConfig(tokens={"secret-token": "ops"}), engine_alive=loop.alive
    )

    def open_client(url: str, token: str | None) -> TestClient:
        assert url == URL
        headers = {"Authorization": f"Bearer {token}"}
        return TestClient(app, base_url=URL, headers=headers)

    monkeypatch.setattr(engine.cli.settings, "open_client", open_client)
    loop.start()
    yield
    loop.stop()
    core.close()
    database.dispose()


def remote(*args: str) -> Result:
    return CliRunner().invoke(main, ["--url", URL, "--token", "secret-token", *args])


def local(tmp_path: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(tmp_path / "local.sqlite"), *args])


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def without_ids(document: dict[str, Any]) -> dict[str, Any]:
    return {
        **{key: value for key, value in document.items() if key != "id"},
        "tasks": [
            {key: value for key, value in task.items() if key != "id"}
            for task in document["tasks"]
        ],
    }


def test_run_matches_local_output(service: None, tmp_path: Path) -> None:
    path = write(tmp_path, "greet.yaml", GREETING)
    remote_result = remote(
        "run", path, "-i", "name=ops", "-o", "json", "--timeout", "30"
    )
    local_result = local(tmp_path, "run", path, "-i", "name=ops", "-o", "json")
    assert remote_result.exit_code == 0, remote_result.output
    assert without_ids(json.loads(remote_result.stdout)) == without_ids(
        json.loads(local_result.stdout)
    )


def test_run_table_shows_progress(service: None, tmp_path: Path) -> None:
    path = write(tmp_path, "greet.yaml", GREETING)
    result = remote("run", path, "-i", "name=ops", "--timeout", "30")
    assert result.exit_code == 0, result.output
    assert "ok say" in result.output
    assert "Hello, ops" in result.output


def test_run_failure_exits_one(service: None, tmp_path: Path) -> None:
    path = write(tmp_path, "nested.yaml", NESTED_FAILURE)
    result = remote("run", path, "-w", "outer", "-o", "json", "--timeout", "30")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["state"] == "ERROR"


def test_invalid_input_exits_two(service: None, tmp_path: Path) -> None:
    path = write(tmp_path, "greet.yaml", GREETING)
    result = remote("run", path)
    assert result.exit_code == 2
    assert "missing=['name']" in result.output


def test_list_show_and_report(service: None, tmp_path: Path) -> None:
    path = write(tmp_path, "nested.yaml", NESTED_FAILURE)
    run = remote("run", path, "-w", "outer", "-o", "json", "--timeout", "30")
    execution_id = json.loads(run.stdout)["id"]
    listed = json.loads(remote("executions", "list", "-o", "json").stdout)
    shown = json.loads(remote("executions", "show", execution_id, "-o", "json").stdout)
    report = json.loads(
        remote("executions", "report", execution_id, "-o", "json").stdout
    )
    tree = remote("executions", "report", execution_id)
    assert [item["id"] for item in listed] == [execution_id]
    assert set(listed[0]) == {"id", "workflow", "state", "created_at", "finished_at"}
    assert shown["tasks"][0]["name"] == "call"
    assert [step["name"] for step in report["causes"][0]["path"]] == [
        "outer",
        "call",
        "inner",
        "explode",
        "std.fail",
    ]
    assert tree.exit_code == 0
    assert "outer > call > inner > explode > std.fail" in tree.output


def test_workflow_commands(service: None, tmp_path: Path) -> None:
    path = write(tmp_path, "greet.yaml", GREETING)
    created = remote("workflows", "create", path, "--namespace", "team")
    listed = json.loads(remote("workflows", "list", "-o", "json").stdout)
    shown = remote("workflows", "show", "greet", "--namespace", "team")
    run = remote(
        "run",
        "greet",
        "--namespace",
        "team",
        "-i",
        "name=x",
        "-o",
        "json",
        "--timeout",
        "30",
    )
    deleted = remote("workflows", "delete", "greet", "--namespace", "team")
    missing = remote("workflows", "show", "greet", "--namespace", "team")
    assert created.output == "Created workflow greet in namespace team\n"
    assert [(w["name"], w["namespace"]) for w in listed] == [("greet", "team")]
    assert shown.output == GREETING
    assert json.loads(run.stdout)["output"] == {"text": "Hello, x"}
    assert deleted.output == "Deleted workflow greet\n"
    assert missing.exit_code == 1
    assert "not found" in missing.output


def test_unreachable_service_is_reported(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["--url", "http://127.0.0.1:9", "executions", "list"]
    )
    assert result.exit_code == 1
    assert "cannot reach the Levante service" in result.output


HELD = """\
version: '2.0'
held:
  tasks:
    first:
      action: std.noop
      on-success: second
    second:
      action: std.noop
      pause-before: true
"""


def test_pause_resume_cancel(service: None, tmp_path: Path) -> None:
    path = write(tmp_path, "held.yaml", HELD)
    paused = remote("run", path, "-o", "json", "--timeout", "30")
    assert paused.exit_code == 3, paused.output
    first_id = json.loads(paused.stdout)["id"]
    resumed = remote("executions", "resume", first_id, "-o", "json", "--timeout", "30")
    assert resumed.exit_code == 0, resumed.output
    assert json.loads(resumed.stdout)["state"] == "SUCCESS"

    second_id = json.loads(remote("run", path, "-o", "json", "--timeout", "30").stdout)[
        "id"
    ]
    cancelled = remote("executions", "cancel", second_id, "--message", "not tonight")
    shown = json.loads(remote("executions", "show", second_id, "-o", "json").stdout)
    assert cancelled.output == f"Execution {second_id} cancelled\n"
    assert shown["state"] == "CANCELLED"
    assert shown["state_info"] == "not tonight"

    refused = remote("executions", "pause", second_id)
    assert refused.exit_code == 1
    assert "only a RUNNING execution can be paused" in refused.output
