"""The CLI against a service (``--url``): same commands, same output."""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from starlette.exceptions import StarletteDeprecationWarning

import engine.cli.remote
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
    assert missing.exit_code == 4
    assert "not found" in missing.output


def test_unreachable_service_is_reported(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["--url", "http://127.0.0.1:9", "executions", "list"]
    )
    assert result.exit_code == 6
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
    assert refused.exit_code == 5
    assert "only a RUNNING execution can be paused" in refused.output


NOOP = """\
version: '2.0'
noop:
  tasks:
    only:
      action: std.noop
"""


def run_noops(invoke: Callable[..., Result], path: str, count: int) -> None:
    for _ in range(count):
        result = invoke("run", path, "-o", "json", "--timeout", "30")
        assert result.exit_code == 0, result.output


def test_prefix_lookup_matches_local(
    service: None, tmp_path: Path, fixed_ids: Any
) -> None:
    path = write(tmp_path, "noop.yaml", NOOP)
    run_noops(remote, path, 3)
    fixed_ids.restart()
    run_noops(partial(local, tmp_path), path, 3)
    for invoke in (remote, partial(local, tmp_path)):
        shown = invoke("executions", "show", "fa11", "-o", "json")
        assert shown.exit_code == 0, shown.output
        assert json.loads(shown.stdout)["id"] == fixed_ids.ids[2]
        report = invoke("executions", "report", "fa11", "-o", "json")
        assert report.exit_code == 0, report.output
    for prefix, status in (("feed", 2), ("0000", 4), ("%", 4), ("", 2), ("..", 4)):
        remote_result = remote("executions", "show", prefix)
        local_result = local(tmp_path, "executions", "show", prefix)
        assert remote_result.exit_code == status, remote_result.output
        assert local_result.exit_code == status, local_result.output
        assert remote_result.output == local_result.output
    ambiguous = remote("executions", "show", "feed")
    assert "'feed' is ambiguous: it matches " in ambiguous.output


def test_control_commands_take_prefix(
    service: None, tmp_path: Path, fixed_ids: Any
) -> None:
    path = write(tmp_path, "held.yaml", HELD)
    paused = remote("run", path, "-o", "json", "--timeout", "30")
    assert paused.exit_code == 3, paused.output
    resumed = remote("executions", "resume", "feed", "--no-wait")
    assert resumed.exit_code == 0, resumed.output
    assert resumed.output == f"Execution {fixed_ids.ids[0]} resumed\n"
    remote("run", path, "-o", "json", "--timeout", "30")
    cancelled = remote("executions", "cancel", "feed0000-0000-4000-8000-0000000000")
    assert cancelled.exit_code == 2, cancelled.output
    cancelled = remote("executions", "cancel", "feed0000-0000-4000-8000-000000000002")
    assert cancelled.output == f"Execution {fixed_ids.ids[1]} cancelled\n"
    refused = remote("executions", "pause", "feed0000-0000-4000-8000-000000000002")
    assert refused.exit_code == 5
    missing = remote("executions", "rerun", "0000", "--task", "second")
    assert missing.exit_code == 4
    assert "execution 0000 not found" in missing.output


def test_unknown_state_rejected_before_request() -> None:
    # Port 9 has no service: a request would fail with status 6.
    result = CliRunner().invoke(
        main, ["--url", "http://127.0.0.1:9", "executions", "list", "--state", "BOGUS"]
    )
    assert result.exit_code == 2
    assert "unknown state 'BOGUS'; allowed states: IDLE, WAITING" in result.output


NESTED_RECOVERY = """\
version: '2.0'
outer:
  tasks:
    call:
      workflow: inner
      on-error: after
    after:
      action: std.noop
inner:
  tasks:
    prepare:
      action: std.noop
      on-success: explode
    explode:
      action: std.fail
      input:
        error_data: {reason: disk full}
"""


def progress_lines(output: str) -> list[str]:
    """Return the progress lines printed before the execution summary."""
    lines = output.splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("Execution "))
    return lines[:end]


