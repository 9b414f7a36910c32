"""Network (neutron) actions for security groups and their rules."""

from __future__ import annotations

from typing import Any

from action_sdk import RunContext, action
from plugins.openstack.client_names import SecurityGroupId, SecurityGroupRuleId
from plugins.openstack.neutron.resources import (
    NETWORK,
    create_resource,
    delete_resource,
    list_resources,
    show_resource,
    update_resource,
)


@action("neutron.list_security_groups", version="1.0.0", requirements=(NETWORK,))
def list_security_groups(
    context: RunContext,
    filters: dict[str, Any] | None = None,
    limit: int | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """List security groups as {"security_groups": [...]}.

    Args:
        filters: Query parameters such as name or project_id.
        limit: Maximum number of security groups to return; all when None.
    """
    return list_resources(
        context, "/security-groups", "security_groups", filters, limit
    )


@action("neutron.show_security_group", version="1.0.0", requirements=(NETWORK,))
def show_security_group(
    context: RunContext,
    security_group_id: SecurityGroupId,
    fields: list[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Show a security group as {"security_group": {...}}.

    Args:
        security_group_id: Id of the security group.
        fields: Attributes to return; all when None.
    """
    return show_resource(
        context, f"/security-groups/{security_group_id}", "security_group", fields
    )


@action("neutron.create_security_group", version="1.0.0", requirements=(NETWORK,))
def create_security_group(
    context: RunContext, body: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Create a security group; return it as {"security_group": {...}}.

    Args:
        body: The attributes, as {"security_group": {...}} or alone.
    """
    return create_resource(context, "/security-groups", "security_group", body)


@action("neutron.update_security_group", version="1.0.0", requirements=(NETWORK,))
def update_security_group(
    context: RunContext, security_group_id: SecurityGroupId, body: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Update a security group; return it as {"security_group": {...}}.

    Args:
        security_group_id: Id of the security group.
        body: The attributes to change, as {"security_group": {...}} or alone.
    """
    return update_resource(
        context, f"/security-groups/{security_group_id}", "security_group", body
    )


@action("neutron.delete_security_group", version="1.0.0", requirements=(NETWORK,))
def delete_security_group(
    context: RunContext, security_group_id: SecurityGroupId
) -> None:
    """Delete a security group.

    Args:
        security_group_id: Id of the security group.
    """
    delete_resource(context, f"/security-groups/{security_group_id}")


@action("neutron.list_security_group_rules", version="1.0.0", requirements=(NETWORK,))
def list_security_group_rules(
    context: RunContext,
    filters: dict[str, Any] | None = None,
    limit: int | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """List security group rules as {"security_group_rules": [...]}.

    Args:
        filters: Query parameters such as security_group_id, direction or protocol.
        limit: Maximum number of security group rules to return; all when None.
    """
    return list_resources(
        context, "/security-group-rules", "security_group_rules", filters, limit
    )


@action("neutron.show_security_group_rule", version="1.0.0", requirements=(NETWORK,))
def show_security_group_rule(
    context: RunContext,
    security_group_rule_id: SecurityGroupRuleId,
    fields: list[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Show a security group rule as {"security_group_rule": {...}}.

    Args:
        security_group_rule_id: Id of the security group rule.
        fields: Attributes to return; all when None.
    """
    return show_resource(
        context,
        f"/security-group-rules/{security_group_rule_id}",
        "security_group_rule",
        fields,
    )


@action("neutron.create_security_group_rule", version="1.0.0", requirements=(NETWORK,))
def create_security_group_rule(
    context: RunContext, body: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Create a security group rule; return it as {"security_group_rule": {...}}.

    Args:
        body: The attributes, as {"security_group_rule": {...}} or alone.
    """
    return create_resource(
        context, "/security-group-rules", "security_group_rule", body
    )


@action("neutron.delete_security_group_rule", version="1.0.0", requirements=(NETWORK,))
def delete_security_group_rule(
    context: RunContext, security_group_rule_id: SecurityGroupRuleId
) -> None:
    """Delete a security group rule.

    Args:
        security_group_rule_id: Id of the security group rule.
    """
    delete_resource(context, f"/security-group-rules/{security_group_rule_id}")


ACTIONS = [
    list_security_groups,
    show_security_group,
    create_security_group,
    update_security_group,
    delete_security_group,
    list_security_group_rules,
    show_security_group_rule,
    create_security_group_rule,
    delete_security_group_rule,
]
