"""Compute (nova) volume attachment actions: attach, list, show and detach.

Two microversions change the requests and responses:

- compute 2.89 drops an attachment's ``id`` from list and show responses and
  adds ``attachment_id`` (the block-storage attachment) and ``bdm_uuid``, so
  ``nova.volumes_get_server_volumes`` and ``_get_server_volume`` come in two
  versions;
- compute 2.101 responds to an attach request with 202 and no body, and
  attaches the volume afterwards, so ``nova.volumes_create_server_volume`` version 2
  returns nothing.
"""

from __future__ import annotations

from typing import Any

from action_sdk import RunContext, action
from plugins.openstack.bodies import compact, member
from plugins.openstack.nova.requirements import COMPUTE, compute_range
from plugins.openstack.paging import collect_by_offset

#: Attachment bodies with ``id``, before compute 2.89.
WITH_ID = compute_range("2.1", "2.88")
#: Attachment bodies with ``attachment_id`` and ``bdm_uuid``, from 2.89 on.
WITH_ATTACHMENT_ID = compute_range("2.89")
#: Synchronous attach that returns the attachment, before compute 2.101.
SYNCHRONOUS_ATTACH = compute_range("2.1", "2.100")
#: Asynchronous attach without a response body, from compute 2.101 on. The
#: range ends at 2.103, the newest microversion checked.
ASYNCHRONOUS_ATTACH = compute_range("2.101", "2.103")


def _attachments_path(server_id: str) -> str:
    return f"/servers/{server_id}/os-volume_attachments"


def _list_attachments(context: RunContext, server_id: str) -> list[dict[str, Any]]:
    client = context.services["compute"]
    path = _attachments_path(server_id)
    return collect_by_offset(client, path, "volumeAttachments")


def _show_attachment(
    context: RunContext, server_id: str, volume_id: str
) -> dict[str, Any]:
    path = f"{_attachments_path(server_id)}/{volume_id}"
    response = context.services["compute"].get(path)
    return member(response, "volumeAttachment", f"compute GET {path}")


@action("nova.volumes_get_server_volumes", version="1.0.0", requirements=(WITH_ID,))
def volumes_get_server_volumes_v1(
    context: RunContext, server_id: str
) -> list[dict[str, Any]]:
    """List a server's volume attachments, each with an id (compute 2.1 to 2.88).

    Args:
        server_id: Id of the server.
    """
    return _list_attachments(context, server_id)


@action(
    "nova.volumes_get_server_volumes",
    version="2.0.0",
    requirements=(WITH_ATTACHMENT_ID,),
)
def volumes_get_server_volumes_v2(
    context: RunContext, server_id: str
) -> list[dict[str, Any]]:
    """List a server's volume attachments with attachment_id, no id (compute 2.89 on).

    Each attachment also carries bdm_uuid.

    Args:
        server_id: Id of the server.
    """
    return _list_attachments(context, server_id)


@action("nova.volumes_get_server_volume", version="1.0.0", requirements=(WITH_ID,))
def volumes_get_server_volume_v1(
    context: RunContext, server_id: str, volume_id: str
) -> dict[str, Any]:
    """Show a volume attachment with its id (compute 2.1 to 2.88).

    Args:
        server_id: Id of the server.
        volume_id: Id of the attached volume.
    """
    return _show_attachment(context, server_id, volume_id)


@action(
    "nova.volumes_get_server_volume",
    version="2.0.0",
    requirements=(WITH_ATTACHMENT_ID,),
)
def volumes_get_server_volume_v2(
    context: RunContext, server_id: str, volume_id: str
) -> dict[str, Any]:
    """Show a volume attachment with attachment_id, no id (compute 2.89 on).

    The attachment also carries bdm_uuid.

    Args:
        server_id: Id of the server.
        volume_id: Id of the attached volume.
    """
    return _show_attachment(context, server_id, volume_id)


def _attach_body(
    volume_id: str,
    device: str | None,
    tag: str | None,
    delete_on_termination: bool | None,
) -> dict[str, Any]:
    attachment = compact(
        {
            "volumeId": volume_id,
            "device": device,
            "tag": tag,
            "delete_on_termination": delete_on_termination,
        }
    )
    return {"volumeAttachment": attachment}


@action(
    "nova.volumes_create_server_volume",
    version="1.0.0",
    requirements=(SYNCHRONOUS_ATTACH,),
)
def volumes_create_server_volume_v1(
    context: RunContext,
    server_id: str,
    volume_id: str,
    device: str | None = None,
    tag: str | None = None,
    delete_on_termination: bool | None = None,
) -> dict[str, Any]:
    """Attach a volume to a server and return the attachment (compute 2.1 to 2.100).

    Args:
        server_id: Id of the server.
        volume_id: Id of the volume.
        device: Device name such as /dev/vdb; nova picks one when None.
        tag: Device tag (compute 2.49 or later).
        delete_on_termination: Delete the volume with the server (compute
            2.79 or later).
    """
    path = _attachments_path(server_id)
    body = _attach_body(volume_id, device, tag, delete_on_termination)
    response = context.services["compute"].post(path, json=body)
    return member(response, "volumeAttachment", f"compute POST {path}")


@action(
    "nova.volumes_create_server_volume",
    version="2.0.0",
    requirements=(ASYNCHRONOUS_ATTACH,),
)
def volumes_create_server_volume_v2(
    context: RunContext,
    server_id: str,
    volume_id: str,
    device: str | None = None,
    tag: str | None = None,
    delete_on_termination: bool | None = None,
) -> None:
    """Request a volume attach that nova completes later (compute 2.101 on).

    Returns nothing, because nova responds without a body. Wait for the
    volume's status in-use with cinder.volumes_wait_for_status.

    Args:
        server_id: Id of the server.
        volume_id: Id of the volume.
        device: Device name such as /dev/vdb; nova picks one when None.
        tag: Device tag.
        delete_on_termination: Delete the volume with the server.
    """
    path = _attachments_path(server_id)
    body = _attach_body(volume_id, device, tag, delete_on_termination)
    context.services["compute"].post(path, json=body)


@action("nova.volumes_delete_server_volume", version="1.0.0", requirements=(COMPUTE,))
def volumes_delete_server_volume(
    context: RunContext, server_id: str, volume_id: str
) -> None:
    """Detach a volume from a server; the call returns once nova accepted it.

    Args:
        server_id: Id of the server.
        volume_id: Id of the attached volume.
    """
    context.services["compute"].delete(f"{_attachments_path(server_id)}/{volume_id}")


ACTIONS = [
    volumes_get_server_volumes_v1,
    volumes_get_server_volumes_v2,
    volumes_get_server_volume_v1,
    volumes_get_server_volume_v2,
    volumes_create_server_volume_v1,
    volumes_create_server_volume_v2,
    volumes_delete_server_volume,
]
