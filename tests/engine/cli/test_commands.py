"""CLI commands: exit statuses, bad arguments, listing and showing executions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from engine.cli import main

FAILING = """\
version: '2.0'
broken:
  tasks:
    boom:
      action: std.fail
"""

GREETING = """\
version: '2.0'
greet:
  input:
    - name
    - punctuation: "!"
  output:
    text: <% $.text %>
  tasks:
    say:
      action: std.echo output="Hello, <% $.name %><% $.punctuation %>"
      publish:
        text: <% task().result %>
"""


def invoke(tmp_path: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(tmp_path / "cli.sqlite"), *args])


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_run_success_prints_output(tmp_path: Path) -> None:
    result = invoke(tmp_path, "run", write(tmp_path, "g.yaml", GREETING), "-i", "name=ops")
    assert result.exit_code == 0, result.output
    assert "say" in result.output
    assert "SUCCESS" in result.output
    assert "Hello, ops!" in result.output


def test_run_json_is_one_document(tmp_path: Path) -> None:
    path = write(tmp_path, "g.yaml", GREETING)
    result = invoke(tmp_path, "run", path, "--input", '{"name": "a"}', "-o", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert set(document) == {"id", "workflow", "state", "state_info", "input", "output", "tasks"}
    assert document["output"] == {"text": "Hello, a!"}
    assert document["input"] == {"name": "a", "punctuation": "!"}
    assert set(document["tasks"][0]) == {"id", "name", "state", "state_info", "published", "result"}


def test_run_error_exits_one(tmp_path: Path) -> None:
    result = invoke(tmp_path, "run", write(tmp_path, "f.yaml", FAILING), "-o", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["state"] == "ERROR"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "{not json"], "invalid JSON"),
        (["--input", "[1, 2]"], "must hold a mapping"),
        (["-i", "novalue"], "expected key=value"),
        (["--input", "@/nonexistent/in.json"], "cannot read"),
        (["-i", "name=x", "-i", "extra=1"], "unexpected=['extra']"),
        ([], "missing=['name']"),
    ],
)
def test_run_bad_input_exits_two(tmp_path: Path, args: list[str], message: str) -> None:
    result = invoke(tmp_path, "run", write(tmp_path, "g.yaml", GREETING), *args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_run_invalid_definition_names_line(tmp_path: Path) -> None:
    text = GREETING.replace("action: std.echo", "action: std.echo\n      workflow: other")
    result = invoke(tmp_path, "run", write(tmp_path, "bad.yaml", text))
    assert result.exit_code == 2
    assert "bad.yaml" in result.output or "line" in result.output


def test_input_from_yaml_file(tmp_path: Path) -> None:
    input_file = write(tmp_path, "in.yaml", "name: yaml\npunctuation: '?'\n")
    result = invoke(
        tmp_path, "run", write(tmp_path, "g.yaml", GREETING), "--input", f"@{input_file}",
        "-o", "json",
    )
    assert json.loads(result.stdout)["output"] == {"text": "Hello, yaml?"}


def test_validate_reports_valid_and_invalid(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", GREETING)
    bad = write(
        tmp_path, "bad.yaml", "version: '2.0'\nwf:\n  tasks:\n    t:\n      on-success: ghost\n"
    )
    assert invoke(tmp_path, "validate", good).exit_code == 0
    result = invoke(tmp_path, "validate", bad)
    assert result.exit_code == 2
    assert "ghost" in result.output


def test_executions_list_and_show(tmp_path: Path) -> None:
    run = invoke(tmp_path, "run", write(tmp_path, "g.yaml", GREETING), "-i", "name=x", "-o", "json")
    execution_id = json.loads(run.stdout)["id"]
    listed = invoke(tmp_path, "executions", "list", "-o", "json")
    assert [row["id"] for row in json.loads(listed.stdout)] == [execution_id]
    shown = invoke(tmp_path, "executions", "show", execution_id, "-o", "json")
    assert json.loads(shown.stdout)["tasks"][0]["published"] == {"text": "Hello, x!"}
    table = invoke(tmp_path, "executions", "show", execution_id[:8])
    assert "say" in table.output
    missing = invoke(tmp_path, "executions", "show", "no-such-id")
    assert missing.exit_code == 4
    assert "execution no-such-id not found" in missing.output


def test_stored_workflow_runs_by_name(tmp_path: Path) -> None:
    created = invoke(tmp_path, "workflows", "create", write(tmp_path, "g.yaml", GREETING))
    assert created.exit_code == 0, created.output
    again = invoke(tmp_path, "workflows", "create", str(tmp_path / "g.yaml"))
    assert again.exit_code == 5
    assert "already exists" in again.output
    listed = invoke(tmp_path, "workflows", "list", "-o", "json")
    assert [row["name"] for row in json.loads(listed.stdout)] == ["greet"]
    result = invoke(tmp_path, "run", "greet", "-i", "name=stored", "-o", "json")
    assert json.loads(result.stdout)["output"] == {"text": "Hello, stored!"}
    assert invoke(tmp_path, "workflows", "delete", "greet").exit_code == 0
    gone = invoke(tmp_path, "run", "greet")
    assert gone.exit_code == 4
    assert "neither a file nor a stored workflow" in gone.output
    not_stored = invoke(tmp_path, "workflows", "show", "greet")
    assert not_stored.exit_code == 4


def test_plugins_list_shows_std(tmp_path: Path) -> None:
    result = invoke(tmp_path, "plugins", "list", "-o", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    std = [p for p in document["plugins"] if p["name"] == "std"]
    assert std, document
    assert "std.echo" in std[0]["actions"]


WORKBOOK = """\
version: '2.0'
name: maintenance
workflows:
  drain:
    input:
      - host
    output:
      drained: <% $.host %>
    tasks:
      mark:
        action: std.noop