def test_progress_shows_nested_tasks(service: None, tmp_path: Path) -> None:
    path = write(tmp_path, "nested.yaml", NESTED_RECOVERY)
    remote_result = remote("run", path, "-w", "outer", "--timeout", "30")
    local_result = local(tmp_path, "run", path, "-w", "outer")
    assert remote_result.exit_code == 0, remote_result.output
    assert progress_lines(remote_result.output) == [
        "  > call",
        "  > prepare",
        "  ok prepare SUCCESS",
        "  > explode",
        "  !! explode ERROR: {'reason': 'disk full'}",
        "  !! call ERROR: Failure caused by error in tasks: explode",
        "  > after",
        "  ok after SUCCESS",
    ]
    assert progress_lines(remote_result.output) == progress_lines(local_result.output)


def test_resume_shows_only_new_tasks(service: None, tmp_path: Path) -> None:
    path = write(tmp_path, "held.yaml", HELD)
    remote_run = remote("run", path, "-o", "json", "--timeout", "30")
    remote_id = json.loads(remote_run.stdout)["id"]
    local_id = json.loads(local(tmp_path, "run", path, "-o", "json").stdout)["id"]
    remote_result = remote("executions", "resume", remote_id, "--timeout", "30")
    local_result = local(tmp_path, "executions", "resume", local_id)
    assert remote_result.exit_code == 0, remote_result.output
    assert progress_lines(remote_result.output) == ["  > second", "  ok second SUCCESS"]
    assert progress_lines(remote_result.output) == progress_lines(local_result.output)


REVERSE = """\
version: '2.0'
build:
  type: reverse
  tasks:
    fetch:
      action: std.noop
    compile:
      requires: [fetch]
      action: std.noop
"""


def test_task_option_warning_matches_local(service: None, tmp_path: Path) -> None:
    greeting = write(tmp_path, "greet.yaml", GREETING)
    reverse = write(tmp_path, "build.yaml", REVERSE)
    warning = (
        "Warning: --task applies only to reverse workflows; greet is a direct "
        "workflow, so it runs from its start tasks and ignores --task say"
    )
    args = ("-i", "name=x", "--task", "say", "-o", "json", "--timeout", "30")
    from_file = remote("run", greeting, *args)
    assert from_file.exit_code == 0, from_file.output
    assert warning in from_file.stderr
    assert json.loads(from_file.stdout)["output"] == {"text": "Hello, x"}
    assert warning in local(tmp_path, "run", greeting, *args[:-2]).stderr

    remote("workflows", "create", greeting, "--namespace", "team")
    stored = remote("run", "greet", "--namespace", "team", *args)
    assert stored.exit_code == 0, stored.output
    assert warning in stored.stderr

    target = remote(
        "run", reverse, "--task", "compile", "-o", "json", "--timeout", "30"
    )
    assert target.exit_code == 0, target.output
    assert "--task applies only" not in target.stderr


def test_missing_stored_workflow_matches_local(service: None, tmp_path: Path) -> None:
    remote_result = remote("run", "ghost", "--namespace", "team")
    local_result = local(tmp_path, "run", "ghost", "--namespace", "team")
    assert remote_result.exit_code == 4
    assert local_result.exit_code == 4
    assert remote_result.output == local_result.output


SLOW = """\
version: '2.0'
slow:
  tasks:
    wait:
      action: std.echo output="done" delay=3
"""


def test_timeout_exits_seven(service: None, tmp_path: Path) -> None:
    result = remote("run", write(tmp_path, "slow.yaml", SLOW), "--timeout", "0.3")
    assert result.exit_code == 7, result.output
    assert "did not finish within 0.3 s" in result.output


def test_list_keeps_ids_in_narrow_terminal(service: None, tmp_path: Path) -> None:
    path = write(tmp_path, "noop.yaml", NOOP)
    run_noops(remote, path, 2)
    listed = json.loads(remote("executions", "list", "-o", "json").stdout)
    table = CliRunner(env={"COLUMNS": "60"}).invoke(
        main, ["--url", URL, "--token", "secret-token", "executions", "list"]
    )
    assert table.exit_code == 0, table.output
    for row in listed:
        assert any(row["id"] in line for line in table.output.splitlines())


