"""Block-storage (cinder) actions."""

from __future__ import annotations

from typing import Any

from action_sdk import RunContext, ServiceRequirement, action
from plugins.openstack.paging import collect

#: Block-storage v3. The range ends at 3.71, the newest microversion these
#: actions were checked against.
BLOCK_STORAGE = ServiceRequirement(
    "block-storage", 3, min_microversion="3.0", max_microversion="3.71"
)


@action("cinder.volumes_list", version="1.0.0", requirements=(BLOCK_STORAGE,))
def volumes_list(
    context: RunContext,
    detailed: bool = True,
    all_projects: bool = False,
    filters: dict[str, Any] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """List volumes (block-storage 3.0 to 3.71).

    Args:
        detailed: Return full volume bodies, not only id, name and links.
        all_projects: List the volumes of every project (admin only).
        filters: Query parameters such as name, status or bootable.
        limit: Maximum number of volumes to return; all when None.
    """
    params: dict[str, Any] = dict(filters or {})
    if all_projects:
        params["all_tenants"] = True
    if limit is not None:
        params["limit"] = limit
    path = "/volumes/detail" if detailed else "/volumes"
    client = context.services["block-storage"]
    return collect(client, path, "volumes", params=params, limit=limit)


ACTIONS = [volumes_list]
