"""Network (neutron) actions for routers and floating IPs."""

from __future__ import annotations

from typing import Any

from action_sdk import ActionError, RunContext, action
from plugins.openstack.bodies import json_body
from plugins.openstack.client_names import FloatingIpId, RouterId
from plugins.openstack.neutron.resources import (
    NETWORK,
    create_resource,
    delete_resource,
    list_resources,
    show_resource,
    update_resource,
)


@action("neutron.list_routers", version="1.0.0", requirements=(NETWORK,))
def list_routers(
    context: RunContext,
    filters: dict[str, Any] | None = None,
    limit: int | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """List routers as {"routers": [...]}.

    Args:
        filters: Query parameters such as name, status or project_id.
        limit: Maximum number of routers to return; all when None.
    """
    return list_resources(context, "/routers", "routers", filters, limit)


@action("neutron.show_router", version="1.0.0", requirements=(NETWORK,))
def show_router(
    context: RunContext, router_id: RouterId, fields: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Show a router as {"router": {...}}.

    Args:
        router_id: Id of the router.
        fields: Attributes to return; all when None.
    """
    return show_resource(context, f"/routers/{router_id}", "router", fields)


@action("neutron.create_router", version="1.0.0", requirements=(NETWORK,))
def create_router(
    context: RunContext, body: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Create a router; return it as {"router": {...}}.

    Args:
        body: The attributes, as {"router": {...}} or alone.
    """
    return create_resource(context, "/routers", "router", body)


@action("neutron.update_router", version="1.0.0", requirements=(NETWORK,))
def update_router(
    context: RunContext, router_id: RouterId, body: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Update a router; return it as {"router": {...}}.

    Args:
        router_id: Id of the router.
        body: The attributes to change, as {"router": {...}} or alone.
    """
    return update_resource(context, f"/routers/{router_id}", "router", body)


@action("neutron.delete_router", version="1.0.0", requirements=(NETWORK,))
def delete_router(context: RunContext, router_id: RouterId) -> None:
    """Delete a router.

    Args:
        router_id: Id of the router.
    """
    delete_resource(context, f"/routers/{router_id}")


@action("neutron.list_floatingips", version="1.0.0", requirements=(NETWORK,))
def list_floatingips(
    context: RunContext,
    filters: dict[str, Any] | None = None,
    limit: int | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """List floating IPs as {"floatingips": [...]}.

    Args:
        filters: Query parameters such as floating_network_id, port_id or
            status.
        limit: Maximum number of floating IPs to return; all when None.
    """
    return list_resources(context, "/floatingips", "floatingips", filters, limit)


@action("neutron.show_floatingip", version="1.0.0", requirements=(NETWORK,))
def show_floatingip(
    context: RunContext, floatingip_id: FloatingIpId, fields: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Show a floating IP as {"floatingip": {...}}.

    Args:
        floatingip_id: Id of the floating IP.
        fields: Attributes to return; all when None.
    """
    return show_resource(context, f"/floatingips/{floatingip_id}", "floatingip", fields)


@action("neutron.create_floatingip", version="1.0.0", requirements=(NETWORK,))
def create_floatingip(
    context: RunContext, body: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Create a floating IP; return it as {"floatingip": {...}}.

    Args:
        body: The attributes, as {"floatingip": {...}} or alone.
    """
    return create_resource(context, "/floatingips", "floatingip", body)


@action("neutron.update_floatingip", version="1.0.0", requirements=(NETWORK,))
def update_floatingip(
    context: RunContext, floatingip_id: FloatingIpId, body: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Update a floating IP; return it as {"floatingip": {...}}.

    Args:
        floatingip_id: Id of the floating IP.
        body: The attributes to change, as {"floatingip": {...}} or alone.
    """
    return update_resource(context, f"/floatingips/{floatingip_id}", "floatingip", body)


@action("neutron.delete_floatingip", version="1.0.0", requirements=(NETWORK,))
def delete_floatingip(context: RunContext, floatingip_id: FloatingIpId) -> None:
    """Delete a floating IP.

    Args:
        floatingip_id: Id of the floating IP.
    """
    delete_resource(context, f"/floatingips/{floatingip_id}")


@action("neutron.add_interface_router", version="1.0.0", requirements=(NETWORK,))
def add_interface_router(
    context: RunContext, router_id: RouterId, body: dict[str, Any]
) -> dict[str, Any]:
    """Attach a subnet or port to a router; return the interface info.

    Args:
        router_id: Id of the router.
        body: {"subnet_id": ...} or {"port_id": ...}.
    """
    return change_interface(context, router_id, "add_router_interface", body)


@action("neutron.remove_interface_router", version="1.0.0", requirements=(NETWORK,))
def remove_interface_router(
    context: RunContext, router_id: RouterId, body: dict[str, Any]
) -> dict[str, Any]:
    """Detach a subnet or port from a router; return the interface info.

    Args:
        router_id: Id of the router.
        body: {"subnet_id": ...} or {"port_id": ...}.
    """
    return change_interface(context, router_id, "remove_router_interface", body)


def change_interface(
    context: RunContext, router_id: str, operation: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Send a router interface request and return neutron's response body."""
    if not body.keys() & {"subnet_id", "port_id"}:
        raise ActionError(
            f"body must name a subnet_id or a port_id, got keys {sorted(body)}"
        )
    path = f"/routers/{router_id}/{operation}"
    response = context.services["network"].put(path, json=body)
    return dict(json_body(response, f"network PUT {path}"))


ACTIONS = [
    list_routers,
    show_router,
    create_router,
    update_router,
    delete_router,
    list_floatingips,
    show_floatingip,
    create_floatingip,
    update_floatingip,
    delete_floatingip,
    add_interface_router,
    remove_interface_router,
]