def test_rerun_shows_rerun_task(service: None, tmp_path: Path) -> None:
    path = write(tmp_path, "nested.yaml", NESTED_FAILURE)
    remote_run = remote("run", path, "-w", "outer", "-o", "json", "--timeout", "30")
    local_run = local(tmp_path, "run", path, "-w", "outer", "-o", "json")
    remote_id = json.loads(remote_run.stdout)["id"]
    local_id = json.loads(local_run.stdout)["id"]
    remote_result = remote(
        "executions", "rerun", remote_id, "--task", "call", "--timeout", "30"
    )
    local_result = local(tmp_path, "executions", "rerun", local_id, "--task", "call")
    assert remote_result.exit_code == 1, remote_result.output
    assert progress_lines(remote_result.output) == [
        "  > call",
        "  > explode",
        "  !! explode ERROR: {'reason': 'disk full'}",
        "  !! call ERROR: Failure caused by error in tasks: explode",
    ]
    assert progress_lines(remote_result.output) == progress_lines(local_result.output)


def test_stored_workflow_falls_back_like_local(service: None, tmp_path: Path) -> None:
    path = write(tmp_path, "greet.yaml", GREETING)
    remote("workflows", "create", path)
    local(tmp_path, "workflows", "create", path)
    args = ("run", "greet", "--namespace", "team", "-i", "name=x", "-o", "json")
    remote_result = remote(*args, "--timeout", "30")
    local_result = local(tmp_path, *args)
    assert remote_result.exit_code == 0, remote_result.output
    assert local_result.exit_code == 0, local_result.output
    assert without_ids(json.loads(remote_result.stdout)) == without_ids(
        json.loads(local_result.stdout)
    )


def both(tmp_path: Path, *args: str) -> tuple[Result, Result]:
    """Run one command against the service and against a local database."""
    return remote(*args), local(tmp_path, *args)


def test_id_with_slash_not_found_in_both_modes(service: None, tmp_path: Path) -> None:
    path = write(tmp_path, "noop.yaml", NOOP)
    remote_id = json.loads(remote("run", path, "-o", "json", "--timeout", "30").stdout)["id"]
    local(tmp_path, "run", path)
    for command, argument in (
        ("show", f"{remote_id}/tasks"),
        ("report", f"{remote_id}/report"),
        ("cancel", f"{remote_id}/rerun"),
        ("pause", "../executions"),
        ("resume", f"{remote_id}?x=1"),
    ):
        remote_result, local_result = both(tmp_path, "executions", command, argument)
        assert remote_result.exit_code == 4, remote_result.output
        assert local_result.exit_code == 4, local_result.output
        assert remote_result.output == local_result.output
        assert "execution ids contain only hex digits and '-'" in remote_result.output


def test_upper_case_id_found_in_both_modes(
    service: None, tmp_path: Path, fixed_ids: Any
) -> None:
    path = write(tmp_path, "noop.yaml", NOOP)
    run_noops(remote, path, 1)
    fixed_ids.restart()
    run_noops(partial(local, tmp_path), path, 1)
    for argument in ("FEED", fixed_ids.ids[0].upper()):
        remote_result, local_result = both(
            tmp_path, "executions", "show", argument, "-o", "json"
        )
        assert remote_result.exit_code == 0, remote_result.output
        assert local_result.exit_code == 0, local_result.output
        assert json.loads(remote_result.stdout)["id"] == fixed_ids.ids[0]
        assert without_ids(json.loads(remote_result.stdout)) == without_ids(
            json.loads(local_result.stdout)
        )


def test_show_json_matches_local(service: None, tmp_path: Path) -> None:
    path = write(tmp_path, "greet.yaml", GREETING)
    args = ("-i", "name=ops", "-o", "json")
    remote_id = json.loads(remote("run", path, *args, "--timeout", "30").stdout)["id"]
    local_id = json.loads(local(tmp_path, "run", path, *args).stdout)["id"]
    remote_shown = json.loads(remote("executions", "show", remote_id, "-o", "json").stdout)
    local_shown = json.loads(
        local(tmp_path, "executions", "show", local_id, "-o", "json").stdout
    )
    assert {"cloud", "resolutions", "leases"} <= set(remote_shown)
    assert without_ids(remote_shown) == without_ids(local_shown)


