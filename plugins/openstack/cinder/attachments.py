"""Block-storage (cinder) attachment actions (the API of block-storage 3.27 on).

An attachment reserves a volume for a server. With a connector it also
returns the connection info, and completing it marks the volume in-use.
"""

from __future__ import annotations

from typing import Any, Literal

from action_sdk import RunContext, action
from plugins.openstack.bodies import compact, member
from plugins.openstack.cinder.urls import (
    ATTACHMENT_COMPLETION,
    ATTACHMENTS,
    volume_url,
)
from plugins.openstack.client_names import AttachmentId, AttachmentShowId
from plugins.openstack.paging import collect


@action("cinder.attachments_list", version="1.0.0", requirements=(ATTACHMENTS,))
def attachments_list(
    context: RunContext,
    detailed: bool = False,
    all_projects: bool = False,
    filters: dict[str, Any] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """List volume attachments (block-storage 3.27 on).

    Args:
        detailed: Return full attachment bodies with connection info.
        all_projects: List the attachments of every project (admin only).
        filters: Query parameters such as volume_id, instance_id or status.
        limit: Maximum number of attachments to return; all when None.
    """
    params: dict[str, Any] = dict(filters or {})
    if all_projects:
        params["all_tenants"] = True
    if limit is not None:
        params["limit"] = limit
    path = volume_url(context, "/attachments/detail" if detailed else "/attachments")
    client = context.services["block-storage"]
    return collect(client, path, "attachments", params=params, limit=limit)


@action("cinder.attachments_show", version="1.0.0", requirements=(ATTACHMENTS,))
def attachments_show(
    context: RunContext, attachment_id: AttachmentShowId
) -> dict[str, Any]:
    """Show a volume attachment (block-storage 3.27 on).

    Args:
        attachment_id: Id of the attachment.
    """
    path = volume_url(context, f"/attachments/{attachment_id}")
    response = context.services["block-storage"].get(path)
    request = f"block-storage GET /attachments/{attachment_id}"
    return member(response, "attachment", request)


@action("cinder.attachments_create", version="1.0.0", requirements=(ATTACHMENTS,))
def attachments_create(
    context: RunContext,
    volume_id: str,
    instance_id: str | None = None,
    connector: dict[str, Any] | None = None,
    mode: Literal["rw", "ro"] | None = None,
) -> dict[str, Any]:
    """Attach a volume to a server; return the attachment (block-storage 3.27 on).

    Args:
        volume_id: Id of the volume.
        instance_id: Id of the server; None reserves the volume only.
        connector: Connector of the host; without one the volume is only
            reserved and no connection info is returned.
        mode: Attach mode rw or ro (block-storage 3.54 or later).
    """
    attachment = compact(
        {
            "volume_uuid": volume_id,
            "instance_uuid": instance_id,
            "connector": connector,
            "mode": mode,
        }
    )
    path = volume_url(context, "/attachments")
    response = context.services["block-storage"].post(
        path, json={"attachment": attachment}
    )
    return member(response, "attachment", "block-storage POST /attachments")


@action("cinder.attachments_delete", version="1.0.0", requirements=(ATTACHMENTS,))
def attachments_delete(context: RunContext, attachment_id: AttachmentId) -> None:
    """Delete a volume attachment, detaching the volume (block-storage 3.27 on).

    Args:
        attachment_id: Id of the attachment.
    """
    path = volume_url(context, f"/attachments/{attachment_id}")
    context.services["block-storage"].delete(path)


@action(
    "cinder.attachments_complete",
    version="1.0.0",
    requirements=(ATTACHMENT_COMPLETION,),
)
def attachments_complete(context: RunContext, attachment_id: AttachmentId) -> None:
    """Mark an attachment complete, so the volume shows in-use (block-storage 3.44 on).

    Args:
        attachment_id: Id of the attachment.
    """
    path = volume_url(context, f"/attachments/{attachment_id}/action")
    context.services["block-storage"].post(path, json={"os-complete": None})


ACTIONS = [
    attachments_list,
    attachments_show,
    attachments_create,
    attachments_delete,
    attachments_complete,
]