"""

CALLER = """\
version: '2.0'
nightly:
  output:
    result: <% $.result %>
  tasks:
    call_drain:
      workflow: maintenance.drain
      input:
        host: compute-7
      publish:
        result: <% task().result.drained %>
"""


def test_workflow_calls_stored_workbook_by_full_name(tmp_path: Path) -> None:
    created = invoke(tmp_path, "workflows", "create", write(tmp_path, "wb.yaml", WORKBOOK))
    assert created.exit_code == 0, created.output
    assert "maintenance.drain" in created.output
    result = invoke(tmp_path, "run", write(tmp_path, "caller.yaml", CALLER), "-o", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["output"] == {"result": "compute-7"}


def test_stored_workflow_namespace_is_separate(tmp_path: Path) -> None:
    path = write(tmp_path, "wb.yaml", WORKBOOK)
    assert invoke(tmp_path, "workflows", "create", path, "--namespace", "ops").exit_code == 0
    missing = invoke(tmp_path, "run", write(tmp_path, "caller.yaml", CALLER), "-o", "json")
    assert missing.exit_code == 1
    assert "Failed to find workflow" in json.loads(missing.stdout)["state_info"]
    result = invoke(
        tmp_path, "run", str(tmp_path / "caller.yaml"), "--namespace", "ops", "-o", "json"
    )
    assert result.exit_code == 0, result.output


def test_reverse_workflow_takes_task(tmp_path: Path) -> None:
    text = """\
version: '2.0'
build:
  type: reverse
  tasks:
    fetch:
      action: std.echo output="src"
      publish:
        src: <% task().result %>
    compile:
      requires: [fetch]
      action: std.echo output="bin from <% $.src %>"
      publish:
        bin: <% task().result %>
    docs:
      action: std.noop
