"""Compute (nova) server actions sent to ``POST /servers/{id}/action``.

Each call returns once nova accepted the request; the server changes status
later, which nova.servers_wait_for_status waits for.

Two actions come in two versions:

- ``nova.servers_live_migrate``: compute 2.25 removed ``disk_over_commit``
  and added ``block_migration: "auto"``.
- ``nova.servers_create_image``: below 2.45 the new image's id is only in the
  ``Location`` header; from 2.45 on it is in the body as ``image_id``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from action_sdk import ActionError, RunContext, Secret, ServiceResponse, action
from plugins.openstack.bodies import compact, json_body, member
from plugins.openstack.client_names import ServerId
from plugins.openstack.nova.requirements import COMPUTE, compute_range


def _post_action(
    context: RunContext, server_id: str, body: dict[str, Any]
) -> ServiceResponse:
    path = f"/servers/{server_id}/action"
    return context.services["compute"].post(path, json=body)


@action("nova.servers_reboot", version="1.0.0", requirements=(COMPUTE,))
def servers_reboot(
    context: RunContext,
    server_id: ServerId,
    reboot_type: Literal["SOFT", "HARD"] = "SOFT",
) -> None:
    """Reboot a server; the call returns once nova accepted the request.

    Args:
        server_id: Id of the server.
        reboot_type: SOFT signals the guest OS to restart; HARD power-cycles it.
    """
    _post_action(context, server_id, {"reboot": {"type": reboot_type}})


@action("nova.servers_start", version="1.0.0", requirements=(COMPUTE,))
def servers_start(context: RunContext, server_id: ServerId) -> None:
    """Start a stopped server (status SHUTOFF to ACTIVE).

    Args:
        server_id: Id of the server.
    """
    _post_action(context, server_id, {"os-start": None})


@action("nova.servers_stop", version="1.0.0", requirements=(COMPUTE,))
def servers_stop(context: RunContext, server_id: ServerId) -> None:
    """Stop a running server (status ACTIVE to SHUTOFF).

    Args:
        server_id: Id of the server.
    """
    _post_action(context, server_id, {"os-stop": None})


@action("nova.servers_rebuild", version="1.0.0", requirements=(COMPUTE,))
def servers_rebuild(
    context: RunContext,
    server_id: ServerId,
    image: str,
    name: str | None = None,
    password: Annotated[str | None, Secret] = None,
    meta: dict[str, str] | None = None,
    preserve_ephemeral: bool | None = None,
) -> dict[str, Any]:
    """Rebuild a server from an image; return the server as compute 2.1 shows it.

    Args:
        server_id: Id of the server.
        image: Id of the image to rebuild from.
        name: New name of the server.
        password: New administrator password; nova generates one when None.
        meta: New server metadata, replacing the old.
        preserve_ephemeral: Keep the ephemeral disk.
    """
    rebuild = compact(
        {
            "imageRef": image,
            "name": name,
            "adminPass": password,
            "metadata": meta,
            "preserve_ephemeral": preserve_ephemeral,
        }
    )
    response = _post_action(context, server_id, {"rebuild": rebuild})
    return member(response, "server", f"compute rebuild of server {server_id}")


@action("nova.servers_resize", version="1.0.0", requirements=(COMPUTE,))
def servers_resize(
    context: RunContext,
    server_id: ServerId,
    flavor: str,
    disk_config: Literal["AUTO", "MANUAL"] | None = None,
) -> None:
    """Resize a server to another flavor; it ends in VERIFY_RESIZE.

    Confirm with nova.servers_confirm_resize or undo with
    nova.servers_revert_resize.

    Args:
        server_id: Id of the server.
        flavor: Id of the new flavor.
        disk_config: How the disk is partitioned: AUTO or MANUAL.
    """
    resize = compact({"flavorRef": flavor, "OS-DCF:diskConfig": disk_config})
    _post_action(context, server_id, {"resize": resize})


@action("nova.servers_confirm_resize", version="1.0.0", requirements=(COMPUTE,))
def servers_confirm_resize(context: RunContext, server_id: ServerId) -> None:
    """Confirm a resize or cold migration of a server in VERIFY_RESIZE.

    Args:
        server_id: Id of the server.
    """
    _post_action(context, server_id, {"confirmResize": None})


@action("nova.servers_revert_resize", version="1.0.0", requirements=(COMPUTE,))
def servers_revert_resize(context: RunContext, server_id: ServerId) -> None:
    """Revert a resize or cold migration of a server in VERIFY_RESIZE.

    Args:
        server_id: Id of the server.
    """
    _post_action(context, server_id, {"revertResize": None})


@action("nova.servers_migrate", version="1.0.0", requirements=(compute_range("2.56"),))
def servers_migrate(
    context: RunContext, server_id: ServerId, host: str | None = None
) -> None:
    """Cold-migrate a server to a chosen or scheduled host (compute 2.56 on).

    The server ends in VERIFY_RESIZE; confirm with nova.servers_confirm_resize.

    Args:
        server_id: Id of the server.
        host: Destination host; the scheduler picks one when None.
    """
    body = {"migrate": {"host": host} if host is not None else None}
    _post_action(context, server_id, body)


@action(
    "nova.servers_live_migrate",
    version="1.0.0",
    requirements=(compute_range("2.1", "2.24"),),
)
def servers_live_migrate_v1(
    context: RunContext,
    server_id: ServerId,
    host: str | None = None,
    block_migration: bool = False,
    disk_over_commit: bool = False,
) -> None:
    """Live-migrate a server, with disk_over_commit (compute 2.1 to 2.24).

    block_migration is true or false; "auto" needs version 2.

    Args:
        server_id: Id of the server.
        host: Destination host; the scheduler picks one when None.
        block_migration: Copy the disks instead of using shared storage.
        disk_over_commit: Allow disk over-commit on the destination.
    """
    migration = {
        "host": host,
        "block_migration": block_migration,
        "disk_over_commit": disk_over_commit,
    }
    _post_action(context, server_id, {"os-migrateLive": migration})


@action(
    "nova.servers_live_migrate",
    version="2.0.0",
    requirements=(compute_range("2.25"),),
)
def servers_live_migrate_v2(
    context: RunContext,
    server_id: ServerId,
    host: str | None = None,
    block_migration: bool | Literal["auto"] = "auto",
) -> None:
    """Live-migrate a server; block_migration may be "auto" (compute 2.25 on).

    Args:
        server_id: Id of the server.
        host: Destination host; the scheduler picks one when None.
        block_migration: "auto" lets nova choose between block migration and
            shared storage; true or false forces one.
    """
    migration = {"host": host, "block_migration": block_migration}
    _post_action(context, server_id, {"os-migrateLive": migration})


def _image_request(name: str, meta: dict[str, str] | None) -> dict[str, Any]:
    return {"createImage": compact({"name": name, "metadata": meta})}


@action(
    "nova.servers_create_image",
    version="1.0.0",
    requirements=(compute_range("2.1", "2.44"),),
)
def servers_create_image_v1(
    context: RunContext,
    server_id: ServerId,
    image_name: str,
    metadata: dict[str, str] | None = None,
) -> str:
    """Snapshot a server; read the image id from Location (compute 2.1 to 2.44).

    Returns the id of the new image, which glance creates in status queued.

    Args:
        server_id: Id of the server.
        image_name: Name of the new image.
        metadata: Properties of the new image.
    """
    response = _post_action(context, server_id, _image_request(image_name, metadata))
    location = response.headers.get("Location")
    if not location:
        raise ActionError(
            f"compute createImage of server {server_id} returned no Location "
            "header, so the new image's id is unknown",
            data={"status": response.status_code},
        )
    return urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]


@action(
    "nova.servers_create_image",
    version="2.0.0",
    requirements=(compute_range("2.45"),),
)
def servers_create_image_v2(
    context: RunContext,
    server_id: ServerId,
    image_name: str,
    metadata: dict[str, str] | None = None,
) -> str:
    """Snapshot a server; read the image id from the body (compute 2.45 on).

    Returns the id of the new image, which glance creates in status queued.

    Args:
        server_id: Id of the server.
        image_name: Name of the new image.
        metadata: Properties of the new image.
    """
    request = f"compute createImage of server {server_id}"
    response = _post_action(context, server_id, _image_request(image_name, metadata))
    body = json_body(response, request)
    image_id = body.get("image_id") if isinstance(body, dict) else None
    if not isinstance(image_id, str) or not image_id:
        raise ActionError(f"{request} returned no image_id", data={"body": body})
    return image_id


ACTIONS = [
    servers_reboot,
    servers_start,
    servers_stop,
    servers_rebuild,
    servers_resize,
    servers_confirm_resize,
    servers_revert_resize,
    servers_migrate,
    servers_live_migrate_v1,
    servers_live_migrate_v2,
    servers_create_image_v1,
    servers_create_image_v2,
]
