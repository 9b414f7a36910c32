"""Image (glance) actions, on the image API v2, which has no microversions."""

from __future__ import annotations

from typing import Any

from action_sdk import ActionError, RunContext, ServiceRequirement, action
from plugins.openstack.bodies import compact, json_body
from plugins.openstack.paging import collect

#: Image API v2, which has no microversions.
IMAGE = ServiceRequirement("image", 2)
#: Media type of glance's JSON patch documents.
PATCH_MEDIA_TYPE = "application/openstack-images-v2.1-json-patch"


def _image_object(body: Any, request: str) -> dict[str, Any]:
    if not isinstance(body, dict) or "id" not in body:
        raise ActionError(f"{request} returned no image", data={"body": body})
    return body


def show_image(context: RunContext, image_id: str) -> dict[str, Any]:
    """Return the body of one image."""
    request = f"image GET /images/{image_id}"
    response = context.services["image"].get(f"/images/{image_id}")
    return _image_object(json_body(response, request), request)


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


@action("glance.images_get", version="1.0.0", requirements=(IMAGE,))
def images_get(context: RunContext, image_id: str) -> dict[str, Any]:
    """Show an image (image API v2).

    Args:
        image_id: Id of the image.
    """
    return show_image(context, image_id)


@action("glance.images_create", version="1.0.0", requirements=(IMAGE,))
def images_create(
    context: RunContext,
    name: str | None = None,
    disk_format: str | None = None,
    container_format: str | None = None,
    visibility: str | None = None,
    min_disk: int | None = None,
    min_ram: int | None = None,
    protected: bool | None = None,
    tags: list[str] | None = None,
    properties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Create an image record in status queued, without data (image API v2).

    Args:
        name: Name of the image.
        disk_format: Disk format such as qcow2 or raw.
        container_format: Container format such as bare.
        visibility: public, private, shared or community.
        min_disk: Minimum disk size in GiB to boot the image.
        min_ram: Minimum memory in MiB to boot the image.
        protected: Protect the image from deletion.
        tags: Image tags.
        properties: Additional properties, such as os_distro.
    """
    image = dict(properties or {})
    image.update(
        compact(
            {
                "name": name,
                "disk_format": disk_format,
                "container_format": container_format,
                "visibility": visibility,
                "min_disk": min_disk,
                "min_ram": min_ram,
                "protected": protected,
                "tags": tags,
            }
        )
    )
    request = "image POST /images"
    response = context.services["image"].post("/images", json=image)
    return _image_object(json_body(response, request), request)


@action("glance.images_update", version="1.0.0", requirements=(IMAGE,))
def images_update(
    context: RunContext,
    image_id: str,
    properties: dict[str, Any] | None = None,
    remove_props: list[str] | None = None,
) -> dict[str, Any]:
    """Set or remove image properties; return the updated image (image API v2).

    The image is read first, so each property is replaced when it exists and
    added when it does not, as glance's JSON patch requires.

    Args:
        image_id: Id of the image.
        properties: Properties to set, core ones (name, visibility, min_disk,
            ...) or additional ones.
        remove_props: Names of additional properties to remove; names the
            image does not have are skipped.
    """
    properties = properties or {}
    remove_props = remove_props or []
    if not properties and not remove_props:
        raise ActionError("nothing to update; give properties, remove_props or both")
    current = show_image(context, image_id)
    patch = [
        {
            "op": "replace" if key in current else "add",
            "path": f"/{key}",
            "value": value,
        }
        for key, value in properties.items()
    ]
    patch.extend(
        {"op": "remove", "path": f"/{key}"} for key in remove_props if key in current
    )
    request = f"image PATCH /images/{image_id}"
    response = context.services["image"].patch(
        f"/images/{image_id}",
        json=patch,
        headers={"Content-Type": PATCH_MEDIA_TYPE},
    )
    return _image_object(json_body(response, request), request)


@action("glance.images_delete", version="1.0.0", requirements=(IMAGE,))
def images_delete(context: RunContext, image_id: str) -> None:
    """Delete an image (image API v2).

    Args:
        image_id: Id of the image.
    """
    context.services["image"].delete(f"/images/{image_id}")


@action("glance.images_deactivate", version="1.0.0", requirements=(IMAGE,))
def images_deactivate(context: RunContext, image_id: str) -> None:
    """Deactivate an image, so that only admins can download it (image API v2).

    Args:
        image_id: Id of the image.
    """
    context.services["image"].post(f"/images/{image_id}/actions/deactivate")


@action("glance.images_reactivate", version="1.0.0", requirements=(IMAGE,))
def images_reactivate(context: RunContext, image_id: str) -> None:
    """Reactivate a deactivated image (image API v2).

    Args:
        image_id: Id of the image.
    """
    context.services["image"].post(f"/images/{image_id}/actions/reactivate")


ACTIONS = [
    images_list,
    images_get,
    images_create,
    images_update,
    images_delete,
    images_deactivate,
    images_reactivate,
]
