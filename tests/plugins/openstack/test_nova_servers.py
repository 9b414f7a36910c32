"""Nova server actions: create, update, delete and wait, on the fake cloud."""

from __future__ import annotations

import base64

import pytest

from action_sdk import ActionError

from .conftest import CloudRun

CREATED = {"server": {"id": "s1", "links": [], "adminPass": "generated"}}


@pytest.mark.releases("queens", "gazpacho")
def test_servers_create_default_version(os_cloud: CloudRun) -> None:
    os_cloud.add("POST", "compute", "/servers", json=CREATED, status=202)
    server = os_cloud.run("nova.servers_create", {"name": "web", "flavor": "f1"})
    assert server["id"] == "s1"
    assert os_cloud.resolve("nova.servers_create").version == "2.0.0"
    assert os_cloud.last_json() == {
        "server": {"name": "web", "flavorRef": "f1", "networks": "auto"}
    }


def test_servers_create_v1_leaves_networks_out(os_cloud: CloudRun) -> None:
    os_cloud.add("POST", "compute", "/servers", json=CREATED, status=202)
    os_cloud.run("nova.servers_create@1", {"name": "web", "flavor": "f1"})
    assert os_cloud.last_json() == {"server": {"name": "web", "flavorRef": "f1"}}
    assert os_cloud.last.headers["OpenStack-API-Version"] == "compute 2.36"


def test_servers_create_full_body(os_cloud: CloudRun) -> None:
    os_cloud.add("POST", "compute", "/servers", json=CREATED, status=202)
    os_cloud.run(
        "nova.servers_create",
        {
            "name": "web",
            "flavor": "f1",
            "image": "i1",
            "nics": [{"net-id": "n1", "v4-fixed-ip": "10.0.0.5"}, {"port": "p1"}],
            "key_name": "k",
            "security_groups": ["default", "web"],
            "availability_zone": "nova",
            "userdata": "#cloud-config\n",
            "meta": {"role": "web"},
            "config_drive": True,
            "scheduler_hints": {"group": "g1"},
            "admin_pass": "s3cret",
            "min_count": 1,
            "max_count": 2,
            "description": "front end",
        },
    )
    body = os_cloud.last_json()
    server = body["server"]
    assert server["imageRef"] == "i1"
    assert server["networks"] == [
        {"uuid": "n1", "fixed_ip": "10.0.0.5"},
        {"port": "p1"},
    ]
    assert server["security_groups"] == [{"name": "default"}, {"name": "web"}]
    assert base64.b64decode(server["user_data"]) == b"#cloud-config\n"
    assert server["adminPass"] == "s3cret"
    assert server["metadata"] == {"role": "web"}
    assert body["os:scheduler_hints"] == {"group": "g1"}


def test_servers_create_rejects_nic_by_name(os_cloud: CloudRun) -> None:
    with pytest.raises(ActionError, match=r"nics\[0\] has unknown keys \['net-name'\]"):
        os_cloud.run(
            "nova.servers_create",
            {"name": "web", "flavor": "f1", "nics": [{"net-name": "private"}]},
        )


def test_servers_create_admin_pass_is_secret(os_cloud: CloudRun) -> None:
    descriptor = os_cloud.catalog.get("nova.servers_create")
    schema = descriptor.input_schema()["properties"]["admin_pass"]
    assert schema["writeOnly"] is True
    redacted = descriptor.redact_input({"admin_pass": "s3cret", "name": "web"})
    assert redacted == {"admin_pass": "***", "name": "web"}


def test_servers_update(os_cloud: CloudRun) -> None:
    os_cloud.add("PUT", "compute", "/servers/s1", json={"server": {"id": "s1"}})
    result = os_cloud.run("nova.servers_update", {"server_id": "s1", "name": "db"})
    assert result == {"id": "s1"}
    assert os_cloud.last_json() == {"server": {"name": "db"}}
    assert os_cloud.last.headers["OpenStack-API-Version"] == "compute 2.46"


def test_servers_update_needs_a_change(os_cloud: CloudRun) -> None:
    with pytest.raises(ActionError, match="nothing to update"):
        os_cloud.run("nova.servers_update", {"server_id": "s1"})


def test_servers_delete(os_cloud: CloudRun) -> None:
    os_cloud.add("DELETE", "compute", "/servers/s1", status=204)
    assert os_cloud.run("nova.servers_delete", {"server_id": "s1"}) is None
    assert os_cloud.last.method == "DELETE"


def server(status: str, **extra: object) -> dict[str, object]:
    return {"server": {"id": "s1", "status": status, **extra}}


def test_wait_for_status_success(os_cloud: CloudRun) -> None:
    for status in ("BUILD", "BUILD", "ACTIVE"):
        os_cloud.add("GET", "compute", "/servers/s1", json=server(status))
    result = os_cloud.run(
        "nova.servers_wait_for_status",
        {"server_id": "s1", "timeout": 5, "poll_interval": 0},
    )
    assert result["status"] == "ACTIVE"
    assert len(os_cloud.service_calls()) == 3


def test_wait_for_status_failure(os_cloud: CloudRun) -> None:
    fault = {"message": "No valid host was found.", "code": 500}
    os_cloud.add("GET", "compute", "/servers/s1", json=server("BUILD"))
    os_cloud.add("GET", "compute", "/servers/s1", json=server("ERROR", fault=fault))
    with pytest.raises(ActionError) as caught:
        os_cloud.run(
            "nova.servers_wait_for_status",
            {"server_id": "s1", "timeout": 5, "poll_interval": 0},
        )
    message = str(caught.value)
    assert "server s1 reached status 'ERROR'" in message
    assert "failure statuses: ERROR" in message
    assert "No valid host was found." in message
    assert caught.value.data["status"] == "ERROR"
    assert caught.value.data["expected"] == ["ACTIVE"]


def test_wait_for_status_timeout(os_cloud: CloudRun) -> None:
    os_cloud.add("GET", "compute", "/servers/s1", json=server("BUILD"))
    with pytest.raises(ActionError) as caught:
        os_cloud.run(
            "nova.servers_wait_for_status",
            {"server_id": "s1", "timeout": 0.05, "poll_interval": 0.01},
        )
    message = str(caught.value)
    assert "did not reach ACTIVE within 0.05 s" in message
    assert "last status seen was 'BUILD'" in message
    assert "failure statuses: ERROR" in message
    assert caught.value.data["reads"] >= 2


def test_wait_for_deleted(os_cloud: CloudRun) -> None:
    os_cloud.add("GET", "compute", "/servers/s1", json=server("DELETING"))
    os_cloud.add(
        "GET",
        "compute",
        "/servers/s1",
        status=404,
        json={"itemNotFound": {"code": 404, "message": "not found"}},
    )
    result = os_cloud.run(
        "nova.servers_wait_for_status",
        {"server_id": "s1", "status": "DELETED", "poll_interval": 0},
    )
    assert result == {}


def test_wait_for_status_missing_server_raises(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "GET",
        "compute",
        "/servers/s1",
        status=404,
        json={"itemNotFound": {"code": 404, "message": "Instance s1 not found"}},
    )
    with pytest.raises(ActionError, match="Instance s1 not found"):
        os_cloud.run("nova.servers_wait_for_status", {"server_id": "s1"})


def test_wait_for_status_patterns(os_cloud: CloudRun) -> None:
    os_cloud.add("GET", "compute", "/servers/s1", json=server("VERIFY_RESIZE"))
    result = os_cloud.run(
        "nova.servers_wait_for_status",
        {"server_id": "s1", "status": ["active", "verify_*"]},
    )
    assert result["status"] == "VERIFY_RESIZE"
