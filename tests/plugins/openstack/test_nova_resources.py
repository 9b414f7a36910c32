"""Nova server groups, flavors, hypervisors and volume attachments."""

from __future__ import annotations

import logging

import pytest

from registry.catalog import PluginCatalog

from .conftest import CloudRun, Factory

GROUP_OLD = {"id": "g1", "name": "web", "policies": ["anti-affinity"], "metadata": {}}
GROUP_NEW = {"id": "g1", "name": "web", "policy": "anti-affinity", "rules": {}}


def add_group_routes(os_cloud: CloudRun) -> None:
    for method, path, key in (
        ("GET", "/os-server-groups/g1", "server_group"),
        ("POST", "/os-server-groups", "server_group"),
    ):
        os_cloud.add(
            method, "compute", path, json={key: GROUP_OLD}, max_microversion="2.63"
        )
        os_cloud.add(
            method, "compute", path, json={key: GROUP_NEW}, min_microversion="2.64"
        )
    os_cloud.add(
        "GET",
        "compute",
        "/os-server-groups?offset=0",
        json={"server_groups": [GROUP_OLD]},
        max_microversion="2.63",
    )
    os_cloud.add(
        "GET",
        "compute",
        "/os-server-groups?offset=0",
        json={"server_groups": [GROUP_NEW]},
        min_microversion="2.64",
    )
    os_cloud.add(
        "GET", "compute", "/os-server-groups?offset=1", json={"server_groups": []}
    )


@pytest.mark.parametrize(
    ("release", "version", "field"),
    [("queens", "1.0.0", "policies"), ("train", "2.0.0", "policy")],
)
def test_server_groups_split_at_2_64(
    fake_cloud_factory: Factory,
    catalog: PluginCatalog,
    release: str,
    version: str,
    field: str,
) -> None:
    os_cloud = CloudRun(fake_cloud_factory(release), catalog)
    add_group_routes(os_cloud)
    assert os_cloud.resolve("nova.server_groups_get").version == version
    assert field in os_cloud.run("nova.server_groups_get", {"server_group_id": "g1"})
    groups = os_cloud.run("nova.server_groups_list")
    assert [field in group for group in groups] == [True]


def test_server_groups_create_v1_body(os_cloud: CloudRun) -> None:
    add_group_routes(os_cloud)
    group = os_cloud.run(
        "nova.server_groups_create@1", {"name": "web", "policies": ["anti-affinity"]}
    )
    assert group["policies"] == ["anti-affinity"]
    assert os_cloud.last_json() == {
        "server_group": {"name": "web", "policies": ["anti-affinity"]}
    }
    assert os_cloud.last.headers["OpenStack-API-Version"] == "compute 2.63"


def test_server_groups_create_v2_body(os_cloud: CloudRun) -> None:
    add_group_routes(os_cloud)
    group = os_cloud.run(
        "nova.server_groups_create",
        {"name": "web", "policy": "anti-affinity", "rules": {"max_server_per_host": 2}},
    )
    assert group["policy"] == "anti-affinity"
    assert os_cloud.last_json() == {
        "server_group": {
            "name": "web",
            "policy": "anti-affinity",
            "rules": {"max_server_per_host": 2},
        }
    }


def test_server_groups_create_rejects_policy(os_cloud: CloudRun) -> None:
    with pytest.raises(ValueError, match="policy"):
        os_cloud.run("nova.server_groups_create", {"name": "web", "policy": "spread"})


def test_server_groups_list_pages_by_offset(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "GET",
        "compute",
        "/os-server-groups?all_projects=True&offset=0",
        json={"server_groups": [GROUP_NEW, GROUP_NEW]},
    )
    os_cloud.add(
        "GET",
        "compute",
        "/os-server-groups?all_projects=True&offset=2",
        json={"server_groups": [GROUP_NEW]},
    )
    os_cloud.add(
        "GET",
        "compute",
        "/os-server-groups?all_projects=True&offset=3",
        json={"server_groups": []},
    )
    groups = os_cloud.run("nova.server_groups_list", {"all_projects": True})
    assert len(groups) == 3


