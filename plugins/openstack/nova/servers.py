"""Compute (nova) server actions: list, show, create, update, delete and wait.

``nova.servers_list`` and ``nova.servers_get`` come in two versions because
compute 2.47 changed the server body. Below 2.47 a server's ``flavor`` is a
reference ``{"id", "links"}``. From 2.47 on the flavor is embedded
(``original_name``, ``vcpus``, ``ram``, ``disk``, ``ephemeral``, ``swap``,
``extra_specs``) and has no id.

``nova.servers_create`` comes in two versions because compute 2.37 made the
``networks`` key required. Version 1 may leave it out, and version 2 sends
``auto`` by default.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any, Literal

from action_sdk import ActionError, RunContext, Secret, action
from plugins.openstack.bodies import compact, member
from plugins.openstack.client_names import SearchOpts, ServerId
from plugins.openstack.nova.requirements import (
    COMPUTE,
    FLAVOR_EMBEDDED,
    FLAVOR_REFERENCE,
    compute_range,
)
from plugins.openstack.paging import collect
from plugins.openstack.waiting import (
    Observation,
    StatusSet,
    wait_for_status,
)

#: Keys of a novaclient ``nics`` entry, mapped to the compute API's keys.
_NIC_KEYS = {
    "net-id": "uuid",
    "port-id": "port",
    "v4-fixed-ip": "fixed_ip",
    "v6-fixed-ip": "fixed_ip",
    "uuid": "uuid",
    "port": "port",
    "fixed_ip": "fixed_ip",
    "tag": "tag",
}
Nics = list[dict[str, Any]] | Literal["auto", "none"]


def _list_servers(
    context: RunContext,
    detailed: bool,
    all_projects: bool,
    filters: dict[str, Any] | None,
    limit: int | None,
) -> list[dict[str, Any]]:
    params: dict[str, Any] = dict(filters or {})
    if all_projects:
        params["all_tenants"] = True
    if limit is not None:
        params["limit"] = limit
    path = "/servers/detail" if detailed else "/servers"
    return collect(
        context.services["compute"], path, "servers", params=params, limit=limit
    )


def show_server(context: RunContext, server_id: str) -> dict[str, Any]:
    """Return the body of one server at the client's microversion."""
    path = f"/servers/{server_id}"
    response = context.services["compute"].get(path)
    return member(response, "server", f"compute GET {path}")


