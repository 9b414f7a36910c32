"""OpenStack actions given input under mistral-extra's parameter names.

mistral-extra names each parameter after the python-*client argument
(``server``), Levante after what it contains (``server_id``). Each row runs an
action twice, with Levante's names and with the client's, and the two runs
must send the same requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import CliRunner

from action_sdk import ActionInputError
from engine.spec.parser import parse
from registry.cli import actions
from registry.planning import WorkflowCheckError, check_workflow
from registry.registry import Registry
from registry.versions import explicit_versions

from .conftest import CloudRun


@dataclass(frozen=True)
class Case:
    action: str
    #: Canned response: method, service type, path, JSON body and status.
    method: str
    service: str
    path: str
    levante: dict[str, Any]
    mistral: dict[str, Any]
    json: Any = None
    status: int = 200

    @property
    def id(self) -> str:
        return f"{self.action}-{'-'.join(sorted(self.mistral))}"


SERVER = {"server": {"id": "s1", "status": "ACTIVE"}}
ACTION = "/servers/s1/action"
VOLUME = {"volume": {"id": "v1", "status": "available"}}
BODY = {"name": "renamed"}

CASES = [
    # nova servers
    Case(
        "nova.servers_get",
        "GET",
        "compute",
        "/servers/s1",
        {"server_id": "s1"},
        {"server": "s1"},
        json=SERVER,
    ),
    Case(
        "nova.servers_list",
        "GET",
        "compute",
        "/servers/detail",
        {"filters": {"name": "web"}},
        {"search_opts": {"name": "web"}},
        json={"servers": []},
    ),
    Case(
        "nova.servers_delete",
        "DELETE",
        "compute",
        "/servers/s1",
        {"server_id": "s1"},
        {"server": "s1"},
        status=204,
    ),
    Case(
        "nova.servers_update",
        "PUT",
        "compute",
        "/servers/s1",
        {"server_id": "s1", "name": "web2"},
        {"server": "s1", "name": "web2"},
        json=SERVER,
    ),
    Case(
        "nova.servers_wait_for_status",
        "GET",
        "compute",
        "/servers/s1",
        {"server_id": "s1"},
        {"server": "s1"},
        json=SERVER,
    ),
    Case(
        "nova.servers_reboot",
        "POST",
        "compute",
        ACTION,
        {"server_id": "s1", "reboot_type": "HARD"},
        {"server": "s1", "reboot_type": "HARD"},
        status=202,
    ),
    Case(
        "nova.servers_start",
        "POST",
        "compute",
        ACTION,
        {"server_id": "s1"},
        {"server": "s1"},
        status=202,
    ),
    Case(
        "nova.servers_stop",
        "POST",
        "compute",
        ACTION,
        {"server_id": "s1"},
        {"server": "s1"},
        status=202,
    ),
    Case(
        "nova.servers_rebuild",
        "POST",
        "compute",
        ACTION,
        {"server_id": "s1", "image": "i2", "name": "web2"},
        {"server": "s1", "image": "i2", "name": "web2"},
        json=SERVER,
        status=202,
    ),
    Case(
        "nova.servers_resize",
        "POST",
        "compute",
        ACTION,
        {"server_id": "s1", "flavor": "f2"},
        {"server": "s1", "flavor": "f2"},
        status=202,
    ),
    Case(
        "nova.servers_confirm_resize",
        "POST",
        "compute",
        ACTION,
        {"server_id": "s1"},
        {"server": "s1"},
        status=202,
    ),
    Case(
        "nova.servers_revert_resize",
        "POST",
        "compute",
        ACTION,
        {"server_id": "s1"},
        {"server": "s1"},
        status=202,
    ),
    Case(
        "nova.servers_migrate",
        "POST",
        "compute",
        ACTION,
        {"server_id": "s1", "host": "c2"},
        {"server": "s1", "host": "c2"},
        status=202,
    ),
    Case(
        "nova.servers_live_migrate",
        "POST",
        "compute",
        ACTION,
        {"server_id": "s1", "host": "c2"},
        {"server": "s1", "host": "c2"},
        status=202,
    ),
    Case(
        "nova.servers_create_image",
        "POST",
        "compute",
        ACTION,
        {"server_id": "s1", "image_name": "snap"},
        {"server": "s1", "image_name": "snap"},
        json={"image_id": "i9"},
        status=202,
    ),
    Case(
        "nova.flavors_get",
        "GET",
        "compute",
        "/flavors/f1",
        {"flavor_id": "f1"},
        {"flavor": "f1"},
        json={"flavor": {"id": "f1"}},
    ),
    Case(
        "nova.hypervisors_get",
        "GET",
        "compute",
        "/os-hypervisors/h1",
        {"hypervisor_id": "h1"},
        {"hypervisor": "h1"},
        json={"hypervisor": {"id": "h1"}},
    ),
    Case(
        "nova.server_groups_get",
        "GET",
        "compute",
        "/os-server-groups/g1",
        {"server_group_id": "g1"},
        {"id": "g1"},
        json={"server_group": {"id": "g1", "policy": "affinity"}},
    ),
    Case(
        "nova.server_groups_delete",
        "DELETE",
        "compute",
        "/os-server-groups/g1",
        {"server_group_id": "g1"},
        {"id": "g1"},
        status=204,
    ),
    # cinder
    Case(
        "cinder.volumes_get",
        "GET",
        "block-storage",
        "/volumes/v1",
        {"volume_id": "v1"},
        {"volume": "v1"},
        json=VOLUME,
    ),
    Case(
        "cinder.volumes_list",
        "GET",
        "block-storage",
        "/volumes/detail",
        {"filters": {"status": "available"}},
        {"search_opts": {"status": "available"}},
        json={"volumes": []},
    ),
    Case(
        "cinder.volumes_delete",
        "DELETE",
        "block-storage",
        "/volumes/v1",
        {"volume_id": "v1", "cascade": True},
        {"volume": "v1", "cascade": True},
        status=202,
    ),
    Case(
        "cinder.volumes_update",
        "PUT",
        "block-storage",
        "/volumes/v1",
        {"volume_id": "v1", "name": "data"},
        {"volume": "v1", "name": "data"},
        json=VOLUME,
    ),
    Case(
        "cinder.volumes_extend",
        "POST",
        "block-storage",
        "/volumes/v1/action",
        {"volume_id": "v1", "new_size": 20},
        {"volume": "v1", "new_size": 20},
        status=202,
    ),
    Case(
        "cinder.volumes_wait_for_status",
        "GET",
        "block-storage",
        "/volumes/v1",
        {"volume_id": "v1"},
        {"volume": "v1"},
        json=VOLUME,
    ),
    Case(
        "cinder.volume_snapshots_delete",
        "DELETE",
        "block-storage",
        "/snapshots/p1",
        {"snapshot_id": "p1"},
        {"snapshot": "p1"},
        status=202,
    ),
    Case(
        "cinder.volume_snapshots_list",
        "GET",
        "block-storage",
        "/snapshots/detail",
        {"filters": {"volume_id": "v1"}},
        {"search_opts": {"volume_id": "v1"}},
        json={"snapshots": []},
    ),
    Case(
        "cinder.attachments_show",
        "GET",
        "block-storage",
        "/attachments/a1",
        {"attachment_id": "a1"},
        {"id": "a1"},
        json={"attachment": {"id": "a1"}},
    ),
    Case(
        "cinder.attachments_delete",
        "DELETE",
        "block-storage",
        "/attachments/a1",
        {"attachment_id": "a1"},
        {"attachment": "a1"},
    ),
    Case(
        "cinder.attachments_complete",
        "POST",
        "block-storage",
        "/attachments/a1/action",
        {"attachment_id": "a1"},
        {"attachment": "a1"},
        status=204,
    ),
    # neutron
    Case(
        "neutron.show_network",
        "GET",
        "network",
        "/v2.0/networks/n1",
        {"network_id": "n1", "fields": ["id"]},
        {"network": "n1", "fields": ["id"]},
        json={"network": {"id": "n1"}},
    ),
    Case(
        "neutron.update_network",
        "PUT",
        "network",
        "/v2.0/networks/n1",
        {"network_id": "n1", "body": {"network": BODY}},
        {"network": "n1", "body": {"network": BODY}},
        json={"network": {"id": "n1"}},
    ),
    Case(
        "neutron.delete_network",
        "DELETE",
        "network",
        "/v2.0/networks/n1",
        {"network_id": "n1"},
        {"network": "n1"},
        status=204,
    ),
    Case(
        "neutron.show_subnet",
        "GET",
        "network",
        "/v2.0/subnets/u1",
        {"subnet_id": "u1"},
        {"subnet": "u1"},
        json={"subnet": {"id": "u1"}},
    ),
    Case(
        "neutron.update_subnet",
        "PUT",
        "network",
        "/v2.0/subnets/u1",
        {"subnet_id": "u1", "body": BODY},
        {"subnet": "u1", "body": BODY},
        json={"subnet": {"id": "u1"}},
    ),
    Case(
        "neutron.delete_subnet",
        "DELETE",
        "network",
        "/v2.0/subnets/u1",
        {"subnet_id": "u1"},
        {"subnet": "u1"},
        status=204,
    ),
    Case(
        "neutron.show_port",
        "GET",
        "network",
        "/v2.0/ports/p1",
        {"port_id": "p1"},
        {"port": "p1"},
        json={"port": {"id": "p1"}},
    ),
    Case(
        "neutron.update_port",
        "PUT",
        "network",
        "/v2.0/ports/p1",
        {"port_id": "p1", "body": {"port": BODY}},
        {"port": "p1", "body": {"port": BODY}},
        json={"port": {"id": "p1"}},
    ),
    Case(
        "neutron.delete_port",
        "DELETE",
        "network",
        "/v2.0/ports/p1",
        {"port_id": "p1"},
        {"port": "p1"},
        status=204,
    ),
    Case(
        "neutron.show_router",
        "GET",
        "network",
        "/v2.0/routers/r1",
        {"router_id": "r1"},
        {"router": "r1"},
        json={"router": {"id": "r1"}},
    ),
    Case(
        "neutron.update_router",
        "PUT",
        "network",
        "/v2.0/routers/r1",
        {"router_id": "r1", "body": BODY},
        {"router": "r1", "body": BODY},
        json={"router": {"id": "r1"}},
    ),
    Case(
        "neutron.delete_router",
        "DELETE",
        "network",
        "/v2.0/routers/r1",
        {"router_id": "r1"},
        {"router": "r1"},
        status=204,
    ),
    Case(
        "neutron.add_interface_router",
        "PUT",
        "network",
        "/v2.0/routers/r1/add_router_interface",
        {"router_id": "r1", "body": {"subnet_id": "u1"}},
        {"router": "r1", "body": {"subnet_id": "u1"}},
        json={"id": "r1"},
    ),
    Case(
        "neutron.remove_interface_router",
        "PUT",
        "network",
        "/v2.0/routers/r1/remove_router_interface",
        {"router_id": "r1", "body": {"port_id": "p1"}},
        {"router": "r1", "body": {"port_id": "p1"}},
        json={"id": "r1"},
    ),
    Case(
        "neutron.show_floatingip",
        "GET",
        "network",
        "/v2.0/floatingips/f1",
        {"floatingip_id": "f1"},
        {"floatingip": "f1"},
        json={"floatingip": {"id": "f1"}},
    ),
    Case(
        "neutron.update_floatingip",
        "PUT",
        "network",
        "/v2.0/floatingips/f1",
        {"floatingip_id": "f1", "body": {"port_id": None}},
        {"floatingip": "f1", "body": {"port_id": None}},
        json={"floatingip": {"id": "f1"}},
    ),
    Case(
        "neutron.delete_floatingip",
        "DELETE",
        "network",
        "/v2.0/floatingips/f1",
        {"floatingip_id": "f1"},
        {"floatingip": "f1"},
        status=204,
    ),
    Case(
        "neutron.show_security_group",
        "GET",
        "network",
        "/v2.0/security-groups/g1",
        {"security_group_id": "g1"},
        {"security_group": "g1"},
        json={"security_group": {"id": "g1"}},
    ),
    Case(
        "neutron.update_security_group",
        "PUT",
        "network",
        "/v2.0/security-groups/g1",
        {"security_group_id": "g1", "body": BODY},
        {"security_group": "g1", "body": BODY},
        json={"security_group": {"id": "g1"}},
    ),
    Case(
        "neutron.delete_security_group",
        "DELETE",
        "network",
        "/v2.0/security-groups/g1",
        {"security_group_id": "g1"},
        {"security_group": "g1"},
        status=204,
    ),
    Case(
        "neutron.show_security_group_rule",
        "GET",
        "network",
        "/v2.0/security-group-rules/r1",
        {"security_group_rule_id": "r1"},
        {"security_group_rule": "r1"},
        json={"security_group_rule": {"id": "r1"}},
    ),
    Case(
        "neutron.delete_security_group_rule",
        "DELETE",
        "network",
        "/v2.0/security-group-rules/r1",
        {"security_group_rule_id": "r1"},
        {"security_group_rule": "r1"},
        status=204,
    ),
    # ironic
    Case(
        "ironic.node_set_provision_state",
        "PUT",
        "baremetal",
        "/v1/nodes/n1/states/provision",
        {"node_id": "n1", "state": "manage"},
        {"node_uuid": "n1", "state": "manage"},
        status=202,
    ),
    # keystone
    Case(
        "keystone.projects_get",
        "GET",
        "identity",
        "/v3/projects/p1",
        {"project_id": "p1"},
        {"project": "p1"},
        json={"project": {"id": "p1"}},
    ),
    Case(
        "keystone.users_get",
        "GET",
        "identity",
        "/v3/users/u1",
        {"user_id": "u1"},
        {"user": "u1"},
        json={"user": {"id": "u1"}},
    ),
    Case(
        "keystone.projects_list",
        "GET",
        "identity",
        "/v3/users/u1/projects",
        {"user_id": "u1", "domain_id": "d1"},
        {"user": "u1", "domain": "d1"},
        json={"projects": []},
    ),
    Case(
        "keystone.users_list",
        "GET",
        "identity",
        "/v3/groups/g1/users",
        {"group_id": "g1", "domain_id": "d1"},
        {"group": "g1", "domain": "d1"},
        json={"users": []},
    ),
]


def requests_of(os_cloud: CloudRun, payload: dict[str, Any], action: str) -> list[Any]:
    """Return (method, URL, body) of each request that one run of the action sent."""
    os_cloud.resolve(action)  # discovers the cloud's versions once, before counting
    before = len(os_cloud.service_calls())
    os_cloud.run(action, payload)
    return [
        (call.request.method, call.request.url, call.request.body)
        for call in os_cloud.service_calls()[before:]
    ]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_mistral_names_send_same_requests(os_cloud: CloudRun, case: Case) -> None:
    os_cloud.add(
        case.method, case.service, case.path, json=case.json, status=case.status
    )
    levante = requests_of(os_cloud, case.levante, case.action)
    mistral = requests_of(os_cloud, case.mistral, case.action)
    assert levante, "the action sent no request"
    assert mistral == levante
    method, url, _ = mistral[-1]
    assert method == case.method
    assert case.path.split("/")[-1] in url


def test_every_row_uses_an_alias(os_cloud: CloudRun) -> None:
    for case in CASES:
        descriptor = os_cloud.resolve(case.action).descriptor
        aliases = {alias for param in descriptor.parameters for alias in param.aliases}
        assert set(case.mistral) - set(case.levante) <= aliases, case.action
        assert set(case.mistral) != set(case.levante), case.action


def test_name_and_alias_together_rejected(os_cloud: CloudRun) -> None:
    with pytest.raises(ActionInputError) as caught:
        os_cloud.run("nova.servers_reboot", {"server_id": "s1", "server": "s2"})
    assert "'server_id' and alias 'server'" in caught.value.message
    assert os_cloud.service_calls() == []


def test_unknown_name_lists_alias(os_cloud: CloudRun) -> None:
    with pytest.raises(ActionInputError) as caught:
        os_cloud.run("nova.servers_reboot", {"instance": "s1"})
    assert caught.value.unexpected == ["instance"]
    assert "server_id (required, alias server)" in caught.value.message


def test_input_schema_shows_alias(os_cloud: CloudRun) -> None:
    schema = os_cloud.resolve("nova.servers_reboot").descriptor.input_schema()
    assert schema["properties"]["server_id"]["x-aliases"] == ["server"]


def test_heat_tags_as_text(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "POST", "orchestration", "/stacks", json={"stack": {"id": "k1"}}, status=201
    )
    template = {"heat_template_version": "2018-08-31"}
    text_tags = {"stack_name": "s", "template": template, "tags": "a,b"}
    list_tags = {**text_tags, "tags": ["a", "b"]}
    assert requests_of(os_cloud, text_tags, "heat.stacks_create") == requests_of(
        os_cloud, list_tags, "heat.stacks_create"
    )
    assert os_cloud.last_json()["tags"] == "a,b"


MISTRAL_WORKFLOW = """
version: '2.0'
reboot:
  input: [id]
  tasks:
    reboot:
      action: nova.servers_reboot server=<% $.id %> reboot_type="HARD"
    extend:
      action: cinder.volumes_extend
      input:
        volume: v1
        new_size: 20
