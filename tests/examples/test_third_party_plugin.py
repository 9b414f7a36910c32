"""The example plugin levante-fleet, installed like any third-party plugin.

CI installs it with ``pip install -e examples/plugins/levante-fleet``. These
tests check that Levante lists its actions, that a workflow using them runs
on fake clouds of two releases, that the plugin's own tests pass, and that
the support matrix runs them per release.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from engine.cli import main
from engine.core import EngineCore
from engine.db.models import Execution
from engine.db.setup import Database
from registry.cloud import CloudDirectory
from registry.discovery import load_plugins
from registry.registry import Registry
from testing import FakeCloud

PLUGIN = Path(__file__).resolve().parents[2] / "examples" / "plugins" / "levante-fleet"
WORKFLOW = PLUGIN / "workflows" / "place_server.yaml"

HOSTS = {
    "6f0cf8a4-0f3a-4d55-9f43-8f4a1d1b5b01": ("compute-a", 16, 4, 65536, 8192),
    "b1c6e0a8-3c55-4ad6-9a0e-2d8e54bb7c02": ("compute-b", 16, 14, 65536, 61440),
}


@pytest.fixture(autouse=True)
def fleet_installed() -> None:
    try:
        importlib.metadata.distribution("levante-fleet")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail(
            f"levante-fleet is not installed; run 'pip install -e {PLUGIN}' (the "
            "README's test command does)"
        )


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LEVANTE_DB_URL", f"sqlite:///{tmp_path / 'levante.sqlite'}")
    return CliRunner()


def serve_fleet(cloud: FakeCloud) -> None:
    """Serve two hypervisors before and after compute 2.88, and placement."""
    old, new = [], []
    for host, (name, vcpus, vcpus_used, ram, ram_used) in HOSTS.items():
        identity = {
            "id": host,
            "hypervisor_hostname": name,
            "state": "up",
            "status": "enabled",
        }
        new.append(identity)
        old.append(
            {
                **identity,
                "vcpus": vcpus,
                "vcpus_used": vcpus_used,
                "memory_mb": ram,
                "memory_mb_used": ram_used,
                "local_gb": 100,
                "local_gb_used": 10,
                "running_vms": 1,
            }
        )
        inventories = {
            "VCPU": {"total": vcpus, "reserved": 0, "allocation_ratio": 2.0},
            "MEMORY_MB": {"total": ram, "reserved": 0, "allocation_ratio": 1.0},
            "DISK_GB": {"total": 100, "reserved": 0, "allocation_ratio": 1.0},
        }
        usages = {"VCPU": vcpus_used, "MEMORY_MB": ram_used, "DISK_GB": 10}
        base = f"/resource_providers/{host}"
        cloud.add(
            "GET",
            "placement",
            f"{base}/inventories",
            json={"inventories": inventories, "resource_provider_generation": 1},
        )
        cloud.add(
            "GET",
            "placement",
            f"{base}/usages",
            json={"usages": usages, "resource_provider_generation": 1},
        )
    cloud.add(
        "GET",
        "compute",
        "/os-hypervisors/detail",
        json={"hypervisors": old},
        max_microversion="2.87",
    )
    cloud.add(
        "GET",
        "compute",
        "/os-hypervisors/detail",
        json={"hypervisors": new},
        min_microversion="2.88",
    )


@pytest.fixture
def engine(fake_cloud: FakeCloud, database: Database) -> Iterator[EngineCore]:
    catalog = load_plugins()
    clouds = CloudDirectory({"lab": fake_cloud.cloud_config()})
    core = EngineCore(database, catalog, registry=Registry(catalog, clouds=clouds))
    yield core
    core.close()


def test_actions_listed(cli: CliRunner) -> None:
    result = cli.invoke(main, ["actions", "list", "--prefix", "fleet.", "-o", "json"])
    assert result.exit_code == 0, result.output
    listed = {entry["name"]: entry for entry in json.loads(result.stdout)}
    assert sorted(listed) == ["fleet.hypervisor_capacity", "fleet.pick_hosts"]
    capacity = listed["fleet.hypervisor_capacity"]
    assert sorted(capacity["versions"]) == ["1.0.0", "2.0.0"]
    assert capacity["plugin"] == "fleet"
    assert capacity["services"] == ["compute", "placement"]


def test_plugin_listed(cli: CliRunner) -> None:
    result = cli.invoke(main, ["plugins", "list", "-o", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    plugins = {entry["name"]: entry for entry in document["plugins"]}
    assert plugins["fleet"]["actions"] == [
        "fleet.hypervisor_capacity",
        "fleet.pick_hosts",
    ]
    assert document["failures"] == []


@pytest.mark.parametrize(
    ("fake_cloud", "version", "microversion"),
    [("train", "1.0.0", "2.79"), ("epoxy", "2.0.0", "2.100")],
    indirect=["fake_cloud"],
)
def test_workflow_on_fake_cloud(
    fake_cloud: FakeCloud,
    engine: EngineCore,
    database: Database,
    version: str,
    microversion: str,
) -> None:
    serve_fleet(fake_cloud)
    execution_id = engine.start(
        WORKFLOW.read_text(), input={"vcpus": 2, "memory_mb": 4096}, cloud="lab"
    )
    engine.run(execution_id, timeout=30)
    with database.sessions() as session:
        execution = session.get(Execution, execution_id)
        assert execution is not None
        state, output = execution.state, execution.output
        resolution: Any = execution.resolutions["read_capacity"]
    assert state == "SUCCESS", execution.state_info
    assert output == {"hosts": ["compute-a"]}
    assert resolution["version"] == version
    assert resolution["services"]["compute"]["microversion"] == microversion


def test_plugin_tests_pass() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(PLUGIN / "tests"),
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert " passed" in completed.stdout
    assert "failed" not in completed.stdout


def test_support_matrix(cli: CliRunner) -> None:
    result = cli.invoke(
        main,
        [
            "actions",
            "matrix",
            "--plugin",
            "fleet",
            "--release",
            "train",
            "--release",
            "epoxy",
            "-o",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    cells = {
        (cell["action"], cell["version"], cell["release"]): cell
        for cell in json.loads(result.stdout)["cells"]
    }
    old_on_train = cells[("fleet.hypervisor_capacity", "1.0.0", "train")]
    assert (old_on_train["status"], old_on_train["default"]) == ("passed", True)
    new_on_train = cells[("fleet.hypervisor_capacity", "2.0.0", "train")]
    assert new_on_train["status"] == "not supported"
    assert "the Train cloud offers compute 2.1 to 2.79" in new_on_train["detail"]
    new_on_epoxy = cells[("fleet.hypervisor_capacity", "2.0.0", "epoxy")]
    assert (new_on_epoxy["status"], new_on_epoxy["default"]) == ("passed", True)
    assert cells[("fleet.pick_hosts", "1.0.0", "epoxy")]["status"] == "passed"