def test_service_lists_running_action_leases(service: None, tmp_path: Path) -> None:
    path = write(tmp_path, "slow.yaml", SLOW)
    timed_out = remote("run", path, "--timeout", "0.5")
    assert timed_out.exit_code == 7, timed_out.output
    listed = json.loads(remote("executions", "list", "-o", "json").stdout)
    shown = json.loads(remote("executions", "show", listed[0]["id"], "-o", "json").stdout)
    assert [lease["task"] for lease in shown["leases"]] == ["wait"]
    assert shown["leases"][0]["action"] == "std.echo"
    assert shown["leases"][0]["held_by"]
    assert not shown["leases"][0]["until"].endswith(("Z", "+00:00"))


BAD_YAML = """\
version: '2.0'
greet:
  tasks:
    say:
      action: std.noop
    - broken
"""


def test_error_messages_match_local(service: None, tmp_path: Path) -> None:
    greeting = write(tmp_path, "greet.yaml", GREETING)
    bad = write(tmp_path, "badyaml.yaml", BAD_YAML)
    cases = [
        (("run", greeting, "-i", "nme=x"), 2),
        (("run", greeting, "-i", "name=x", "-w", "nope"), 2),
        (("run", bad), 2),
        (("workflows", "create", bad), 2),
        (("workflows", "show", "nope"), 4),
        (("workflows", "delete", "nope"), 4),
    ]
    for args, status in cases:
        remote_result, local_result = both(tmp_path, *args)
        assert remote_result.exit_code == status, (args, remote_result.output)
        assert local_result.exit_code == status, (args, local_result.output)
        assert remote_result.output == local_result.output, args


def test_conflict_message_matches_local(service: None, tmp_path: Path) -> None:
    greeting = write(tmp_path, "greet.yaml", GREETING)
    args = ("run", greeting, "-i", "name=x", "-o", "json")
    remote_id = json.loads(remote(*args, "--timeout", "30").stdout)["id"]
    local_id = json.loads(local(tmp_path, *args).stdout)["id"]
    remote_result = remote("executions", "cancel", remote_id)
    local_result = local(tmp_path, "executions", "cancel", local_id)
    assert remote_result.exit_code == 5, remote_result.output
    assert local_result.exit_code == 5, local_result.output
    assert remote_result.output.replace(remote_id, "ID") == local_result.output.replace(
        local_id, "ID"
    )
    assert "state:" not in remote_result.output
    created = both(tmp_path, "workflows", "create", greeting)
    assert [result.exit_code for result in created] == [0, 0]
    remote_result, local_result = both(tmp_path, "workflows", "create", greeting)
    assert remote_result.exit_code == 5, remote_result.output
    assert remote_result.output == local_result.output


def test_cloud_errors_exit_like_plan(
    service: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing listens on port 9, so discovering the "down" cloud fails.
    clouds = {
        "clouds": {
            "down": {
                "auth": {
                    "auth_url": "http://127.0.0.1:9/v3",
                    "username": "ops",
                    "password": "unused",
                    "project_name": "ops",
                    "user_domain_name": "Default",
                    "project_domain_name": "Default",
                },
                "region_name": "RegionOne",
            }
        }
    }
    # Only this file configures clouds: no OS_* variable, no clouds.yaml of HOME.
    for name in list(os.environ):
        if name.startswith("OS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    clouds_file = tmp_path / "clouds.yaml"
    clouds_file.write_text(json.dumps(clouds))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds_file))
    path = write(tmp_path, "noop.yaml", NOOP)
    for cloud, status in (("nope", 4), ("down", 6)):
        remote_result, local_result = both(
            tmp_path, "run", path, "--cloud", cloud, "--timeout", "30"
        )
        assert remote_result.exit_code == status, remote_result.output
        assert local_result.exit_code == status, local_result.output
        assert remote_result.output == local_result.output
        assert f"Cannot use cloud {cloud!r}" in remote_result.output


