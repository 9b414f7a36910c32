"""``levante actions matrix``: output formats and exit status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import testing.matrix
from registry.cli import actions
from testing.plugin_tests import PluginTestError, TestRecord


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LEVANTE_DB_URL", f"sqlite:///{tmp_path / 'levante.sqlite'}")
    # Without a source tree no plugin tests run, so only requirements count.
    monkeypatch.setattr(testing.matrix, "find_test_root", lambda distribution: None)
    return CliRunner()


def with_test_outcome(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, outcome: Any
) -> None:
    """Make every plugin's tests run and end with ``outcome``."""

    def run(root: Path, files: list[Path], plan: dict[str, list[str]]) -> Any:
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(testing.matrix, "find_test_root", lambda distribution: tmp_path)
    monkeypatch.setattr(testing.matrix, "find_test_files", lambda root: [root / "t.py"])
    monkeypatch.setattr(testing.matrix, "run_plugin_tests", run)


def test_matrix_json(runner: CliRunner) -> None:
    result = runner.invoke(
        actions, ["matrix", "--plugin", "std", "--release", "queens", "-o", "json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["releases"] == ["queens"]
    echo = [cell for cell in document["cells"] if cell["action"] == "std.echo"]
    assert len(echo) == 1
    assert echo[0]["status"] == "supported"
    assert echo[0]["default"] is True


def test_matrix_markdown(runner: CliRunner) -> None:
    result = runner.invoke(
        actions,
        [
            "matrix",
            "--plugin",
            "openstack",
            "--release",
            "queens",
            "--release",
            "zed",
            "-o",
            "markdown",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "| action | version | queens | zed |"
    assert "| `nova.servers_list` | 2.0.0 | supported (default) |" in result.stdout


def test_matrix_table(runner: CliRunner) -> None:
    result = runner.invoke(actions, ["matrix", "--plugin", "std", "--release", "zed"])
    assert result.exit_code == 0, result.output
    assert "std.echo" in result.stdout
    assert "supported *" in result.stdout
    assert "* the version that a task without a pin runs" in result.stdout


def test_failed_test_exit_status(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    record = TestRecord("tests/t.py::test_echo", "zed", ("std.echo==1.0.0",), "failed")
    with_test_outcome(monkeypatch, tmp_path, [record])
    result = runner.invoke(
        actions, ["matrix", "--plugin", "std", "--release", "zed", "-o", "json"]
    )
    assert result.exit_code == 1
    cells = json.loads(result.stdout)["cells"]
    echo = next(cell for cell in cells if cell["action"] == "std.echo")
    assert echo["status"] == "failed"
    assert echo["failures"] == ["tests/t.py::test_echo"]


def test_progress_on_stderr(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with_test_outcome(monkeypatch, tmp_path, [])
    result = runner.invoke(
        actions, ["matrix", "--plugin", "std", "--release", "zed", "-o", "json"]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == f"running the tests in {tmp_path / 'tests'} on zed\n"
    json.loads(result.stdout)


def test_tests_that_cannot_run(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with_test_outcome(monkeypatch, tmp_path, PluginTestError("collection failed"))
    result = runner.invoke(actions, ["matrix", "--plugin", "std", "--release", "zed"])
    assert result.exit_code == 1
    assert "Error: collection failed" in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--plugin", "nothing"], "no loaded plugin is named 'nothing'"),
        (["--release", "kilo"], "release kilo has no fake cloud facts"),
    ],
)
def test_invalid_arguments(
    runner: CliRunner, arguments: list[str], message: str
) -> None:
    result = runner.invoke(actions, ["matrix", *arguments])
    assert result.exit_code == 2
    assert message in result.output
