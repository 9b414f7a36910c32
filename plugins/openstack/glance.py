"""Image (glance) actions."""

from __future__ import annotations

from typing import Any

from action_sdk import RunContext, ServiceRequirement, action
from plugins.openstack.paging import collect

#: Image API v2, which has no microversions.
IMAGE = ServiceRequirement("image", 2)


@action("glance.images_list", version="1.0.0", requirements=(IMAGE,))
def images_list(
    context: RunContext,
    filters: dict[str, Any] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """List images (image API v2).

    Args:
        filters: Query parameters such as name, status, visibility or owner.
        limit: Maximum number of images to return; all when None.
    """
    params: dict[str, Any] = dict(filters or {})
    if limit is not None:
        params["limit"] = limit
    return collect(
        context.services["image"], "/images", "images", params=params, limit=limit
    )


ACTIONS = [images_list]
