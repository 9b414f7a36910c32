"""Bare-metal (ironic) node actions: list, show, update, states and waiting.

The actions declare baremetal 1.38 to 1.111: 1.38 is the lowest microversion
with every provision verb used here (rescue came last), and 1.111 is the
newest one they were checked against. From 1.39 on, asynchronous inspection
shows ``inspect wait`` rather than ``inspecting``; the waiting action treats
both as in progress.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from action_sdk import ActionError, RunContext, Secret, ServiceRequirement, action
from plugins.openstack.bodies import compact, json_body
from plugins.openstack.client_names import NodeUuid
from plugins.openstack.paging import collect
from plugins.openstack.waiting import Observation, StatusSet, wait_for_status

BAREMETAL = ServiceRequirement(
    "baremetal", 1, min_microversion="1.38", max_microversion="1.111"
)
#: Provision states that mean failure: "deploy failed", "clean failed", ...
PROVISION_FAILURES = ("error", "* failed")
#: Verbs of ``PUT /nodes/{id}/states/provision``. "deploy" and "undeploy" are
#: sent as "active" and "deleted", which every microversion accepts.
ProvisionTarget = Literal[
    "deploy",
    "active",
    "undeploy",
    "deleted",
    "rebuild",
    "manage",
    "provide",
    "inspect",
    "clean",
    "abort",
    "adopt",
    "rescue",
    "unrescue",
]
#: Power targets as ironicclient spells them (on, off, reboot) or as the API
#: does (power on, power off, rebooting, and the soft variants).
PowerTarget = Literal[
    "on",
    "off",
    "reboot",
    "power on",
    "power off",
    "rebooting",
    "soft power off",
    "soft rebooting",
]
_VERB_ALIASES = {"deploy": "active", "undeploy": "deleted"}
_POWER_TARGETS = {
    ("on", False): "power on",
    ("off", False): "power off",
    ("off", True): "soft power off",
    ("reboot", False): "rebooting",
    ("reboot", True): "soft rebooting",
}


def _node_path(node_id: str) -> str:
    if not node_id:
        raise ActionError("node_id is empty; give a node UUID or name")
    return f"/nodes/{node_id}"


def show_node(context: RunContext, node_id: str) -> dict[str, Any]:
    """Return the body of one node."""
    path = _node_path(node_id)
    body = json_body(context.services["baremetal"].get(path), f"baremetal GET {path}")
    if not isinstance(body, dict) or "uuid" not in body:
        raise ActionError(f"baremetal GET {path} returned no node", data={"body": body})
    return body


@action("ironic.node_list", version="1.0.0", requirements=(BAREMETAL,))
def node_list(
    context: RunContext,
    detail: bool = False,
    fields: list[str] | None = None,
    filters: dict[str, Any] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """List bare-metal nodes.

    Args:
        detail: Return full node bodies, not only uuid, name and states.
        fields: Node fields to return; cannot be combined with detail.
        filters: Query parameters such as provision_state, maintenance,
            associated or resource_class.
        limit: Maximum number of nodes to return; all when None.
    """
    if detail and fields:
        raise ActionError("give detail or fields, not both; ironic rejects the pair")
    params: dict[str, Any] = dict(filters or {})
    if fields:
        params["fields"] = ",".join(fields)
    if limit is not None:
        params["limit"] = limit
    path = "/nodes/detail" if detail else "/nodes"
    client = context.services["baremetal"]
    return collect(client, path, "nodes", params=params, limit=limit)


@action("ironic.node_get", version="1.0.0", requirements=(BAREMETAL,))
def node_get(context: RunContext, node_id: str) -> dict[str, Any]:
    """Show a bare-metal node.

    Args:
        node_id: UUID or name of the node.
    """
    return show_node(context, node_id)


@action("ironic.node_update", version="1.0.0", requirements=(BAREMETAL,))
def node_update(
    context: RunContext, node_id: str, patch: list[dict[str, Any]]
) -> dict[str, Any]:
    """Change a node with a JSON patch; return the node.

    Args:
        node_id: UUID or name of the node.
        patch: JSON patch operations, such as
            [{"op": "replace", "path": "/driver_info/ipmi_address",
            "value": "10.0.0.5"}].
    """
    if not patch:
        raise ActionError("patch is empty; give at least one JSON patch operation")
    path = _node_path(node_id)
    response = context.services["baremetal"].patch(path, json=patch)
    body = json_body(response, f"baremetal PATCH {path}")
    return dict(body) if isinstance(body, dict) else {"body": body}


@action("ironic.node_set_provision_state", version="1.0.0", requirements=(BAREMETAL,))
def node_set_provision_state(
    context: RunContext,
    node_id: NodeUuid,
    state: ProvisionTarget,
    configdrive: str | dict[str, Any] | None = None,
    cleansteps: list[dict[str, Any]] | None = None,
    rescue_password: Annotated[str | None, Secret] = None,
) -> None:
    """Move a node through its provisioning states; ironic works asynchronously.

    Wait for the end state with ironic.node_wait_for_provision_state: active
    after deploy, available after undeploy or provide, manageable after
    manage or inspect.

    Args:
        node_id: UUID or name of the node.
        state: The verb: deploy (or active), undeploy (or deleted), rebuild,
            manage, provide, inspect, clean, abort, adopt, rescue, unrescue.
        configdrive: Config drive for deploy and rebuild, as a URL, a
            gzipped base64 image or an object of meta_data, user_data and
            network_data.
        cleansteps: Steps of a manual clean; required for clean.
        rescue_password: Password of the rescue ramdisk; required for rescue.
    """
    target = _VERB_ALIASES.get(state, state)
    if target == "clean" and not cleansteps:
        raise ActionError(
            "clean needs cleansteps, such as "
            '[{"interface": "deploy", "step": "erase_devices"}]'
        )
    if target == "rescue" and not rescue_password:
        raise ActionError("rescue needs rescue_password")
    body = compact(
        {
            "target": target,
            "configdrive": configdrive,
            "clean_steps": cleansteps,
            "rescue_password": rescue_password,
        }
    )
    path = f"{_node_path(node_id)}/states/provision"
    context.services["baremetal"].put(path, json=body)


@action("ironic.node_set_power_state", version="1.0.0", requirements=(BAREMETAL,))
def node_set_power_state(
    context: RunContext,
    node_id: str,
    state: PowerTarget,
    soft: bool = False,
    timeout: int | None = None,
) -> None:
    """Power a node on, off or reboot it; ironic works asynchronously.

    Args:
        node_id: UUID or name of the node.
        state: on, off or reboot, or the API's power on, power off,
            rebooting, soft power off or soft rebooting.
        soft: With off or reboot, ask the OS to shut down first.
        timeout: Seconds ironic waits for the power state before failing.
    """
    if (state, soft) in _POWER_TARGETS:
        target = _POWER_TARGETS[(state, soft)]
    elif soft:
        raise ActionError(f"soft applies to the states off and reboot, not {state!r}")
    else:
        target = state
    body = compact({"target": target, "timeout": timeout})
    path = f"{_node_path(node_id)}/states/power"
    context.services["baremetal"].put(path, json=body)


@action("ironic.node_set_maintenance", version="1.0.0", requirements=(BAREMETAL,))
def node_set_maintenance(
    context: RunContext,
    node_id: str,
    state: bool,
    maint_reason: str | None = None,
) -> None:
    """Put a node into maintenance mode or take it out.

    Args:
        node_id: UUID or name of the node.
        state: True to enter maintenance, False to leave it.
        maint_reason: Reason recorded when entering maintenance.
    """
    path = f"{_node_path(node_id)}/maintenance"
    client = context.services["baremetal"]
    if state:
        client.put(path, json=compact({"reason": maint_reason}))
    else:
        client.delete(path)


@action(
    "ironic.node_wait_for_provision_state", version="1.0.0", requirements=(BAREMETAL,)
)
def node_wait_for_provision_state(
    context: RunContext,
    node_id: str,
    expected_state: str | list[str],
    failure_states: list[str] | None = None,
    timeout: float = 1800,
    poll_interval: float = 10,
) -> dict[str, Any]:
    """Wait until a node reaches a provision state; return the node.

    The error on failure names the last state, the failure states and the
    node's last_error.

    Args:
        node_id: UUID or name of the node.
        expected_state: Expected provision state, or several, such as
            active, available or manageable. Shell-style patterns match too.
        failure_states: States or patterns that end the wait with an error;
            "error" and "* failed" when None.
        timeout: Maximum seconds to wait.
        poll_interval: Seconds between reads.
    """
    expected = StatusSet.of(expected_state)
    failures = StatusSet.of(
        PROVISION_FAILURES if failure_states is None else failure_states
    )

    def read() -> Observation:
        node = show_node(context, node_id)
        return Observation(node.get("provision_state"), node)

    return wait_for_status(
        read,
        resource=f"node {node_id}",
        expected=expected,
        failures=failures,
        timeout=timeout,
        poll_interval=poll_interval,
        explain=lambda node: node.get("last_error") or None,
    )


ACTIONS = [
    node_list,
    node_get,
    node_update,
    node_set_provision_state,
    node_set_power_state,
    node_set_maintenance,
    node_wait_for_provision_state,
]