"""
    path = write(tmp_path, "rev.yaml", text)
    result = invoke(tmp_path, "run", path, "--task", "compile", "-o", "json")
    assert result.exit_code == 0, result.output
    assert "--task applies only" not in result.stderr
    document = json.loads(result.stdout)
    assert [t["name"] for t in document["tasks"]] == ["fetch", "compile"]
    missing = invoke(tmp_path, "run", path)
    assert missing.exit_code == 2
    assert "task_name" in missing.output


def test_old_database_schema_is_explained(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE executions (id VARCHAR(36) PRIMARY KEY)")
    connection.commit()
    connection.close()
    result = CliRunner().invoke(main, ["--db", str(path), "executions", "list"])
    assert result.exit_code == 6
    assert "created by another version of Levante" in result.output
    assert "executions lacks" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-i", "name=.nan"], "numbers must be finite"),
        (["--input", '{"name": NaN}'], "numbers must be finite"),
        (["--timeout", "-5"], "is not in the range"),
    ],
)
def test_run_rejects_non_finite_and_bad_timeout(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = invoke(tmp_path, "run", write(tmp_path, "g.yaml", GREETING), *args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_date_like_input_stays_text(tmp_path: Path) -> None:
    result = invoke(
        tmp_path, "run", write(tmp_path, "g.yaml", GREETING), "-i", "name=2026-01-01", "-o", "json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["output"] == {"text": "Hello, 2026-01-01!"}


def test_non_utf8_file_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"version: '2.0'\n# caf\xe9\n")
    for command in (["run", str(path)], ["validate", str(path)]):
        result = invoke(tmp_path, *command)
        assert result.exit_code == 2, result.output
        assert "is not UTF-8 text" in result.output


def test_errors_name_the_file_and_keep_brackets(tmp_path: Path) -> None:
    broken = write(tmp_path, "broken.yaml", "version: '2.0'\nwf:\n  tasks:\n   t: [\n")
    result = invoke(tmp_path, "run", broken)
    assert result.exit_code == 2
    assert "broken.yaml:" in result.output
    assert "<string>" not in result.output
    unknown = write(
        tmp_path,
        "unknown.yaml",
        "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: std.nosuch\n",
    )
    result = invoke(tmp_path, "run", unknown)
    assert "[action_name=std.nosuch]" in result.output


def test_definition_with_date_is_rejected(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "dated.yaml",
        "version: '2.0'\nwf:\n  input:\n    - d: 2026-01-01\n"
        "  tasks:\n    t:\n      action: std.noop\n",
    )
    result = invoke(tmp_path, "validate", path)
    assert result.exit_code == 2
    assert "dated.yaml:4" in result.output
    assert "quote it" in result.output


NOOP = """\
version: '2.0'
noop:
  tasks:
    only:
      action: std.noop
