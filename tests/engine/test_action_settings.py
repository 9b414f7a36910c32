"""Operator action settings: the file, and what actions receive."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from engine.action_settings import SETTINGS_ENV, ActionSettingsError, load_action_settings
from engine.cli import main


def test_settings_read_from_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "actions.yaml"
    path.write_text("std.http:\n  default_timeout: 5\nstd.email:\n  allowed_hosts: [mx]\n")
    monkeypatch.setenv(SETTINGS_ENV, str(path))
    settings = load_action_settings()
    assert settings["std.http"] == {"default_timeout": 5}
    assert settings["std.email"] == {"allowed_hosts": ["mx"]}


def test_settings_empty_without_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SETTINGS_ENV, raising=False)
    assert dict(load_action_settings()) == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("std.http: [1, 2]\n", "the value of 'std.http' must be a mapping"),
        ("- std.http\n", "must map settings keys such as 'std.http'"),
        ("std.http: {a: [\n", "invalid YAML in action settings"),
    ],
    ids=["value-not-mapping", "top-not-mapping", "bad-yaml"],
)
def test_settings_file_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "actions.yaml"
    path.write_text(text)
    with pytest.raises(ActionSettingsError) as raised:
        load_action_settings(path)
    assert message in str(raised.value)


def test_settings_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ActionSettingsError) as raised:
        load_action_settings(tmp_path / "nowhere.yaml")
    assert "cannot read action settings" in str(raised.value)
    assert SETTINGS_ENV in str(raised.value)


def test_actions_receive_settings(
    make_engine: Callable[..., Any], outcome_of: Callable[[str], Any]
) -> None:
    text = """
version: '2.0'
wf:
  tasks:
    probe:
      action: probe.settings key="site"
      publish:
        seen: <% task().result %>
"""
    core = make_engine(action_settings={"site": {"region": "north"}})
    execution_id = core.start(text)
    core.run(execution_id, timeout=10)
    outcome = outcome_of(execution_id)
    assert outcome.execution.state == "SUCCESS", outcome.execution.state_info
    assert outcome.task("probe").published == {"seen": {"region": "north"}}


def test_cli_rejects_bad_settings_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "actions.yaml"
    path.write_text("- not a mapping\n")
    workflow = tmp_path / "wf.yaml"
    workflow.write_text("version: '2.0'\nwf:\n  tasks:\n    t:\n      action: std.noop\n")
    monkeypatch.setenv(SETTINGS_ENV, str(path))
    result = CliRunner().invoke(
        main, ["--db", str(tmp_path / "levante.sqlite"), "run", str(workflow)]
    )
    assert result.exit_code == 2
    assert "must map settings keys" in result.output
