"""Workflows that call OpenStack actions on fake clouds of several releases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from engine.core import EngineCore, StartError
from registry.cloud import CloudDirectory
from registry.discovery import load_plugins
from registry.registry import Registry
from testing.fakecloud import FakeCloud

INVENTORY = """
version: '2.0'
inventory:
  input:
    - pin: ""
  output:
    flavors: <% $.flavors %>
    volumes: <% $.volumes %>
  tasks:
    servers:
      action: nova.servers_list
      publish:
        flavors: <% task().result.select($.flavor) %>
      on-success: volumes
    volumes:
      action: cinder.volumes_list
      publish:
        volumes: <% task().result.select($.id) %>
"""

SERVER_EMBEDDED = {
    "id": "s1",
    "name": "web",
    "flavor": {"original_name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20,
               "ephemeral": 0, "swap": 0, "extra_specs": {}},
}
SERVER_WITH_ID = {"id": "s1", "name": "web", "flavor": {"id": "f1", "links": []}}


@pytest.fixture
def cloud_engine(
    fake_cloud: FakeCloud, database: Any
) -> Callable[[], EngineCore]:
    engines: list[EngineCore] = []

    def make() -> EngineCore:
        catalog = load_plugins()
        registry = Registry(catalog, clouds=CloudDirectory({"lab": fake_cloud.cloud_config()}))
        core = EngineCore(database, catalog, registry=registry)
        engines.append(core)
        return core

    yield make
    for core in engines:
        core.close()


def serve_inventory(cloud: FakeCloud) -> None:
    cloud.add("GET", "compute", "/servers/detail", json={"servers": [SERVER_WITH_ID]},
              max_microversion="2.46")
    cloud.add("GET", "compute", "/servers/detail", json={"servers": [SERVER_EMBEDDED]},
              min_microversion="2.47")
    cloud.add("GET", "block-storage", f"/v3/{cloud.project_id}/volumes/detail",
              json={"volumes": [{"id": "v1", "status": "available"}]})
    cloud.add("GET", "block-storage", "/volumes/detail",
              json={"volumes": [{"id": "v1", "status": "available"}]})


@pytest.mark.releases("queens", "train", "zed", "epoxy", "gazpacho")
def test_inventory_runs_on_each_release(
    fake_cloud: FakeCloud, cloud_engine: Callable[[], EngineCore], outcome_of: Callable[[str], Any]
) -> None:
    serve_inventory(fake_cloud)
    core = cloud_engine()
    execution_id = core.start(INVENTORY, cloud="lab")
    core.run(execution_id, timeout=30)
    outcome = outcome_of(execution_id)
    assert outcome.execution.state == "SUCCESS", outcome.execution.state_info
    assert outcome.execution.output["flavors"][0]["original_name"] == "m1.small"
    assert outcome.execution.output["volumes"] == ["v1"]
    record = outcome.execution.resolutions["servers"]
    assert record["version"].startswith("2.")
    low, high = fake_cloud.microversion_range("compute")
    sent = record["services"]["compute"]["microversion"]
    assert sent is not None
    compute_calls = [c for c in fake_cloud.calls if "/servers/detail" in c.request.url]
    assert compute_calls[0].request.headers["OpenStack-API-Version"] == f"compute {sent}"
    volume_calls = [c for c in fake_cloud.calls if "/volumes/detail" in c.request.url]
    assert volume_calls[0].request.headers["OpenStack-API-Version"].startswith("volume ")


@pytest.mark.releases("zed")
def test_pinned_old_version_gets_flavor_ids(
    fake_cloud: FakeCloud, cloud_engine: Callable[[], EngineCore], outcome_of: Callable[[str], Any]
) -> None:
    serve_inventory(fake_cloud)
    core = cloud_engine()
    text = INVENTORY.replace("action: nova.servers_list", "action: nova.servers_list@1")
    execution_id = core.start(text, cloud="lab")
    core.run(execution_id, timeout=30)
    outcome = outcome_of(execution_id)
    assert outcome.execution.state == "SUCCESS", outcome.execution.state_info
    assert outcome.execution.resolutions["servers"]["version"].startswith("1.")
    assert outcome.execution.resolutions["servers"]["services"]["compute"]["microversion"] == "2.46"


@pytest.mark.releases("zed")
def test_impossible_pin_refused_before_start(
    fake_cloud: FakeCloud, cloud_engine: Callable[[], EngineCore], database: Any
) -> None:
    from sqlalchemy import select

    from engine.db.models import Execution

    core = cloud_engine()
    text = INVENTORY.replace("action: nova.servers_list", "action: nova.servers_list@>=9")
    with pytest.raises(StartError) as raised:
        core.start(text, cloud="lab")
    message = str(raised.value)
    assert "task 'servers'" in message
    assert "nova.servers_list" in message
    with database.sessions() as session:
        assert session.scalar(select(Execution.id)) is None


@pytest.mark.releases("zed")
def test_unknown_cloud_refused(cloud_engine: Callable[[], EngineCore]) -> None:
    with pytest.raises(StartError, match="nowhere"):
        cloud_engine().start(INVENTORY, cloud="nowhere")


@pytest.mark.releases("epoxy")
def test_rerun_keeps_recorded_version(
    fake_cloud: FakeCloud, cloud_engine: Callable[[], EngineCore], outcome_of: Callable[[str], Any]
) -> None:
    core = cloud_engine()
    # Nothing is served at /servers/detail yet, so the first run gets a 404.
    execution_id = core.start(INVENTORY, cloud="lab")
    core.run(execution_id, timeout=30)
    first = outcome_of(execution_id)
    assert first.execution.state == "ERROR"
    recorded = first.execution.resolutions["servers"]
    serve_inventory(fake_cloud)
    core.rerun(execution_id, "servers")
    core.run(execution_id, timeout=30)
    outcome = outcome_of(execution_id)
    assert outcome.execution.state == "SUCCESS", outcome.execution.state_info
    assert outcome.execution.resolutions["servers"] == recorded