"""


def run_noops(db: str, tmp_path: Path, count: int) -> list[str]:
    path = write(tmp_path, "noop.yaml", NOOP)
    ids = []
    for _ in range(count):
        result = CliRunner().invoke(main, ["--db", db, "run", path, "-o", "json"])
        assert result.exit_code == 0, result.output
        ids.append(json.loads(result.stdout)["id"])
    return ids


def test_execution_prefix_finds_one(
    db_url: str, tmp_path: Path, fixed_ids: Any
) -> None:
    run_noops(db_url, tmp_path, 3)
    shown = CliRunner().invoke(
        main, ["--db", db_url, "executions", "show", "fa11", "-o", "json"]
    )
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["id"] == fixed_ids.ids[2]


def test_ambiguous_prefix_lists_matches(
    db_url: str, tmp_path: Path, fixed_ids: Any
) -> None:
    run_noops(db_url, tmp_path, 3)
    result = CliRunner().invoke(main, ["--db", db_url, "executions", "show", "feed"])
    assert result.exit_code == 2
    assert (
        f"execution id prefix 'feed' is ambiguous: it matches {fixed_ids.ids[1]}, "
        f"{fixed_ids.ids[0]}; give more characters of the id"
    ) in result.output


@pytest.mark.parametrize("prefix", ["%", "_", "fe_d", "f%3"])
def test_prefix_wildcards_match_literally(
    db_url: str, tmp_path: Path, fixed_ids: Any, prefix: str
) -> None:
    run_noops(db_url, tmp_path, 3)
    result = CliRunner().invoke(main, ["--db", db_url, "executions", "show", prefix])
    assert result.exit_code == 4, result.output
    assert f"execution {prefix} not found" in result.output


def test_control_commands_take_prefix(tmp_path: Path, fixed_ids: Any) -> None:
    db = str(tmp_path / "cli.sqlite")
    run_noops(db, tmp_path, 3)
    refused = CliRunner().invoke(main, ["--db", db, "executions", "pause", "fa11"])
    assert refused.exit_code == 5
    assert f"Execution {fixed_ids.ids[2]} is SUCCESS" in refused.output
    missing = CliRunner().invoke(main, ["--db", db, "executions", "cancel", "0000"])
    assert missing.exit_code == 4
    assert "execution 0000 not found" in missing.output


@pytest.mark.parametrize("state", ["BOGUS", "done", ""])
def test_list_rejects_unknown_state(tmp_path: Path, state: str) -> None:
    result = invoke(tmp_path, "executions", "list", "--state", state)
    assert result.exit_code == 2
    assert f"unknown state {state!r}" in result.output
    assert (
        "allowed states: IDLE, WAITING, RUNNING, RUNNING_DELAYED, PAUSED, SUCCESS, "
        "ERROR, CANCELLED"
    ) in result.output


def test_list_state_ignores_case(tmp_path: Path) -> None:
    invoke(tmp_path, "run", write(tmp_path, "f.yaml", FAILING))
    invoke(tmp_path, "run", write(tmp_path, "g.yaml", GREETING), "-i", "name=x")
    listed = invoke(tmp_path, "executions", "list", "--state", "error", "-o", "json")
    errors = json.loads(listed.stdout)
    assert [row["state"] for row in errors] == ["ERROR"]
    assert [row["workflow"] for row in errors] == ["broken"]


LONG_NAME = """\
version: '2.0'
maintenance_window_drain_compute_nodes_and_migrate_instances:
  tasks:
    only:
      action: std.noop