@action("nova.servers_list", version="1.0.0", requirements=(FLAVOR_REFERENCE,))
def servers_list_v1(
    context: RunContext,
    detailed: bool = True,
    all_projects: bool = False,
    filters: SearchOpts = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """List servers, each flavor as a reference with its id (compute 2.1 to 2.46).

    Args:
        detailed: Return full server bodies, not only id, name and links.
        all_projects: List the servers of every project (admin only).
        filters: Query parameters such as name, status or host.
        limit: Maximum number of servers to return; all when None.
    """
    return _list_servers(context, detailed, all_projects, filters, limit)


@action("nova.servers_list", version="2.0.0", requirements=(FLAVOR_EMBEDDED,))
def servers_list_v2(
    context: RunContext,
    detailed: bool = True,
    all_projects: bool = False,
    filters: SearchOpts = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """List servers, each flavor embedded with its name and sizes (compute 2.47 on).

    Args:
        detailed: Return full server bodies, not only id, name and links.
        all_projects: List the servers of every project (admin only).
        filters: Query parameters such as name, status or host.
        limit: Maximum number of servers to return; all when None.
    """
    return _list_servers(context, detailed, all_projects, filters, limit)


@action("nova.servers_get", version="1.0.0", requirements=(FLAVOR_REFERENCE,))
def servers_get_v1(context: RunContext, server_id: ServerId) -> dict[str, Any]:
    """Show one server, its flavor as a reference with its id (compute 2.1 to 2.46).

    Args:
        server_id: Id of the server.
    """
    return show_server(context, server_id)


@action("nova.servers_get", version="2.0.0", requirements=(FLAVOR_EMBEDDED,))
def servers_get_v2(context: RunContext, server_id: ServerId) -> dict[str, Any]:
    """Show one server, its flavor embedded with its name and sizes (compute 2.47 on).

    Args:
        server_id: Id of the server.
    """
    return show_server(context, server_id)


def network_entries(nics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Convert novaclient-style ``nics`` entries to compute ``networks`` entries.

    Both spellings are accepted: ``net-id``, ``port-id``, ``v4-fixed-ip`` and
    ``v6-fixed-ip`` as novaclient writes them, or the API's own ``uuid``,
    ``port``, ``fixed_ip`` and ``tag``.

    Raises:
        ActionError: An entry is not an object or has another key.
    """
    networks = []
    for index, nic in enumerate(nics):
        if not isinstance(nic, dict):
            raise ActionError(f"nics[{index}] must be an object, got {nic!r}")
        unknown = sorted(key for key in nic if key not in _NIC_KEYS)
        if unknown:
            raise ActionError(
                f"nics[{index}] has unknown keys {unknown}; allowed keys: "
                f"{', '.join(_NIC_KEYS)}. Give a network by id, not by name"
            )
        networks.append({_NIC_KEYS[key]: value for key, value in nic.items()})
    return networks


def _server_body(
    *,
    name: str,
    flavor: str,
    image: str | None,
    networks: list[dict[str, Any]] | str | None,
    key_name: str | None,
    security_groups: list[str] | None,
    availability_zone: str | None,
    userdata: str | None,
    meta: dict[str, str] | None,
    block_device_mapping_v2: list[dict[str, Any]] | None,
    config_drive: bool | None,
    scheduler_hints: dict[str, Any] | None,
    admin_pass: str | None,
    min_count: int | None,
    max_count: int | None,
    description: str | None,
) -> dict[str, Any]:
    server = compact(
        {
            "name": name,
            "imageRef": image,
            "flavorRef": flavor,
            "networks": networks,
            "key_name": key_name,
            "availability_zone": availability_zone,
            "metadata": meta,
            "block_device_mapping_v2": block_device_mapping_v2,
            "config_drive": config_drive,
            "adminPass": admin_pass,
            "min_count": min_count,
            "max_count": max_count,
            "description": description,
        }
    )
    if userdata is not None:
        server["user_data"] = base64.b64encode(userdata.encode()).decode("ascii")
    if security_groups:
        server["security_groups"] = [{"name": group} for group in security_groups]
    body: dict[str, Any] = {"server": server}
    if scheduler_hints:
        body["os:scheduler_hints"] = scheduler_hints
    return body


def _create_server(context: RunContext, body: dict[str, Any]) -> dict[str, Any]:
    response = context.services["compute"].post("/servers", json=body)
    return member(response, "server", "compute POST /servers")


@action(
    "nova.servers_create", version="1.0.0", requirements=(compute_range("2.1", "2.36"),)
)
def servers_create_v1(
    context: RunContext,
    name: str,
    flavor: str,
    image: str | None = None,
    nics: list[dict[str, Any]] | None = None,
    key_name: str | None = None,
    security_groups: list[str] | None = None,
    availability_zone: str | None = None,
    userdata: str | None = None,
    meta: dict[str, str] | None = None,
    block_device_mapping_v2: list[dict[str, Any]] | None = None,
    config_drive: bool | None = None,
    scheduler_hints: dict[str, Any] | None = None,
    admin_pass: Annotated[str | None, Secret] = None,
    min_count: int | None = None,
    max_count: int | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """Create a server; networks may be left out (compute 2.1 to 2.36).

    Returns the server as the create request returns it: id, links and the
    generated ``adminPass``. Wait with nova.servers_wait_for_status.

    Args:
        name: Name of the server.
        flavor: Id of the flavor.
        image: Id of the image; None when booting from a volume.
        nics: Networks as novaclient entries (``net-id``, ``port-id``,
            ``v4-fixed-ip``) or API entries (``uuid``, ``port``, ``fixed_ip``);
            nova picks the networks when None.
        key_name: Name of the key pair to inject.
        security_groups: Names of the security groups.
        availability_zone: Availability zone, optionally ``zone:host``.
        userdata: User data as text; it is sent base64-encoded.
        meta: Server metadata.
        block_device_mapping_v2: Block device mapping entries.
        config_drive: Attach a configuration drive.
        scheduler_hints: Scheduler hints such as ``group``.
        admin_pass: Administrator password; nova generates one when None.
        min_count: Minimum number of servers to create.
        max_count: Maximum number of servers to create.
        description: Description of the server (compute 2.19 or later).
    """
    networks = network_entries(nics) if nics is not None else None
    body = _server_body(
        name=name,
        flavor=flavor,
        image=image,
        networks=networks,
        key_name=key_name,
        security_groups=security_groups,
        availability_zone=availability_zone,
        userdata=userdata,
        meta=meta,
        block_device_mapping_v2=block_device_mapping_v2,
        config_drive=config_drive,
        scheduler_hints=scheduler_hints,
        admin_pass=admin_pass,
        min_count=min_count,
        max_count=max_count,
        description=description,
    )
    return _create_server(context, body)


@action("nova.servers_create", version="2.0.0", requirements=(compute_range("2.37"),))
def servers_create_v2(
    context: RunContext,
    name: str,
    flavor: str,
    image: str | None = None,
    nics: Nics = "auto",
    key_name: str | None = None,
    security_groups: list[str] | None = None,
    availability_zone: str | None = None,
    userdata: str | None = None,
    meta: dict[str, str] | None = None,
    block_device_mapping_v2: list[dict[str, Any]] | None = None,
    config_drive: bool | None = None,
    scheduler_hints: dict[str, Any] | None = None,
    admin_pass: Annotated[str | None, Secret] = None,
    min_count: int | None = None,
    max_count: int | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """Create a server; networks are always sent, "auto" by default (compute 2.37 on).

    Returns the server as the create request returns it: id, links and the
    generated ``adminPass``. Wait with nova.servers_wait_for_status.

    Args:
        name: Name of the server.
        flavor: Id of the flavor.
        image: Id of the image; None when booting from a volume.
        nics: "auto" (nova attaches or allocates a network), "none", or a
            list of novaclient entries (``net-id``, ``port-id``,
            ``v4-fixed-ip``) or API entries (``uuid``, ``port``, ``fixed_ip``).
        key_name: Name of the key pair to inject.
        security_groups: Names of the security groups.
        availability_zone: Availability zone, optionally ``zone:host``.
        userdata: User data as text; it is sent base64-encoded.
        meta: Server metadata.
        block_device_mapping_v2: Block device mapping entries.
        config_drive: Attach a configuration drive.
        scheduler_hints: Scheduler hints such as ``group``.
        admin_pass: Administrator password; nova generates one when None.
        min_count: Minimum number of servers to create.
        max_count: Maximum number of servers to create.
        description: Description of the server.
    """
    networks = nics if isinstance(nics, str) else network_entries(nics)
    body = _server_body(
        name=name,
        flavor=flavor,
        image=image,
        networks=networks,
        key_name=key_name,
        security_groups=security_groups,
        availability_zone=availability_zone,
        userdata=userdata,
        meta=meta,
        block_device_mapping_v2=block_device_mapping_v2,
        config_drive=config_drive,
        scheduler_hints=scheduler_hints,
        admin_pass=admin_pass,
        min_count=min_count,
        max_count=max_count,
        description=description,
    )
    return _create_server(context, body)


@action(
    "nova.servers_update",
    version="1.0.0",
    requirements=(compute_range("2.19", "2.46"),),
)
def servers_update(
    context: RunContext,
    server_id: ServerId,
    name: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """Rename a server or change its description (compute 2.19 to 2.46).

    Returns the server as the update response shows it, its flavor as a
    reference with its id.

    Args:
        server_id: Id of the server.
        name: New name.
        description: New description.
    """
    changes = compact({"name": name, "description": description})
    if not changes:
        raise ActionError("nothing to update; give name, description or both")
    path = f"/servers/{server_id}"
    response = context.services["compute"].put(path, json={"server": changes})
    return member(response, "server", f"compute PUT {path}")


@action("nova.servers_delete", version="1.0.0", requirements=(COMPUTE,))
def servers_delete(context: RunContext, server_id: ServerId) -> None:
    """Delete a server; the call returns once nova accepted the request.

    Wait for the status DELETED with nova.servers_wait_for_status.

    Args:
        server_id: Id of the server.
    """
    context.services["compute"].delete(f"/servers/{server_id}")


@action("nova.servers_wait_for_status", version="1.0.0", requirements=(COMPUTE,))
def servers_wait_for_status(
    context: RunContext,
    server_id: ServerId,
    status: str | list[str] = "ACTIVE",
    failure_statuses: list[str] | None = None,
    timeout: float = 600,
    poll_interval: float = 5,
) -> dict[str, Any]:
    """Wait until a server reaches a status; return the server (compute 2.1 body).

    The server is read every ``poll_interval`` seconds. The status DELETED
    means the server is gone. The error on failure names the last status,
    the failure statuses and nova's fault message.

    Args:
        server_id: Id of the server.
        status: Expected status, or several, such as ACTIVE or SHUTOFF.
            Shell-style patterns such as ``VERIFY_*`` match too.
        failure_statuses: Statuses or patterns that end the wait with an
            error; ERROR when None.
        timeout: Maximum seconds to wait.
        poll_interval: Seconds between reads.
    """
    expected = StatusSet.of(status)
    failures = StatusSet.of(["ERROR"] if failure_statuses is None else failure_statuses)

    def read() -> Observation:
        server = show_server(context, server_id)
        return Observation(server.get("status"), server)

    return wait_for_status(
        read,
        resource=f"server {server_id}",
        expected=expected,
        failures=failures,
        timeout=timeout,
        poll_interval=poll_interval,
        explain=_fault_message,
    )


def _fault_message(server: dict[str, Any]) -> str | None:
    fault = server.get("fault")
    if isinstance(fault, dict) and fault.get("message"):
        return str(fault["message"])
    return None


ACTIONS = [
    servers_list_v1,
    servers_list_v2,
    servers_get_v1,
    servers_get_v2,
    servers_create_v1,
    servers_create_v2,
    servers_update,
    servers_delete,
    servers_wait_for_status,
]