"""

BOTH_NAMES = """
version: '2.0'
reboot:
  tasks:
    reboot:
      action: nova.servers_reboot server="s1" server_id="s1"
"""


@pytest.fixture(scope="module")
def registry() -> Registry:
    from registry.discovery import load_plugins

    return Registry(load_plugins())


def test_plan_accepts_mistral_names(registry: Registry) -> None:
    versions = explicit_versions(["compute=2.60", "block-storage=3.50"])
    plans = {
        p.task: p for p in check_workflow(parse(MISTRAL_WORKFLOW), versions, registry)
    }
    assert plans["reboot"].problems == ()
    assert plans["reboot"].dynamic_input == ("server",)
    assert plans["reboot"].input == {"reboot_type": "HARD"}
    assert plans["extend"].problems == ()
    assert plans["extend"].input == {"volume": "v1", "new_size": 20}


def test_plan_rejects_name_and_alias(registry: Registry) -> None:
    versions = explicit_versions(["compute=2.60"])
    with pytest.raises(WorkflowCheckError) as caught:
        check_workflow(parse(BOTH_NAMES), versions, registry)
    message = str(caught.value)
    assert "parameter 'server_id' is given more than once" in message
    assert "'server' and 'server_id'" in message


def test_actions_show_lists_alias(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEVANTE_DB_URL", f"sqlite:///{tmp_path / 'levante.sqlite'}")
    result = CliRunner().invoke(actions, ["show", "nova.servers_reboot"])
    assert result.exit_code == 0, result.output
    assert "input server_id: string, required, alias server" in result.output