"""


@pytest.mark.parametrize("columns", [30, 50, 80, 120, 200])
def test_list_never_truncates_ids(tmp_path: Path, columns: int) -> None:
    db = str(tmp_path / "cli.sqlite")
    ids = [
        json.loads(
            CliRunner().invoke(
                main, ["--db", db, "run", write(tmp_path, name, text), "-o", "json"]
            ).stdout
        )["id"]
        for name, text in (("long.yaml", LONG_NAME), ("f.yaml", FAILING))
    ]
    runner = CliRunner(env={"COLUMNS": str(columns)})
    table = runner.invoke(main, ["--db", db, "executions", "list"])
    listed = runner.invoke(main, ["--db", db, "executions", "list", "-o", "json"])
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    for execution_id in ids:
        assert any(execution_id in line for line in lines), table.output
    if columns >= 50:
        assert max(len(line.rstrip()) for line in lines) <= columns
    assert "…" not in table.output
    assert [row["id"] for row in json.loads(listed.stdout)] == list(reversed(ids))
    folded = "".join(line.strip() for line in lines)
    assert "ERROR" in folded
    assert "broken" in folded


def test_validate_json_reports_each_file(tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", GREETING)
    workbook = write(tmp_path, "wb.yaml", WORKBOOK)
    bad = write(
        tmp_path,
        "bad.yaml",
        "version: '2.0'\nwf:\n  tasks:\n    t:\n      on-success: ghost\n",
    )
    missing = str(tmp_path / "missing.yaml")
    result = invoke(tmp_path, "validate", good, workbook, bad, missing, "-o", "json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["valid"] is False
    files = {entry["file"]: entry for entry in document["files"]}
    assert list(files) == [good, workbook, bad, missing]
    assert files[good] == {
        "file": good, "valid": True, "workflows": ["greet"], "errors": [], "warnings": []
    }
    assert files[workbook]["workflows"] == ["maintenance.drain"]
    assert files[bad]["valid"] is False
    assert files[bad]["workflows"] == []
    assert files[bad]["errors"] == [
        {
            "line": 5,
            "field": "on-success",
            "workflow": "wf",
            "action": None,
            "task": "t",
            "message": "Task 'ghost' not found. Known tasks: t.",
        }
    ]
    assert files[missing]["errors"][0]["line"] is None
    assert "cannot read" in files[missing]["errors"][0]["message"]


def test_validate_json_valid_exits_zero(tmp_path: Path) -> None:
    path = write(tmp_path, "g.yaml", GREETING)
    result = invoke(tmp_path, "validate", path, "-o", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["valid"] is True
    assert result.stderr == ""


def test_task_on_direct_workflow_warns(tmp_path: Path) -> None:
    path = write(tmp_path, "g.yaml", GREETING)
    result = invoke(
        tmp_path, "run", path, "-i", "name=x", "--task", "say", "-o", "json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["output"] == {"text": "Hello, x!"}
    assert (
        "Warning: --task applies only to reverse workflows; greet is a direct "
        "workflow, so it runs from its start tasks and ignores --task say"
    ) in result.stderr


def test_task_on_stored_direct_workflow_warns(tmp_path: Path) -> None:
    invoke(tmp_path, "workflows", "create", write(tmp_path, "g.yaml", GREETING))
    result = invoke(tmp_path, "run", "greet", "-i", "name=x", "--task", "say")
    assert result.exit_code == 0, result.output
    assert "--task applies only to reverse workflows" in result.stderr


def test_unreachable_database_exits_six(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["--db", "postgresql+psycopg://levante@127.0.0.1:9/none", "executions", "list"],
    )
    assert result.exit_code == 6
    assert "cannot connect to the database" in result.output
    assert "check --db (or LEVANTE_DB_URL)" in result.output


def test_local_timeout_exits_seven(tmp_path: Path) -> None:
    # A subprocess, because the command ends its process with os._exit.
    path = write(
        tmp_path,
        "slow.yaml",
        "version: '2.0'\nslow:\n  tasks:\n    t:\n"
        "      action: std.echo output=\"done\" delay=5\n",
    )
    command = [
        sys.executable, "-m", "engine.cli", "--db", str(tmp_path / "cli.sqlite"),
        "run", path, "--timeout", "0.5",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 7, completed.stderr
    assert "did not finish within 0.5 s" in completed.stderr


BARE_WORD = "version: '2.0'\nwf:\n  tasks:\n    say:\n      action: std.echo output=hello\n"


def test_validate_warns_about_dropped_inline_value(tmp_path: Path) -> None:
    path = write(tmp_path, "bare.yaml", BARE_WORD)
    result = invoke(tmp_path, "validate", path)
    assert result.exit_code == 0
    assert "valid (wf)" in result.stdout
    assert "Warning:" in result.stderr
    assert "Inline parameter 'output=hello' is ignored" in result.stderr


def test_validate_json_lists_warnings(tmp_path: Path) -> None:
    path = write(tmp_path, "bare.yaml", BARE_WORD)
    result = invoke(tmp_path, "validate", path, "-o", "json")
    [entry] = json.loads(result.stdout)["files"]
    [warning] = entry["warnings"]
    assert entry["valid"] is True
    assert warning["line"] == 5
    assert warning["task"] == "say"


def test_run_warns_about_dropped_inline_value(tmp_path: Path) -> None:
    path = write(tmp_path, "bare.yaml", BARE_WORD)
    result = invoke(tmp_path, "run", path)
    # std.echo then misses its required output, as on Mistral 23.
    assert result.exit_code == 1
    assert "Inline parameter 'output=hello' is ignored" in result.stderr
