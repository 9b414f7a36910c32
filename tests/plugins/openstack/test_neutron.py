"""Neutron actions: every resource's list, show, create, update and delete."""

from __future__ import annotations

import pytest

from action_sdk import ActionError

from .conftest import CloudRun

#: (singular, plural, path below /v2.0, whether it has an update action)
RESOURCES = [
    ("network", "networks", "/networks", True),
    ("subnet", "subnets", "/subnets", True),
    ("port", "ports", "/ports", True),
    ("security_group", "security_groups", "/security-groups", True),
    ("security_group_rule", "security_group_rules", "/security-group-rules", False),
    ("router", "routers", "/routers", True),
    ("floatingip", "floatingips", "/floatingips", True),
]
IDS = [resource[0] for resource in RESOURCES]


@pytest.mark.parametrize(("singular", "plural", "path", "_"), RESOURCES, ids=IDS)
def test_list(
    os_cloud: CloudRun, singular: str, plural: str, path: str, _: bool
) -> None:
    endpoint = os_cloud.cloud.endpoint("network").rstrip("/")
    first = {
        plural: [{"id": "a"}],
        f"{plural}_links": [{"rel": "next", "href": f"{endpoint}/v2.0{path}?marker=a"}],
    }
    os_cloud.add("GET", "network", f"/v2.0{path}?name=x", json=first)
    os_cloud.add(
        "GET", "network", f"/v2.0{path}?name=x&marker=a", json={plural: [{"id": "b"}]}
    )
    result = os_cloud.run(f"neutron.list_{plural}", {"filters": {"name": "x"}})
    assert result == {plural: [{"id": "a"}, {"id": "b"}]}


@pytest.mark.parametrize(("singular", "plural", "path", "_"), RESOURCES, ids=IDS)
def test_show(
    os_cloud: CloudRun, singular: str, plural: str, path: str, _: bool
) -> None:
    os_cloud.add("GET", "network", f"/v2.0{path}/r1", json={singular: {"id": "r1"}})
    result = os_cloud.run(f"neutron.show_{singular}", {f"{singular}_id": "r1"})
    assert result == {singular: {"id": "r1"}}
    assert "OpenStack-API-Version" not in os_cloud.last.headers


@pytest.mark.parametrize(("singular", "plural", "path", "_"), RESOURCES, ids=IDS)
@pytest.mark.parametrize("wrapped", [True, False], ids=["wrapped", "bare"])
def test_create(
    os_cloud: CloudRun, singular: str, plural: str, path: str, _: bool, wrapped: bool
) -> None:
    os_cloud.add(
        "POST", "network", f"/v2.0{path}", json={singular: {"id": "r1"}}, status=201
    )
    attributes = {"name": "x"}
    body = {singular: attributes} if wrapped else attributes
    result = os_cloud.run(f"neutron.create_{singular}", {"body": body})
    assert result == {singular: {"id": "r1"}}
    assert os_cloud.last_json() == {singular: attributes}


UPDATABLE = [resource for resource in RESOURCES if resource[3]]


@pytest.mark.parametrize(
    ("singular", "plural", "path", "_"), UPDATABLE, ids=[r[0] for r in UPDATABLE]
)
def test_update(
    os_cloud: CloudRun, singular: str, plural: str, path: str, _: bool
) -> None:
    os_cloud.add("PUT", "network", f"/v2.0{path}/r1", json={singular: {"id": "r1"}})
    payload = {f"{singular}_id": "r1", "body": {singular: {"name": "y"}}}
    assert os_cloud.run(f"neutron.update_{singular}", payload) == {
        singular: {"id": "r1"}
    }
    assert os_cloud.last_json() == {singular: {"name": "y"}}


@pytest.mark.parametrize(("singular", "plural", "path", "_"), RESOURCES, ids=IDS)
def test_delete(
    os_cloud: CloudRun, singular: str, plural: str, path: str, _: bool
) -> None:
    os_cloud.add("DELETE", "network", f"/v2.0{path}/r1", status=204)
    assert os_cloud.run(f"neutron.delete_{singular}", {f"{singular}_id": "r1"}) is None


def test_no_rule_update(os_cloud: CloudRun) -> None:
    assert "neutron.update_security_group_rule" not in os_cloud.catalog.actions


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "body is empty"),
        ({"network": {"name": "x"}, "shared": True}, "body must be"),
        ({"network": "x"}, "body must be"),
    ],
)
def test_create_rejects_body(
    os_cloud: CloudRun, body: dict[str, object], message: str
) -> None:
    with pytest.raises(ActionError, match=message):
        os_cloud.run("neutron.create_network", {"body": body})


def test_show_fields(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "GET",
        "network",
        "/v2.0/ports/p1?fields=id&fields=status",
        json={"port": {"id": "p1", "status": "ACTIVE"}},
    )
    result = os_cloud.run(
        "neutron.show_port", {"port_id": "p1", "fields": ["id", "status"]}
    )
    assert result == {"port": {"id": "p1", "status": "ACTIVE"}}


@pytest.mark.parametrize(
    ("name", "operation"),
    [
        ("neutron.add_interface_router", "add_router_interface"),
        ("neutron.remove_interface_router", "remove_router_interface"),
    ],
)
def test_router_interfaces(os_cloud: CloudRun, name: str, operation: str) -> None:
    answer = {"id": "r1", "subnet_id": "sn1", "port_id": "p9"}
    os_cloud.add("PUT", "network", f"/v2.0/routers/r1/{operation}", json=answer)
    payload = {"router_id": "r1", "body": {"subnet_id": "sn1"}}
    assert os_cloud.run(name, payload) == answer
    assert os_cloud.last_json() == {"subnet_id": "sn1"}


def test_router_interface_needs_subnet_or_port(os_cloud: CloudRun) -> None:
    with pytest.raises(ActionError, match="subnet_id or a port_id"):
        os_cloud.run(
            "neutron.add_interface_router", {"router_id": "r1", "body": {"x": 1}}
        )


def test_neutron_error_message(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "GET",
        "network",
        "/v2.0/networks/zz",
        status=404,
        json={
            "NeutronError": {
                "type": "NetworkNotFound",
                "message": "Network zz could not be found.",
                "detail": "",
            }
        },
    )
    with pytest.raises(ActionError, match="Network zz could not be found"):
        os_cloud.run("neutron.show_network", {"network_id": "zz"})