def test_server_groups_list_limit(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "GET",
        "compute",
        "/os-server-groups?offset=0&limit=1",
        json={"server_groups": [GROUP_NEW]},
    )
    assert len(os_cloud.run("nova.server_groups_list", {"limit": 1})) == 1
    assert len(os_cloud.service_calls()) == 1


def test_server_groups_delete(os_cloud: CloudRun) -> None:
    os_cloud.add("DELETE", "compute", "/os-server-groups/g1", status=204)
    assert os_cloud.run("nova.server_groups_delete", {"server_group_id": "g1"}) is None


def test_flavors_list_and_get(os_cloud: CloudRun) -> None:
    flavor = {"id": "f1", "name": "m1.small", "swap": ""}
    os_cloud.add(
        "GET", "compute", "/flavors/detail?is_public=False", json={"flavors": [flavor]}
    )
    os_cloud.add("GET", "compute", "/flavors/f1", json={"flavor": flavor})
    assert os_cloud.run("nova.flavors_list", {"is_public": False}) == [flavor]
    assert os_cloud.run("nova.flavors_get", {"flavor_id": "f1"}) == flavor
    assert os_cloud.last.headers["OpenStack-API-Version"] == "compute 2.1"


HYPERVISOR_OLD = {"id": "h1", "vcpus": 8, "memory_mb": 4096, "running_vms": 1}
HYPERVISOR_NEW = {"id": "h1", "uptime": "up 2 days", "state": "up"}


def add_hypervisor_routes(os_cloud: CloudRun) -> None:
    for path, key, body_old, body_new in (
        ("/os-hypervisors/detail", "hypervisors", [HYPERVISOR_OLD], [HYPERVISOR_NEW]),
        ("/os-hypervisors/h1", "hypervisor", HYPERVISOR_OLD, HYPERVISOR_NEW),
    ):
        os_cloud.add(
            "GET", "compute", path, json={key: body_old}, max_microversion="2.87"
        )
        os_cloud.add(
            "GET", "compute", path, json={key: body_new}, min_microversion="2.88"
        )


@pytest.mark.parametrize(
    ("release", "version", "field"),
    [("train", "1.0.0", "vcpus"), ("zed", "2.0.0", "uptime")],
)
def test_hypervisors_split_at_2_88(
    fake_cloud_factory: Factory,
    catalog: PluginCatalog,
    release: str,
    version: str,
    field: str,
) -> None:
    os_cloud = CloudRun(fake_cloud_factory(release), catalog)
    add_hypervisor_routes(os_cloud)
    assert os_cloud.resolve("nova.hypervisors_list").version == version
    assert field in os_cloud.run("nova.hypervisors_list")[0]
    assert field in os_cloud.run("nova.hypervisors_get", {"hypervisor_id": "h1"})


@pytest.mark.releases("epoxy")
def test_hypervisors_v1_on_new_cloud(os_cloud: CloudRun) -> None:
    add_hypervisor_routes(os_cloud)
    assert "vcpus" in os_cloud.run("nova.hypervisors_list@1")[0]
    assert os_cloud.last.headers["OpenStack-API-Version"] == "compute 2.87"


def test_hypervisors_statistics_deprecated(
    os_cloud: CloudRun, caplog: pytest.LogCaptureFixture
) -> None:
    stats = {"count": 2, "vcpus": 16}
    os_cloud.add(
        "GET",
        "compute",
        "/os-hypervisors/statistics",
        json={"hypervisor_statistics": stats},
        max_microversion="2.87",
    )
    with caplog.at_level(logging.WARNING, logger="registry.resolution"):
        assert os_cloud.run("nova.hypervisors_statistics") == stats
    assert "compute 2.88 removed /os-hypervisors/statistics" in caplog.text
    assert os_cloud.last.headers["OpenStack-API-Version"] == "compute 2.87"


