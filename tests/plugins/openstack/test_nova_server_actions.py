"""Nova server actions sent to /servers/{id}/action, and their version splits."""

from __future__ import annotations

from typing import Any

import pytest

from action_sdk import ActionError

from .conftest import CloudRun

ACTION_PATH = "/servers/s1/action"


@pytest.mark.parametrize(
    ("name", "payload", "body"),
    [
        ("nova.servers_start", {}, {"os-start": None}),
        ("nova.servers_stop", {}, {"os-stop": None}),
        ("nova.servers_reboot", {}, {"reboot": {"type": "SOFT"}}),
        ("nova.servers_confirm_resize", {}, {"confirmResize": None}),
        ("nova.servers_revert_resize", {}, {"revertResize": None}),
        (
            "nova.servers_resize",
            {"flavor": "f2", "disk_config": "AUTO"},
            {"resize": {"flavorRef": "f2", "OS-DCF:diskConfig": "AUTO"}},
        ),
        ("nova.servers_migrate", {}, {"migrate": None}),
        ("nova.servers_migrate", {"host": "c2"}, {"migrate": {"host": "c2"}}),
    ],
)
def test_server_action_body(
    os_cloud: CloudRun, name: str, payload: dict[str, Any], body: dict[str, Any]
) -> None:
    os_cloud.add("POST", "compute", ACTION_PATH, status=202)
    assert os_cloud.run(name, {"server_id": "s1", **payload}) is None
    assert os_cloud.last_json() == body


def test_start_sends_base_microversion(os_cloud: CloudRun) -> None:
    os_cloud.add("POST", "compute", ACTION_PATH, status=202)
    os_cloud.run("nova.servers_start", {"server_id": "s1"})
    assert os_cloud.last.headers["OpenStack-API-Version"] == "compute 2.1"


def test_migrate_microversion(os_cloud: CloudRun) -> None:
    os_cloud.add("POST", "compute", ACTION_PATH, status=202)
    os_cloud.run("nova.servers_migrate", {"server_id": "s1", "host": "c2"})
    assert os_cloud.last.headers["OpenStack-API-Version"] == "compute 2.100"


def test_rebuild_returns_server(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "POST",
        "compute",
        ACTION_PATH,
        status=202,
        json={"server": {"id": "s1", "status": "REBUILD", "adminPass": "new"}},
    )
    server = os_cloud.run(
        "nova.servers_rebuild",
        {"server_id": "s1", "image": "i2", "password": "new", "name": "web2"},
    )
    assert server["status"] == "REBUILD"
    assert os_cloud.last_json() == {
        "rebuild": {"imageRef": "i2", "name": "web2", "adminPass": "new"}
    }


@pytest.mark.releases("queens", "gazpacho")
def test_live_migrate_v1_body(os_cloud: CloudRun) -> None:
    os_cloud.add("POST", "compute", ACTION_PATH, status=202, max_microversion="2.24")
    os_cloud.run(
        "nova.servers_live_migrate@1",
        {"server_id": "s1", "host": "c2", "block_migration": True},
    )
    assert os_cloud.last_json() == {
        "os-migrateLive": {
            "host": "c2",
            "block_migration": True,
            "disk_over_commit": False,
        }
    }
    assert os_cloud.last.headers["OpenStack-API-Version"] == "compute 2.24"


@pytest.mark.releases("queens", "gazpacho")
def test_live_migrate_v2_auto(os_cloud: CloudRun) -> None:
    os_cloud.add("POST", "compute", ACTION_PATH, status=202, min_microversion="2.25")
    os_cloud.run("nova.servers_live_migrate", {"server_id": "s1"})
    assert os_cloud.resolve("nova.servers_live_migrate").version == "2.0.0"
    assert os_cloud.last_json() == {
        "os-migrateLive": {"host": None, "block_migration": "auto"}
    }


def test_live_migrate_v2_rejects_disk_over_commit(os_cloud: CloudRun) -> None:
    with pytest.raises(ValueError, match="unexpected=\\['disk_over_commit'\\]"):
        os_cloud.run(
            "nova.servers_live_migrate",
            {"server_id": "s1", "disk_over_commit": True},
        )


def add_create_image_responses(os_cloud: CloudRun) -> None:
    location = "http://127.0.0.1:9292/v2/images/img-old"
    os_cloud.add(
        "POST",
        "compute",
        ACTION_PATH,
        status=202,
        headers={"Location": location},
        max_microversion="2.44",
    )
    os_cloud.add(
        "POST",
        "compute",
        ACTION_PATH,
        status=202,
        json={"image_id": "img-new"},
        min_microversion="2.45",
    )


@pytest.mark.releases("queens", "gazpacho")
@pytest.mark.parametrize(
    ("name", "image_id"),
    [
        ("nova.servers_create_image@1", "img-old"),
        ("nova.servers_create_image@2", "img-new"),
    ],
)
def test_create_image_versions(os_cloud: CloudRun, name: str, image_id: str) -> None:
    add_create_image_responses(os_cloud)
    payload = {"server_id": "s1", "image_name": "snap", "metadata": {"k": "v"}}
    assert os_cloud.run(name, payload) == image_id
    assert os_cloud.last_json() == {
        "createImage": {"name": "snap", "metadata": {"k": "v"}}
    }


def test_create_image_v1_without_location(os_cloud: CloudRun) -> None:
    os_cloud.add("POST", "compute", ACTION_PATH, status=202)
    with pytest.raises(ActionError, match="no Location header"):
        os_cloud.run(
            "nova.servers_create_image@1", {"server_id": "s1", "image_name": "x"}
        )


def test_create_image_v2_without_image_id(os_cloud: CloudRun) -> None:
    os_cloud.add("POST", "compute", ACTION_PATH, status=202, json={})
    with pytest.raises(ActionError, match="returned no image_id"):
        os_cloud.run(
            "nova.servers_create_image@2", {"server_id": "s1", "image_name": "x"}
        )
