"""Compute (nova) actions.

``nova.servers_list`` and ``nova.servers_get`` come in two versions because
compute 2.47 changed the server body. Below 2.47 a server's ``flavor`` is a
reference ``{"id", "links"}``. From 2.47 on the flavor is embedded
(``original_name``, ``vcpus``, ``ram``, ``disk``, ``ephemeral``, ``swap``,
``extra_specs``) and has no id.
"""

from __future__ import annotations

from typing import Any, Literal

from action_sdk import RunContext, ServiceRequirement, action
from plugins.openstack.paging import collect

#: Compute before the flavor embedding of 2.47.
FLAVOR_REFERENCE = ServiceRequirement(
    "compute", 2, min_microversion="2.1", max_microversion="2.46"
)
#: Compute from the flavor embedding on. The range ends at 2.100 because
#: from 2.102 on every API rejects unknown query parameters, which the
#: ``filters`` input may contain.
FLAVOR_EMBEDDED = ServiceRequirement(
    "compute", 2, min_microversion="2.47", max_microversion="2.100"
)
#: Compute at any microversion, for calls whose body never changed.
COMPUTE = ServiceRequirement("compute", 2)


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


@action("nova.servers_list", version="1.0.0", requirements=(FLAVOR_REFERENCE,))
def servers_list_v1(
    context: RunContext,
    detailed: bool = True,
    all_projects: bool = False,
    filters: dict[str, Any] | None = None,
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
    filters: dict[str, Any] | None = None,
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
def servers_get_v1(context: RunContext, server_id: str) -> dict[str, Any]:
    """Show one server, its flavor as a reference with its id (compute 2.1 to 2.46).

    Args:
        server_id: Id of the server.
    """
    body = context.services["compute"].get(f"/servers/{server_id}").json()
    return dict(body["server"])


@action("nova.servers_get", version="2.0.0", requirements=(FLAVOR_EMBEDDED,))
def servers_get_v2(context: RunContext, server_id: str) -> dict[str, Any]:
    """Show one server, its flavor embedded with its name and sizes (compute 2.47 on).

    Args:
        server_id: Id of the server.
    """
    body = context.services["compute"].get(f"/servers/{server_id}").json()
    return dict(body["server"])


@action("nova.servers_reboot", version="1.0.0", requirements=(COMPUTE,))
def servers_reboot(
    context: RunContext, server_id: str, reboot_type: Literal["SOFT", "HARD"] = "SOFT"
) -> None:
    """Reboot a server; the call returns once nova accepted the request.

    Args:
        server_id: Id of the server.
        reboot_type: SOFT signals the guest OS to restart; HARD power-cycles it.
    """
    context.services["compute"].post(
        f"/servers/{server_id}/action", json={"reboot": {"type": reboot_type}}
    )


ACTIONS = [
    servers_list_v1,
    servers_list_v2,
    servers_get_v1,
    servers_get_v2,
    servers_reboot,
]
