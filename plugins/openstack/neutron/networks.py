"""Network (neutron) actions for networks, subnets and ports."""

from __future__ import annotations

from typing import Any

from action_sdk import RunContext, action
from plugins.openstack.client_names import NetworkId, PortId, SubnetId
from plugins.openstack.neutron.resources import (
    NETWORK,
    create_resource,
    delete_resource,
    list_resources,
    show_resource,
    update_resource,
)


@action("neutron.list_networks", version="1.0.0", requirements=(NETWORK,))
def list_networks(
    context: RunContext,
    filters: dict[str, Any] | None = None,
    limit: int | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """List networks as {"networks": [...]}.

    Args:
        filters: Query parameters such as name, status, shared or router:external.
        limit: Maximum number of networks to return; all when None.
    """
    return list_resources(context, "/networks", "networks", filters, limit)


@action("neutron.show_network", version="1.0.0", requirements=(NETWORK,))
def show_network(
    context: RunContext, network_id: NetworkId, fields: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Show a network as {"network": {...}}.

    Args:
        network_id: Id of the network.
        fields: Attributes to return; all when None.
    """
    return show_resource(context, f"/networks/{network_id}", "network", fields)


@action("neutron.create_network", version="1.0.0", requirements=(NETWORK,))
def create_network(
    context: RunContext, body: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Create a network; return it as {"network": {...}}.

    Args:
        body: The attributes, as {"network": {...}} or alone.
    """
    return create_resource(context, "/networks", "network", body)


@action("neutron.update_network", version="1.0.0", requirements=(NETWORK,))
def update_network(
    context: RunContext, network_id: NetworkId, body: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Update a network; return it as {"network": {...}}.

    Args:
        network_id: Id of the network.
        body: The attributes to change, as {"network": {...}} or alone.
    """
    return update_resource(context, f"/networks/{network_id}", "network", body)


@action("neutron.delete_network", version="1.0.0", requirements=(NETWORK,))
def delete_network(context: RunContext, network_id: NetworkId) -> None:
    """Delete a network.

    Args:
        network_id: Id of the network.
    """
    delete_resource(context, f"/networks/{network_id}")


@action("neutron.list_subnets", version="1.0.0", requirements=(NETWORK,))
def list_subnets(
    context: RunContext,
    filters: dict[str, Any] | None = None,
    limit: int | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """List subnets as {"subnets": [...]}.

    Args:
        filters: Query parameters such as network_id, cidr, ip_version or name.
        limit: Maximum number of subnets to return; all when None.
    """
    return list_resources(context, "/subnets", "subnets", filters, limit)


@action("neutron.show_subnet", version="1.0.0", requirements=(NETWORK,))
def show_subnet(
    context: RunContext, subnet_id: SubnetId, fields: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Show a subnet as {"subnet": {...}}.

    Args:
        subnet_id: Id of the subnet.
        fields: Attributes to return; all when None.
    """
    return show_resource(context, f"/subnets/{subnet_id}", "subnet", fields)


@action("neutron.create_subnet", version="1.0.0", requirements=(NETWORK,))
def create_subnet(
    context: RunContext, body: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Create a subnet; return it as {"subnet": {...}}.

    Args:
        body: The attributes, as {"subnet": {...}} or alone.
    """
    return create_resource(context, "/subnets", "subnet", body)


@action("neutron.update_subnet", version="1.0.0", requirements=(NETWORK,))
def update_subnet(
    context: RunContext, subnet_id: SubnetId, body: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Update a subnet; return it as {"subnet": {...}}.

    Args:
        subnet_id: Id of the subnet.
        body: The attributes to change, as {"subnet": {...}} or alone.
    """
    return update_resource(context, f"/subnets/{subnet_id}", "subnet", body)


@action("neutron.delete_subnet", version="1.0.0", requirements=(NETWORK,))
def delete_subnet(context: RunContext, subnet_id: SubnetId) -> None:
    """Delete a subnet.

    Args:
        subnet_id: Id of the subnet.
    """
    delete_resource(context, f"/subnets/{subnet_id}")


@action("neutron.list_ports", version="1.0.0", requirements=(NETWORK,))
def list_ports(
    context: RunContext,
    filters: dict[str, Any] | None = None,
    limit: int | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """List ports as {"ports": [...]}.

    Args:
        filters: Query parameters such as network_id, device_id or
            device_owner.
        limit: Maximum number of ports to return; all when None.
    """
    return list_resources(context, "/ports", "ports", filters, limit)


@action("neutron.show_port", version="1.0.0", requirements=(NETWORK,))
def show_port(
    context: RunContext, port_id: PortId, fields: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Show a port as {"port": {...}}.

    Args:
        port_id: Id of the port.
        fields: Attributes to return; all when None.
    """
    return show_resource(context, f"/ports/{port_id}", "port", fields)


@action("neutron.create_port", version="1.0.0", requirements=(NETWORK,))
def create_port(context: RunContext, body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Create a port; return it as {"port": {...}}.

    Args:
        body: The attributes, as {"port": {...}} or alone.
    """
    return create_resource(context, "/ports", "port", body)


@action("neutron.update_port", version="1.0.0", requirements=(NETWORK,))
def update_port(
    context: RunContext, port_id: PortId, body: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Update a port; return it as {"port": {...}}.

    Args:
        port_id: Id of the port.
        body: The attributes to change, as {"port": {...}} or alone.
    """
    return update_resource(context, f"/ports/{port_id}", "port", body)


@action("neutron.delete_port", version="1.0.0", requirements=(NETWORK,))
def delete_port(context: RunContext, port_id: PortId) -> None:
    """Delete a port.

    Args:
        port_id: Id of the port.
    """
    delete_resource(context, f"/ports/{port_id}")


ACTIONS = [
    list_networks,
    show_network,
    create_network,
    update_network,
    delete_network,
    list_subnets,
    show_subnet,
    create_subnet,
    update_subnet,
    delete_subnet,
    list_ports,
    show_port,
    create_port,
    update_port,
    delete_port,
]
