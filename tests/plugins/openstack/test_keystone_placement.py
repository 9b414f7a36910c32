"""Keystone projects and users; placement providers and inventories."""

from __future__ import annotations

import pytest

from action_sdk import ActionError
from registry.catalog import PluginCatalog

from .conftest import CloudRun, Factory

PROJECT = {"id": "p1", "name": "demo", "domain_id": "default"}
USER = {"id": "u1", "name": "alice"}


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({}, "/v3/projects"),
        ({"domain_id": "default"}, "/v3/projects?domain_id=default"),
        ({"user_id": "u1"}, "/v3/users/u1/projects"),
    ],
)
def test_projects_list(os_cloud: CloudRun, payload: dict[str, str], path: str) -> None:
    os_cloud.add(
        "GET",
        "identity",
        path,
        json={"projects": [PROJECT], "links": {"next": None, "self": "x"}},
    )
    assert os_cloud.run("keystone.projects_list", payload) == [PROJECT]


def test_projects_get(os_cloud: CloudRun) -> None:
    os_cloud.add("GET", "identity", "/v3/projects/p1", json={"project": PROJECT})
    assert os_cloud.run("keystone.projects_get", {"project_id": "p1"}) == PROJECT


@pytest.mark.parametrize(
    ("payload", "path"),
    [({}, "/v3/users"), ({"group_id": "g1"}, "/v3/groups/g1/users")],
)
def test_users_list(os_cloud: CloudRun, payload: dict[str, str], path: str) -> None:
    os_cloud.add("GET", "identity", path, json={"users": [USER]})
    assert os_cloud.run("keystone.users_list", payload) == [USER]


def test_users_get(os_cloud: CloudRun) -> None:
    os_cloud.add("GET", "identity", "/v3/users/u1", json={"user": USER})
    assert os_cloud.run("keystone.users_get", {"user_id": "u1"}) == USER


PROVIDER = {"uuid": "rp1", "name": "compute-1", "generation": 3}


def test_resource_providers_list_and_get(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "GET",
        "placement",
        "/resource_providers?name=compute-1",
        json={"resource_providers": [PROVIDER]},
    )
    os_cloud.add("GET", "placement", "/resource_providers/rp1", json=PROVIDER)
    payload = {"filters": {"name": "compute-1"}}
    assert os_cloud.run("placement.resource_providers_list", payload) == [PROVIDER]
    assert os_cloud.run("placement.resource_providers_get", {"uuid": "rp1"}) == PROVIDER
    assert os_cloud.last.headers["OpenStack-API-Version"] == "placement 1.39"


def add_create_routes(os_cloud: CloudRun) -> None:
    endpoint = os_cloud.cloud.endpoint("placement").rstrip("/")
    os_cloud.add(
        "POST",
        "placement",
        "/resource_providers",
        status=201,
        headers={"Location": f"{endpoint}/resource_providers/rp1"},
        max_microversion="1.19",
    )
    os_cloud.add(
        "POST",
        "placement",
        "/resource_providers",
        json=PROVIDER,
        min_microversion="1.20",
    )
    os_cloud.add("GET", "placement", "/resource_providers/rp1", json=PROVIDER)


@pytest.mark.releases("train", "gazpacho")
@pytest.mark.parametrize(
    ("name", "microversion"),
    [
        ("placement.resource_providers_create@1", "1.19"),
        ("placement.resource_providers_create@2", None),
    ],
)
def test_resource_providers_create_versions(
    os_cloud: CloudRun, name: str, microversion: str | None
) -> None:
    if microversion is None:
        microversion = os_cloud.cloud.microversion_range("placement")[1]
    add_create_routes(os_cloud)
    payload = {"name": "compute-1", "parent_provider_uuid": "root"}
    assert os_cloud.run(name, payload) == PROVIDER
    create = [c for c in os_cloud.service_calls() if c.request.method == "POST"][-1]
    assert (
        create.request.headers["OpenStack-API-Version"] == f"placement {microversion}"
    )


@pytest.mark.parametrize("release", ["train", "epoxy"])
def test_resource_providers_create_default_is_v2(
    fake_cloud_factory: Factory, catalog: PluginCatalog, release: str
) -> None:
    os_cloud = CloudRun(fake_cloud_factory(release), catalog)
    assert os_cloud.resolve("placement.resource_providers_create").version == "2.0.0"


def test_resource_providers_create_v1_without_location(os_cloud: CloudRun) -> None:
    os_cloud.add("POST", "placement", "/resource_providers", status=201)
    with pytest.raises(ActionError, match="no Location header"):
        os_cloud.run("placement.resource_providers_create@1", {"name": "x"})


def test_resource_providers_delete(os_cloud: CloudRun) -> None:
    os_cloud.add("DELETE", "placement", "/resource_providers/rp1", status=204)
    assert os_cloud.run("placement.resource_providers_delete", {"uuid": "rp1"}) is None


INVENTORIES = {
    "inventories": {"VCPU": {"total": 8, "allocation_ratio": 16.0}},
    "resource_provider_generation": 3,
}


def test_inventories_list_and_get(os_cloud: CloudRun) -> None:
    path = "/resource_providers/rp1/inventories"
    vcpu = {"total": 8, "resource_provider_generation": 3}
    os_cloud.add("GET", "placement", path, json=INVENTORIES)
    os_cloud.add("GET", "placement", f"{path}/VCPU", json=vcpu)
    assert os_cloud.run("placement.inventories_list", {"uuid": "rp1"}) == INVENTORIES
    payload = {"uuid": "rp1", "resource_class": "VCPU"}
    assert os_cloud.run("placement.inventories_get", payload) == vcpu


def test_inventories_update_reads_generation(os_cloud: CloudRun) -> None:
    path = "/resource_providers/rp1/inventories"
    new = {"VCPU": {"total": 16}}
    os_cloud.add("GET", "placement", path, json=INVENTORIES)
    answer = {"inventories": new, "resource_provider_generation": 4}
    os_cloud.add("PUT", "placement", path, json=answer)
    result = os_cloud.run(
        "placement.inventories_update", {"uuid": "rp1", "inventories": new}
    )
    assert result == answer
    assert os_cloud.last_json() == {
        "resource_provider_generation": 3,
        "inventories": new,
    }


def test_inventories_update_conflict(os_cloud: CloudRun) -> None:
    path = "/resource_providers/rp1/inventories"
    os_cloud.add(
        "PUT",
        "placement",
        path,
        status=409,
        json={
            "errors": [
                {
                    "status": 409,
                    "title": "Conflict",
                    "detail": "resource provider generation conflict",
                }
            ]
        },
    )
    with pytest.raises(ActionError, match="HTTP 409"):
        os_cloud.run(
            "placement.inventories_update",
            {"uuid": "rp1", "inventories": {}, "resource_provider_generation": 1},
        )