def flaky_client(
    monkeypatch: pytest.MonkeyPatch, failures: int, retry_after: str = "0"
) -> list[str]:
    """Make the next ``failures`` reads of one execution return 503.

    Returns the paths that got a 503, in order.
    """
    failed: list[str] = []
    open_client = engine.cli.settings.open_client

    def open_flaky(url: str, token: str | None) -> Any:
        client = open_client(url, token)
        send = client.request

        def request(method: str, path: str, **kwargs: Any) -> httpx.Response:
            parts = path.strip("/").split("/")
            if method == "GET" and len(parts) == 3 and len(failed) < failures:
                failed.append(path)
                body = {
                    "code": "database_unavailable",
                    "field": None,
                    "message": "The database is unreachable; retry the request "
                    "in 5 seconds",
                }
                return httpx.Response(
                    503,
                    json=body,
                    headers={"Retry-After": retry_after},
                    request=httpx.Request(method, URL + path),
                )
            return send(method, path, **kwargs)

        client.request = request
        return client

    monkeypatch.setattr(engine.cli.settings, "open_client", open_flaky)
    return failed


def test_run_follows_through_503(
    service: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failed = flaky_client(monkeypatch, failures=3)
    path = write(tmp_path, "greet.yaml", GREETING)
    result = remote("run", path, "-i", "name=ops", "--timeout", "30")
    assert len(failed) == 3
    assert result.exit_code == 0, result.output
    assert "ok say SUCCESS" in result.output


def test_run_gives_up_after_long_outage(
    service: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine.cli.remote, "OUTAGE_PATIENCE", 0.3)
    flaky_client(monkeypatch, failures=1000, retry_after="0.05")
    path = write(tmp_path, "greet.yaml", GREETING)
    result = remote("run", path, "-i", "name=ops", "-o", "json")
    listed = json.loads(remote("executions", "list", "-o", "json").stdout)
    assert result.exit_code == 6, result.output
    assert f"stopped following execution {listed[0]['id']}" in result.output
    assert "answered 503" in result.output


def test_outage_ends_at_timeout(
    service: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flaky_client(monkeypatch, failures=1000, retry_after="0.05")
    path = write(tmp_path, "greet.yaml", GREETING)
    result = remote("run", path, "-i", "name=ops", "--timeout", "0.3")
    assert result.exit_code == 7, result.output
    assert "did not finish within 0.3 s" in result.output


def test_timeout_json_prints_running_document(service: None, tmp_path: Path) -> None:
    result = remote(
        "run", write(tmp_path, "slow.yaml", SLOW), "--timeout", "0.3", "-o", "json"
    )
    assert result.exit_code == 7, result.output
    document = json.loads(result.stdout)
    assert document["state"] == "RUNNING"
    assert document["workflow"] == "slow"
    assert "did not finish within 0.3 s" in result.stderr


def test_run_json_masks_secret_input_like_local(service: None, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "secrets.yaml",
        "version: '2.0'\nsecrets:\n  input:\n    - api_key\n    - db_password\n"
        "  tasks:\n    t:\n      action: std.noop\n",
    )
    args = ("run", path, "-i", "api_key=abc", "-i", "db_password=pw", "-o", "json")
    remote_result, local_result = both(tmp_path, *args)
    assert remote_result.exit_code == 0, remote_result.output
    assert json.loads(local_result.stdout)["input"] == {
        "api_key": "***",
        "db_password": "***",
    }
    assert without_ids(json.loads(remote_result.stdout)) == without_ids(
        json.loads(local_result.stdout)
    )


def test_rerun_unknown_task_lists_tasks(service: None, tmp_path: Path) -> None:
    path = write(tmp_path, "nested.yaml", NESTED_FAILURE)
    args = ("run", path, "-w", "outer", "-o", "json")
    remote_id = json.loads(remote(*args, "--timeout", "30").stdout)["id"]
    local_id = json.loads(local(tmp_path, *args).stdout)["id"]
    remote_result = remote("executions", "rerun", remote_id, "--task", "nosuch")
    local_result = local(tmp_path, "executions", "rerun", local_id, "--task", "nosuch")
    assert remote_result.exit_code == 2, remote_result.output
    assert local_result.exit_code == 2, local_result.output
    assert remote_result.output == local_result.output
    assert "Workflow outer has no task 'nosuch'; its tasks: call" in remote_result.output


def test_outage_at_timeout_still_exits_seven(
    service: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flaky_client(monkeypatch, failures=1000, retry_after="0.05")
    path = write(tmp_path, "greet.yaml", GREETING)
    result = remote("run", path, "-i", "name=ops", "--timeout", "0.3", "-o", "json")
    assert result.exit_code == 7, result.output
    assert result.stdout == ""
    assert "did not finish within 0.3 s" in result.stderr
