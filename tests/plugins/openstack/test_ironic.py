"""Ironic node actions, states and waiting."""

from __future__ import annotations

from typing import Any

import pytest

from action_sdk import ActionError

from .conftest import CloudRun

NODE = {"uuid": "n1", "name": "bm-1", "provision_state": "available"}


@pytest.mark.releases("queens", "epoxy")
def test_node_list_pages(os_cloud: CloudRun) -> None:
    endpoint = os_cloud.cloud.endpoint("baremetal").rstrip("/")
    os_cloud.add(
        "GET",
        "baremetal",
        "/v1/nodes?provision_state=available",
        json={"nodes": [NODE], "next": f"{endpoint}/v1/nodes?marker=n1"},
    )
    os_cloud.add(
        "GET",
        "baremetal",
        "/v1/nodes?provision_state=available&marker=n1",
        json={"nodes": []},
    )
    result = os_cloud.run(
        "ironic.node_list", {"filters": {"provision_state": "available"}}
    )
    assert result == [NODE]
    maximum = os_cloud.cloud.microversion_range("baremetal")[1]
    assert os_cloud.last.headers["X-OpenStack-Ironic-API-Version"] == maximum


def test_node_list_fields(os_cloud: CloudRun) -> None:
    os_cloud.add("GET", "baremetal", "/v1/nodes?fields=uuid,name", json={"nodes": []})
    os_cloud.run("ironic.node_list", {"fields": ["uuid", "name"]})
    assert os_cloud.last.url.endswith("fields=uuid%2Cname")


def test_node_list_detail_and_fields_conflict(os_cloud: CloudRun) -> None:
    with pytest.raises(ActionError, match="detail or fields, not both"):
        os_cloud.run("ironic.node_list", {"detail": True, "fields": ["uuid"]})


def test_node_get_and_update(os_cloud: CloudRun) -> None:
    os_cloud.add("GET", "baremetal", "/v1/nodes/n1", json=NODE)
    os_cloud.add("PATCH", "baremetal", "/v1/nodes/n1", json={**NODE, "name": "bm-2"})
    assert os_cloud.run("ironic.node_get", {"node_id": "n1"}) == NODE
    patch = [{"op": "replace", "path": "/name", "value": "bm-2"}]
    updated = os_cloud.run("ironic.node_update", {"node_id": "n1", "patch": patch})
    assert updated["name"] == "bm-2"
    assert os_cloud.last_json() == patch


@pytest.mark.parametrize(
    ("payload", "body"),
    [
        ({"state": "deploy"}, {"target": "active"}),
        ({"state": "undeploy"}, {"target": "deleted"}),
        ({"state": "manage"}, {"target": "manage"}),
        ({"state": "provide"}, {"target": "provide"}),
        ({"state": "inspect"}, {"target": "inspect"}),
        (
            {"state": "active", "configdrive": {"user_data": "x"}},
            {"target": "active", "configdrive": {"user_data": "x"}},
        ),
        (
            {"state": "clean", "cleansteps": [{"interface": "deploy", "step": "e"}]},
            {"target": "clean", "clean_steps": [{"interface": "deploy", "step": "e"}]},
        ),
        (
            {"state": "rescue", "rescue_password": "pw"},
            {"target": "rescue", "rescue_password": "pw"},
        ),
    ],
)
def test_set_provision_state(
    os_cloud: CloudRun, payload: dict[str, Any], body: dict[str, Any]
) -> None:
    os_cloud.add("PUT", "baremetal", "/v1/nodes/n1/states/provision", status=202)
    assert (
        os_cloud.run("ironic.node_set_provision_state", {"node_id": "n1", **payload})
        is None
    )
    assert os_cloud.last_json() == body


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"state": "clean"}, "clean needs cleansteps"),
        ({"state": "rescue"}, "rescue needs rescue_password"),
    ],
)
def test_set_provision_state_rejects(
    os_cloud: CloudRun, payload: dict[str, Any], message: str
) -> None:
    with pytest.raises(ActionError, match=message):
        os_cloud.run("ironic.node_set_provision_state", {"node_id": "n1", **payload})


@pytest.mark.parametrize(
    ("payload", "target"),
    [
        ({"state": "on"}, "power on"),
        ({"state": "off", "soft": True}, "soft power off"),
        ({"state": "reboot"}, "rebooting"),
        ({"state": "reboot", "soft": True}, "soft rebooting"),
        ({"state": "power off"}, "power off"),
    ],
)
def test_set_power_state(
    os_cloud: CloudRun, payload: dict[str, Any], target: str
) -> None:
    os_cloud.add("PUT", "baremetal", "/v1/nodes/n1/states/power", status=202)
    os_cloud.run(
        "ironic.node_set_power_state", {"node_id": "n1", "timeout": 60, **payload}
    )
    assert os_cloud.last_json() == {"target": target, "timeout": 60}


def test_set_power_state_soft_on_rejected(os_cloud: CloudRun) -> None:
    with pytest.raises(ActionError, match="soft applies to the states off and reboot"):
        os_cloud.run(
            "ironic.node_set_power_state",
            {"node_id": "n1", "state": "on", "soft": True},
        )


@pytest.mark.parametrize(("state", "method"), [(True, "PUT"), (False, "DELETE")])
def test_set_maintenance(os_cloud: CloudRun, state: bool, method: str) -> None:
    os_cloud.add(method, "baremetal", "/v1/nodes/n1/maintenance", status=202)
    payload = {"node_id": "n1", "state": state, "maint_reason": "disk"}
    os_cloud.run("ironic.node_set_maintenance", payload)
    assert os_cloud.last.method == method


def node(state: str, last_error: str | None = None) -> dict[str, Any]:
    return {**NODE, "provision_state": state, "last_error": last_error}


def test_wait_success_through_inspect_wait(os_cloud: CloudRun) -> None:
    for state in ("inspecting", "inspect wait", "manageable"):
        os_cloud.add("GET", "baremetal", "/v1/nodes/n1", json=node(state))
    result = os_cloud.run(
        "ironic.node_wait_for_provision_state",
        {"node_id": "n1", "expected_state": "manageable", "poll_interval": 0},
    )
    assert result["provision_state"] == "manageable"


def test_wait_failure_names_last_error(os_cloud: CloudRun) -> None:
    error = "Failed to deploy: IPMI timeout"
    os_cloud.add("GET", "baremetal", "/v1/nodes/n1", json=node("deploy failed", error))
    with pytest.raises(ActionError) as caught:
        os_cloud.run(
            "ironic.node_wait_for_provision_state",
            {"node_id": "n1", "expected_state": "active"},
        )
    message = str(caught.value)
    assert "node n1 reached status 'deploy failed'" in message
    assert "failure statuses: error or * failed" in message
    assert error in message


def test_wait_timeout(os_cloud: CloudRun) -> None:
    os_cloud.add("GET", "baremetal", "/v1/nodes/n1", json=node("deploying"))
    with pytest.raises(ActionError, match="last status seen was 'deploying'"):
        os_cloud.run(
            "ironic.node_wait_for_provision_state",
            {
                "node_id": "n1",
                "expected_state": "active",
                "timeout": 0.03,
                "poll_interval": 0.01,
            },
        )


def test_ironic_error_message(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "GET",
        "baremetal",
        "/v1/nodes/zz",
        status=404,
        json={"error_message": '{"faultstring": "Node zz could not be found."}'},
    )
    with pytest.raises(ActionError, match="HTTP 404"):
        os_cloud.run("ironic.node_get", {"node_id": "zz"})
