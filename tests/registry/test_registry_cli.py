import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry.cli import actions, clouds, plan
from testing.fakecloud import FakeCloud


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LEVANTE_DB_URL", f"sqlite:///{tmp_path / 'levante.sqlite'}")
    return CliRunner()


@pytest.fixture
def clouds_yaml(
    fake_cloud: FakeCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    path = tmp_path / "clouds.yaml"
    path.write_text(json.dumps({"clouds": {"lab": fake_cloud.cloud_config()}}))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    return path


def test_actions_list_json(runner: CliRunner) -> None:
    result = runner.invoke(actions, ["list", "--service", "image", "-o", "json"])
    assert result.exit_code == 0, result.output
    names = [a["name"] for a in json.loads(result.output)]
    assert "glance.images_list" in names
    assert all(name.startswith("glance.") for name in names)


def test_actions_list_table(runner: CliRunner) -> None:
    result = runner.invoke(actions, ["list", "--prefix", "nova."])
    assert result.exit_code == 0, result.output
    assert "nova.servers_list" in result.output
    assert "2.0.0, 1.0.0" in result.output


def test_actions_show(runner: CliRunner) -> None:
    result = runner.invoke(actions, ["show", "nova.servers_list"])
    assert result.exit_code == 0, result.output
    assert "nova.servers_list 1.0.0 (openstack)" in result.output
    assert "requires compute v2 microversions 2.1 to 2.46" in result.output


def test_actions_show_unknown(runner: CliRunner) -> None:
    result = runner.invoke(actions, ["show", "nova.nothing"])
    assert result.exit_code == 4
    assert "Action 'nova.nothing' not found" in result.output


def test_actions_resolve_services(runner: CliRunner) -> None:
    result = runner.invoke(
        actions, ["resolve", "nova.servers_list", "--service", "compute=2.60"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "nova.servers_list 2.0.0 (openstack)",
        "  compute: API version 2.1, microversion 2.60, endpoint -",
    ]


def test_actions_resolve_failure_exit(runner: CliRunner) -> None:
    result = runner.invoke(
        actions, ["resolve", "nova.servers_list@2", "--service", "compute=2.40"]
    )
    assert result.exit_code == 2
    assert (
        "task pins version 2, whose only release needs compute 2.47 to 2.100"
        in result.output
    )


def test_actions_resolve_needs_target(runner: CliRunner) -> None:
    result = runner.invoke(actions, ["resolve", "nova.servers_list"])
    assert result.exit_code == 2
    assert "give --cloud NAME, or --service TYPE=VERSION" in result.output


def test_actions_resolve_cloud(runner: CliRunner, clouds_yaml: Path) -> None:
    result = runner.invoke(
        actions, ["resolve", "cinder.volumes_list", "--cloud", "lab", "-o", "json"]
    )
    assert result.exit_code == 0, result.output
    assert (
        json.loads(result.output)["services"]["block-storage"]["microversion"] == "3.71"
    )


def test_clouds_discover(
    runner: CliRunner, clouds_yaml: Path, fake_cloud: FakeCloud
) -> None:
    result = runner.invoke(clouds, ["discover", "lab", "-o", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["services"]["compute"][0]["max_microversion"] == "2.100"
    assert fake_cloud.cloud_config()["auth"]["password"] not in result.output


def test_plan(
    runner: CliRunner, clouds_yaml: Path, tmp_path: Path, fake_cloud: FakeCloud
) -> None:
    workflow = tmp_path / "wf.yaml"
    workflow.write_text(
        "version: '2.0'\nwf:\n  tasks:\n    list:\n"
        "      action: nova.servers_list@1 limit=3\n"
    )
    calls_before = len(fake_cloud.calls)
    result = runner.invoke(plan, [str(workflow), "--cloud", "lab"])
    assert result.exit_code == 0, result.output
    endpoint = fake_cloud.endpoint("compute").rstrip("/")
    assert result.output.strip() == (
        f"wf.list: nova.servers_list 1.0.0 calls compute 2.46 at {endpoint} "
        'with {"limit": 3}'
    )
    paths = [call.request.path_url for call in fake_cloud.calls[calls_before:]]
    assert not any("/servers" in path for path in paths)


def test_plan_problem_exit(runner: CliRunner, tmp_path: Path) -> None:
    workflow = tmp_path / "wf.yaml"
    workflow.write_text(
        "version: '2.0'\nwf:\n  tasks:\n    get:\n      action: nova.servers_get\n"
    )
    result = runner.invoke(plan, [str(workflow), "--service", "compute=2.60"])
    assert result.exit_code == 2
    assert (
        "missing required parameters: server_id (also accepted as server)"
        in result.output
    )
    assert "1 of 1 tasks cannot run" in result.output


def test_plan_prints_parser_warnings(runner: CliRunner, tmp_path: Path) -> None:
    workflow = tmp_path / "wf.yaml"
    workflow.write_text(
        "version: '2.0'\nwf:\n  tasks:\n    get:\n"
        "      action: nova.servers_get server=abc\n"
    )
    result = runner.invoke(plan, [str(workflow), "--service", "compute=2.60"])
    assert result.exit_code == 2
    assert "Warning: " in result.stderr
    assert "Inline parameter 'server=abc' is ignored" in result.stderr
    assert "server_id (also accepted as server)" in result.stdout


def test_plan_without_warnings_prints_none(runner: CliRunner, tmp_path: Path) -> None:
    workflow = tmp_path / "wf.yaml"
    workflow.write_text(
        "version: '2.0'\nwf:\n  tasks:\n    get:\n"
        "      action: nova.servers_get server=\"abc\"\n"
    )
    result = runner.invoke(plan, [str(workflow), "--service", "compute=2.60"])
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.stderr


def test_clouds_discover_unknown_cloud_exit(
    runner: CliRunner, clouds_yaml: Path
) -> None:
    result = runner.invoke(clouds, ["discover", "nowhere"])
    assert result.exit_code == 4
    assert "cloud 'nowhere' not found" in result.output
    assert "known clouds: lab" in result.output


def test_clouds_discover_unreachable_exit(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    config = {
        "auth": {
            "auth_url": f"http://127.0.0.1:{closed_port}/v3",
            "username": "ops",
            "password": "secret",
            "project_name": "ops",
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        },
        "region_name": "RegionOne",
    }
    path = tmp_path / "clouds.yaml"
    path.write_text(json.dumps({"clouds": {"down": config}}))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    result = runner.invoke(clouds, ["discover", "down"])
    assert result.exit_code == 6
    assert "secret" not in result.output


def test_actions_resolve_unknown_action_exit(runner: CliRunner) -> None:
    result = runner.invoke(actions, ["resolve", "nova.nothing", "--service", "compute=2.60"])
    assert result.exit_code == 4
    assert "nova.nothing" in result.output
