"""The first slice: servers list and get at compute 2.47, reboot, volumes, images."""

from __future__ import annotations

import json
from typing import Any

import pytest

from action_sdk import ActionError, ServiceCallError
from registry.catalog import PluginCatalog
from testing.fakecloud import FakeCloud

from .conftest import CloudRun

SERVER_WITH_ID = {"id": "s1", "name": "web", "flavor": {"id": "f1", "links": []}}
SERVER_EMBEDDED = {
    "id": "s1",
    "name": "web",
    "flavor": {
        "original_name": "m1.small",
        "vcpus": 1,
        "ram": 2048,
        "disk": 20,
        "ephemeral": 0,
        "swap": 0,
        "extra_specs": {},
    },
}


@pytest.fixture
def registry(os_cloud: CloudRun) -> CloudRun:
    return os_cloud


def run(registry: CloudRun, name: str, payload: dict[str, Any] | None = None) -> Any:
    return registry.run(name, payload)


def add_server_bodies(cloud: FakeCloud, path: str, wrap: str) -> None:
    def body(server: dict[str, Any]) -> dict[str, Any]:
        return {wrap: [server]} if wrap == "servers" else {wrap: server}

    cloud.add(
        "GET", "compute", path, json=body(SERVER_WITH_ID), max_microversion="2.46"
    )
    cloud.add(
        "GET", "compute", path, json=body(SERVER_EMBEDDED), min_microversion="2.47"
    )


@pytest.mark.releases("queens", "train", "zed", "epoxy", "gazpacho")
def test_servers_list_embeds_flavor(fake_cloud: FakeCloud, registry: CloudRun) -> None:
    add_server_bodies(fake_cloud, "/servers/detail", "servers")
    servers = run(registry, "nova.servers_list")
    assert servers[0]["flavor"]["original_name"] == "m1.small"


@pytest.mark.releases("queens", "gazpacho")
def test_servers_list_v1_flavor_id(fake_cloud: FakeCloud, registry: CloudRun) -> None:
    add_server_bodies(fake_cloud, "/servers/detail", "servers")
    servers = run(registry, "nova.servers_list@1")
    assert servers[0]["flavor"]["id"] == "f1"


@pytest.mark.parametrize(
    ("name", "flavor_key"),
    [("nova.servers_get@1", "id"), ("nova.servers_get@2", "original_name")],
)
def test_servers_get_versions(
    fake_cloud: FakeCloud, registry: CloudRun, name: str, flavor_key: str
) -> None:
    add_server_bodies(fake_cloud, "/servers/s1", "server")
    server = run(registry, name, {"server_id": "s1"})
    assert flavor_key in server["flavor"]


def test_servers_list_pages(fake_cloud: FakeCloud, registry: CloudRun) -> None:
    endpoint = fake_cloud.endpoint("compute").rstrip("/")
    fake_cloud.add(
        "GET",
        "compute",
        "/servers/detail?limit=3",
        json={
            "servers": [{"id": "a"}, {"id": "b"}],
            "servers_links": [
                {"rel": "next", "href": f"{endpoint}/servers/detail?limit=3&marker=b"}
            ],
        },
    )
    fake_cloud.add(
        "GET",
        "compute",
        "/servers/detail?limit=3&marker=b",
        json={"servers": [{"id": "c"}, {"id": "d"}]},
    )
    servers = run(registry, "nova.servers_list", {"limit": 3})
    assert [s["id"] for s in servers] == ["a", "b", "c"]


def test_servers_list_marker_loop(fake_cloud: FakeCloud, registry: CloudRun) -> None:
    endpoint = fake_cloud.endpoint("compute").rstrip("/")
    page = {
        "servers": [{"id": "a"}],
        "servers_links": [
            {"rel": "next", "href": f"{endpoint}/servers/detail?marker=a"}
        ],
    }
    fake_cloud.add("GET", "compute", "/servers/detail", json=page)
    with pytest.raises(ActionError, match="returned marker 'a' twice"):
        run(registry, "nova.servers_list")


def test_servers_list_filters_sent(fake_cloud: FakeCloud, registry: CloudRun) -> None:
    fake_cloud.add(
        "GET", "compute", "/servers?name=web&all_tenants=True", json={"servers": []}
    )
    assert (
        run(
            registry,
            "nova.servers_list",
            {"detailed": False, "all_projects": True, "filters": {"name": "web"}},
        )
        == []
    )


def test_servers_reboot(fake_cloud: FakeCloud, registry: CloudRun) -> None:
    fake_cloud.add("POST", "compute", "/servers/s1/action", status=202)
    assert (
        run(registry, "nova.servers_reboot", {"server_id": "s1", "reboot_type": "HARD"})
        is None
    )
    request = fake_cloud.calls[-1].request
    assert json.loads(request.body) == {"reboot": {"type": "HARD"}}
    assert request.headers["OpenStack-API-Version"] == "compute 2.1"


def test_servers_reboot_rejects_type(registry: CloudRun) -> None:
    with pytest.raises(ValueError, match="reboot_type"):
        run(
            registry,
            "nova.servers_reboot",
            {"server_id": "s1", "reboot_type": "SOFTLY"},
        )


def test_servers_get_not_found(fake_cloud: FakeCloud, registry: CloudRun) -> None:
    fake_cloud.add(
        "GET",
        "compute",
        "/servers/zz",
        status=404,
        json={
            "itemNotFound": {"message": "Instance zz could not be found.", "code": 404}
        },
    )
    with pytest.raises(ServiceCallError, match="Instance zz could not be found"):
        run(registry, "nova.servers_get", {"server_id": "zz"})


@pytest.mark.releases("queens", "train", "zed", "epoxy", "gazpacho")
def test_volumes_list(fake_cloud: FakeCloud, registry: CloudRun) -> None:
    fake_cloud.add(
        "GET", "block-storage", "/volumes/detail", json={"volumes": [{"id": "v1"}]}
    )
    assert run(registry, "cinder.volumes_list") == [{"id": "v1"}]
    url = fake_cloud.calls[-1].request.url
    assert url.startswith(
        fake_cloud.endpoint("block-storage").rstrip("/") + "/volumes/detail"
    )


@pytest.mark.releases("queens", "gazpacho")
def test_images_list_follows_next(fake_cloud: FakeCloud, registry: CloudRun) -> None:
    fake_cloud.add(
        "GET",
        "image",
        "/v2/images?limit=3",
        json={"images": [{"id": "i1"}], "next": "/v2/images?marker=i1&limit=3"},
    )
    fake_cloud.add(
        "GET", "image", "/v2/images?limit=3&marker=i1", json={"images": [{"id": "i2"}]}
    )
    images = run(registry, "glance.images_list", {"limit": 3})
    assert [i["id"] for i in images] == ["i1", "i2"]


def test_missing_list_key(fake_cloud: FakeCloud, registry: CloudRun) -> None:
    fake_cloud.add("GET", "image", "/v2/images", json={"items": []})
    with pytest.raises(ActionError, match="returned no 'images' list"):
        run(registry, "glance.images_list")


def test_descriptions_name_flavor_shape(catalog: PluginCatalog) -> None:
    v1, v2 = catalog.actions["nova.servers_list"]
    assert "flavor as a reference with its id" in v1.description
    assert "flavor embedded with its name" in v2.description
