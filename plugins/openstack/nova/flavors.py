"""Compute (nova) flavor actions, at the base microversion 2.1.

At 2.1 a flavor shows ``swap`` as "" when it has none, and carries
``rxtx_factor`` and ``OS-FLV-DISABLED:disabled``. Compute 2.75 and 2.102
change all three, so these actions stay at 2.1 for a stable shape.
"""

from __future__ import annotations

from typing import Any

from action_sdk import RunContext, action
from plugins.openstack.bodies import member
from plugins.openstack.client_names import FlavorId
from plugins.openstack.nova.requirements import COMPUTE
from plugins.openstack.paging import collect


@action("nova.flavors_list", version="1.0.0", requirements=(COMPUTE,))
def flavors_list(
    context: RunContext,
    detailed: bool = True,
    is_public: bool | None = None,
    filters: dict[str, Any] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """List flavors (compute 2.1 bodies).

    Args:
        detailed: Return full flavor bodies, not only id, name and links.
        is_public: True for public flavors only, False for private ones only
            (admin), None for the default of nova (public ones, plus the
            private ones the project can use).
        filters: Query parameters such as minDisk or minRam.
        limit: Maximum number of flavors to return; all when None.
    """
    params: dict[str, Any] = dict(filters or {})
    if is_public is not None:
        params["is_public"] = is_public
    if limit is not None:
        params["limit"] = limit
    path = "/flavors/detail" if detailed else "/flavors"
    client = context.services["compute"]
    return collect(client, path, "flavors", params=params, limit=limit)


@action("nova.flavors_get", version="1.0.0", requirements=(COMPUTE,))
def flavors_get(context: RunContext, flavor_id: FlavorId) -> dict[str, Any]:
    """Show a flavor (compute 2.1 body).

    Args:
        flavor_id: Id of the flavor.
    """
    path = f"/flavors/{flavor_id}"
    response = context.services["compute"].get(path)
    return member(response, "flavor", f"compute GET {path}")


ACTIONS = [flavors_list, flavors_get]
