"""levante run --cloud with clouds.yaml, and what executions show records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from engine.cli import main
from testing.fakecloud import FakeCloud

WORKFLOW = """
version: '2.0'
inventory:
  output:
    names: <% $.names %>
  tasks:
    servers:
      action: nova.servers_list
      publish:
        names: <% task().result.select($.name) %>
"""


@pytest.fixture
def clouds_yaml(tmp_path: Path, fake_cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"lab": fake_cloud.cloud_config()}}))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    return path


@pytest.mark.releases("zed")
def test_run_on_named_cloud_records_resolution(
    tmp_path: Path, fake_cloud: FakeCloud, clouds_yaml: Path
) -> None:
    fake_cloud.add("GET", "compute", "/servers/detail",
                   json={"servers": [{"id": "s1", "name": "web", "flavor": {"id": "f"}}]})
    definition = tmp_path / "inventory.yaml"
    definition.write_text(WORKFLOW)
    db = ["--db", str(tmp_path / "cli.sqlite")]
    result = CliRunner().invoke(main, [*db, "run", str(definition), "--cloud", "lab", "-o", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["output"] == {"names": ["web"]}
    shown = CliRunner().invoke(main, [*db, "executions", "show", document["id"], "-o", "json"])
    details = json.loads(shown.stdout)
    assert details["cloud"] == "lab"
    record = details["resolutions"]["servers"]
    assert record["action"] == "nova.servers_list"
    assert record["services"]["compute"]["microversion"]
    table = CliRunner().invoke(main, [*db, "executions", "show", document["id"]])
    assert "Resolved actions" in table.output
    assert "nova.servers_list" in table.output


@pytest.mark.releases("zed")
def test_run_refuses_unfit_pin_before_start(
    tmp_path: Path, clouds_yaml: Path
) -> None:
    definition = tmp_path / "pinned.yaml"
    definition.write_text(WORKFLOW.replace("nova.servers_list", "nova.servers_list@>=7"))
    result = CliRunner().invoke(
        main, ["--db", str(tmp_path / "cli.sqlite"), "run", str(definition), "--cloud", "lab"]
    )
    assert result.exit_code == 2
    assert "cannot run on cloud 'lab'" in result.output
    assert "task 'servers'" in result.output
