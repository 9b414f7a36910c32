"""Identity (keystone) actions for projects and users, on the identity API v3."""

from __future__ import annotations

from typing import Any

from action_sdk import RunContext, ServiceRequirement, action
from plugins.openstack.bodies import member
from plugins.openstack.client_names import (
    DomainFilter,
    GroupFilter,
    ProjectId,
    UserFilter,
    UserId,
)
from plugins.openstack.paging import collect

#: Identity API v3, which has no microversions.
IDENTITY = ServiceRequirement("identity", 3)


@action("keystone.projects_list", version="1.0.0", requirements=(IDENTITY,))
def projects_list(
    context: RunContext,
    domain_id: DomainFilter = None,
    user_id: UserFilter = None,
    filters: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """List projects, or the projects a user has a role on.

    Args:
        domain_id: List only the projects of this domain.
        user_id: List the projects this user has a role on.
        filters: Query parameters such as name, enabled or parent_id.
    """
    params: dict[str, Any] = dict(filters or {})
    if domain_id is not None:
        params["domain_id"] = domain_id
    path = f"/users/{user_id}/projects" if user_id else "/projects"
    return collect(context.services["identity"], path, "projects", params=params)


@action("keystone.projects_get", version="1.0.0", requirements=(IDENTITY,))
def projects_get(context: RunContext, project_id: ProjectId) -> dict[str, Any]:
    """Show a project.

    Args:
        project_id: Id of the project.
    """
    path = f"/projects/{project_id}"
    response = context.services["identity"].get(path)
    return member(response, "project", f"identity GET {path}")


@action("keystone.users_list", version="1.0.0", requirements=(IDENTITY,))
def users_list(
    context: RunContext,
    domain_id: DomainFilter = None,
    group_id: GroupFilter = None,
    filters: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """List users, or the members of a group.

    Args:
        domain_id: List only the users of this domain.
        group_id: List the members of this group.
        filters: Query parameters such as name or enabled.
    """
    params: dict[str, Any] = dict(filters or {})
    if domain_id is not None:
        params["domain_id"] = domain_id
    path = f"/groups/{group_id}/users" if group_id else "/users"
    return collect(context.services["identity"], path, "users", params=params)


@action("keystone.users_get", version="1.0.0", requirements=(IDENTITY,))
def users_get(context: RunContext, user_id: UserId) -> dict[str, Any]:
    """Show a user.

    Args:
        user_id: Id of the user.
    """
    path = f"/users/{user_id}"
    response = context.services["identity"].get(path)
    return member(response, "user", f"identity GET {path}")


ACTIONS = [projects_list, projects_get, users_list, users_get]