ATTACHMENT_OLD = {"id": "v1", "volumeId": "v1", "serverId": "s1", "device": "/dev/vdb"}
ATTACHMENT_NEW = {
    "attachment_id": "a1",
    "bdm_uuid": "b1",
    "volumeId": "v1",
    "serverId": "s1",
    "device": "/dev/vdb",
}
ATTACHMENTS = "/servers/s1/os-volume_attachments"


def add_attachment_routes(os_cloud: CloudRun) -> None:
    for query, old, new in (
        ("?offset=0", [ATTACHMENT_OLD], [ATTACHMENT_NEW]),
        ("?offset=1", [], []),
    ):
        path = ATTACHMENTS + query
        key = "volumeAttachments"
        os_cloud.add("GET", "compute", path, json={key: old}, max_microversion="2.88")
        os_cloud.add("GET", "compute", path, json={key: new}, min_microversion="2.89")
    single = f"{ATTACHMENTS}/v1"
    key = "volumeAttachment"
    os_cloud.add(
        "GET", "compute", single, json={key: ATTACHMENT_OLD}, max_microversion="2.88"
    )
    os_cloud.add(
        "GET", "compute", single, json={key: ATTACHMENT_NEW}, min_microversion="2.89"
    )


@pytest.mark.parametrize(
    ("release", "version", "field"),
    [("train", "1.0.0", "id"), ("zed", "2.0.0", "attachment_id")],
)
def test_server_volumes_split_at_2_89(
    fake_cloud_factory: Factory,
    catalog: PluginCatalog,
    release: str,
    version: str,
    field: str,
) -> None:
    os_cloud = CloudRun(fake_cloud_factory(release), catalog)
    add_attachment_routes(os_cloud)
    assert os_cloud.resolve("nova.volumes_get_server_volumes").version == version
    listed = os_cloud.run("nova.volumes_get_server_volumes", {"server_id": "s1"})
    assert [field in attachment for attachment in listed] == [True]
    attachment = os_cloud.run(
        "nova.volumes_get_server_volume", {"server_id": "s1", "volume_id": "v1"}
    )
    assert field in attachment


def add_attach_routes(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "POST",
        "compute",
        ATTACHMENTS,
        json={"volumeAttachment": ATTACHMENT_OLD},
        max_microversion="2.100",
    )
    os_cloud.add("POST", "compute", ATTACHMENTS, status=202, min_microversion="2.101")


@pytest.mark.parametrize(
    ("release", "version", "microversion"),
    [("epoxy", "1.0.0", "2.100"), ("gazpacho", "2.0.0", "2.103")],
)
def test_create_server_volume_split_at_2_101(
    fake_cloud_factory: Factory,
    catalog: PluginCatalog,
    release: str,
    version: str,
    microversion: str,
) -> None:
    os_cloud = CloudRun(fake_cloud_factory(release), catalog)
    add_attach_routes(os_cloud)
    payload = {"server_id": "s1", "volume_id": "v1", "delete_on_termination": True}
    result = os_cloud.run("nova.volumes_create_server_volume", payload)
    assert os_cloud.resolve("nova.volumes_create_server_volume").version == version
    assert os_cloud.last.headers["OpenStack-API-Version"] == f"compute {microversion}"
    assert os_cloud.last_json() == {
        "volumeAttachment": {"volumeId": "v1", "delete_on_termination": True}
    }
    assert (result is None) is (version == "2.0.0")


def test_create_server_volume_v1_returns_attachment(os_cloud: CloudRun) -> None:
    add_attach_routes(os_cloud)
    payload = {"server_id": "s1", "volume_id": "v1", "device": "/dev/vdb"}
    result = os_cloud.run("nova.volumes_create_server_volume@1", payload)
    assert result["device"] == "/dev/vdb"


def test_delete_server_volume(os_cloud: CloudRun) -> None:
    os_cloud.add("DELETE", "compute", f"{ATTACHMENTS}/v1", status=202)
    payload = {"server_id": "s1", "volume_id": "v1"}
    assert os_cloud.run("nova.volumes_delete_server_volume", payload) is None
