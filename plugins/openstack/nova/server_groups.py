"""Compute (nova) server group actions.

Compute 2.64 replaced a group's ``policies`` list and ``metadata`` with one
``policy`` string and a ``rules`` object, in requests and responses. So
``nova.server_groups_list``, ``_get`` and ``_create`` come in two versions.
"""

from __future__ import annotations

from typing import Any, Literal

from action_sdk import RunContext, action
from plugins.openstack.bodies import compact, member
from plugins.openstack.client_names import ServerGroupId
from plugins.openstack.nova.requirements import COMPUTE, compute_range
from plugins.openstack.paging import collect_by_offset

#: Server groups with a ``policies`` list, before compute 2.64.
POLICY_LIST = compute_range("2.1", "2.63")
#: Server groups with one ``policy`` and ``rules``, from compute 2.64 on.
POLICY_AND_RULES = compute_range("2.64")

Policy = Literal["affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"]


def _list_groups(
    context: RunContext, all_projects: bool, limit: int | None
) -> list[dict[str, Any]]:
    params = {"all_projects": True} if all_projects else {}
    client = context.services["compute"]
    return collect_by_offset(
        client, "/os-server-groups", "server_groups", params=params, limit=limit
    )


def _show_group(context: RunContext, server_group_id: str) -> dict[str, Any]:
    path = f"/os-server-groups/{server_group_id}"
    response = context.services["compute"].get(path)
    return member(response, "server_group", f"compute GET {path}")


def _create_group(context: RunContext, group: dict[str, Any]) -> dict[str, Any]:
    response = context.services["compute"].post(
        "/os-server-groups", json={"server_group": group}
    )
    return member(response, "server_group", "compute POST /os-server-groups")


@action("nova.server_groups_list", version="1.0.0", requirements=(POLICY_LIST,))
def server_groups_list_v1(
    context: RunContext, all_projects: bool = False, limit: int | None = None
) -> list[dict[str, Any]]:
    """List server groups, each with a policies list (compute 2.1 to 2.63).

    Args:
        all_projects: List the groups of every project (admin only).
        limit: Maximum number of groups to return; all when None.
    """
    return _list_groups(context, all_projects, limit)


@action("nova.server_groups_list", version="2.0.0", requirements=(POLICY_AND_RULES,))
def server_groups_list_v2(
    context: RunContext, all_projects: bool = False, limit: int | None = None
) -> list[dict[str, Any]]:
    """List server groups, each with one policy and its rules (compute 2.64 on).

    Args:
        all_projects: List the groups of every project (admin only).
        limit: Maximum number of groups to return; all when None.
    """
    return _list_groups(context, all_projects, limit)


@action("nova.server_groups_get", version="1.0.0", requirements=(POLICY_LIST,))
def server_groups_get_v1(
    context: RunContext, server_group_id: ServerGroupId
) -> dict[str, Any]:
    """Show a server group with its policies list (compute 2.1 to 2.63).

    Args:
        server_group_id: Id of the server group.
    """
    return _show_group(context, server_group_id)


@action("nova.server_groups_get", version="2.0.0", requirements=(POLICY_AND_RULES,))
def server_groups_get_v2(
    context: RunContext, server_group_id: ServerGroupId
) -> dict[str, Any]:
    """Show a server group with its policy and rules (compute 2.64 on).

    Args:
        server_group_id: Id of the server group.
    """
    return _show_group(context, server_group_id)


@action("nova.server_groups_create", version="1.0.0", requirements=(POLICY_LIST,))
def server_groups_create_v1(
    context: RunContext, name: str, policies: list[Policy]
) -> dict[str, Any]:
    """Create a server group from a policies list (compute 2.1 to 2.63).

    Args:
        name: Name of the group.
        policies: One policy, such as ["anti-affinity"]; nova accepts exactly
            one. The soft policies need compute 2.15.
    """
    return _create_group(context, {"name": name, "policies": list(policies)})


@action("nova.server_groups_create", version="2.0.0", requirements=(POLICY_AND_RULES,))
def server_groups_create_v2(
    context: RunContext,
    name: str,
    policy: Policy,
    rules: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Create a server group from one policy and its rules (compute 2.64 on).

    Args:
        name: Name of the group.
        policy: The placement policy of the group's servers.
        rules: Rules of the policy, such as {"max_server_per_host": 2} for
            anti-affinity.
    """
    group = compact({"name": name, "policy": policy, "rules": rules})
    return _create_group(context, group)


@action("nova.server_groups_delete", version="1.0.0", requirements=(COMPUTE,))
def server_groups_delete(context: RunContext, server_group_id: ServerGroupId) -> None:
    """Delete a server group.

    Args:
        server_group_id: Id of the server group.
    """
    context.services["compute"].delete(f"/os-server-groups/{server_group_id}")


ACTIONS = [
    server_groups_list_v1,
    server_groups_list_v2,
    server_groups_get_v1,
    server_groups_get_v2,
    server_groups_create_v1,
    server_groups_create_v2,
    server_groups_delete,
]
