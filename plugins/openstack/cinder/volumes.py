"""Block-storage (cinder) volume actions."""

from __future__ import annotations

from typing import Any

from action_sdk import ActionError, RunContext, action
from plugins.openstack.bodies import compact, member
from plugins.openstack.cinder.urls import BLOCK_STORAGE, volume_url
from plugins.openstack.client_names import SearchOpts, VolumeId
from plugins.openstack.paging import collect
from plugins.openstack.waiting import Observation, StatusSet, wait_for_status

#: Cinder's failure statuses: error, error_deleting, error_extending, ...
VOLUME_FAILURES = ("error", "error_*")


def show_volume(context: RunContext, volume_id: str) -> dict[str, Any]:
    """Return the body of one volume."""
    path = volume_url(context, f"/volumes/{volume_id}")
    response = context.services["block-storage"].get(path)
    return member(response, "volume", f"block-storage GET /volumes/{volume_id}")


@action("cinder.volumes_list", version="1.0.0", requirements=(BLOCK_STORAGE,))
def volumes_list(
    context: RunContext,
    detailed: bool = True,
    all_projects: bool = False,
    filters: SearchOpts = None,
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
    path = volume_url(context, "/volumes/detail" if detailed else "/volumes")
    client = context.services["block-storage"]
    return collect(client, path, "volumes", params=params, limit=limit)


@action("cinder.volumes_get", version="1.0.0", requirements=(BLOCK_STORAGE,))
def volumes_get(context: RunContext, volume_id: VolumeId) -> dict[str, Any]:
    """Show a volume (block-storage 3.0 to 3.71).

    Args:
        volume_id: Id of the volume.
    """
    return show_volume(context, volume_id)


@action("cinder.volumes_create", version="1.0.0", requirements=(BLOCK_STORAGE,))
def volumes_create(
    context: RunContext,
    size: int | None = None,
    name: str | None = None,
    description: str | None = None,
    volume_type: str | None = None,
    availability_zone: str | None = None,
    snapshot_id: str | None = None,
    source_volid: str | None = None,
    imageRef: str | None = None,
    backup_id: str | None = None,
    metadata: dict[str, str] | None = None,
    scheduler_hints: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Create a volume, empty or from a snapshot, volume, image or backup.

    Returns the volume in status creating; wait for available with
    cinder.volumes_wait_for_status.

    Args:
        size: Size in GiB; may be None only when a source gives the size.
        name: Name of the volume.
        description: Description of the volume.
        volume_type: Name or id of the volume type.
        availability_zone: Availability zone of the volume.
        snapshot_id: Id of a snapshot to create the volume from.
        source_volid: Id of a volume to clone.
        imageRef: Id of an image to copy onto the volume.
        backup_id: Id of a backup to restore (block-storage 3.47 or later).
        metadata: Volume metadata.
        scheduler_hints: Scheduler hints such as same_host.
    """
    sources = (snapshot_id, source_volid, imageRef, backup_id)
    if size is None and all(source is None for source in sources):
        raise ActionError(
            "size is required unless the volume is created from snapshot_id, "
            "source_volid, imageRef or backup_id"
        )
    volume = compact(
        {
            "size": size,
            "name": name,
            "description": description,
            "volume_type": volume_type,
            "availability_zone": availability_zone,
            "snapshot_id": snapshot_id,
            "source_volid": source_volid,
            "imageRef": imageRef,
            "backup_id": backup_id,
            "metadata": metadata,
        }
    )
    body: dict[str, Any] = {"volume": volume}
    if scheduler_hints:
        body["OS-SCH-HNT:scheduler_hints"] = scheduler_hints
    path = volume_url(context, "/volumes")
    response = context.services["block-storage"].post(path, json=body)
    return member(response, "volume", "block-storage POST /volumes")


@action("cinder.volumes_update", version="1.0.0", requirements=(BLOCK_STORAGE,))
def volumes_update(
    context: RunContext,
    volume_id: VolumeId,
    name: str | None = None,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Change a volume's name, description or metadata; return the volume.

    Args:
        volume_id: Id of the volume.
        name: New name.
        description: New description.
        metadata: New metadata, replacing the old.
    """
    changes = compact({"name": name, "description": description, "metadata": metadata})
    if not changes:
        raise ActionError("nothing to update; give name, description or metadata")
    path = volume_url(context, f"/volumes/{volume_id}")
    response = context.services["block-storage"].put(path, json={"volume": changes})
    return member(response, "volume", f"block-storage PUT /volumes/{volume_id}")


@action("cinder.volumes_delete", version="1.0.0", requirements=(BLOCK_STORAGE,))
def volumes_delete(
    context: RunContext, volume_id: VolumeId, cascade: bool = False
) -> None:
    """Delete a volume; the call returns once cinder accepted the request.

    Args:
        volume_id: Id of the volume.
        cascade: Delete the volume's snapshots too.
    """
    params = {"cascade": True} if cascade else None
    path = volume_url(context, f"/volumes/{volume_id}")
    context.services["block-storage"].delete(path, params=params)


@action("cinder.volumes_extend", version="1.0.0", requirements=(BLOCK_STORAGE,))
def volumes_extend(context: RunContext, volume_id: VolumeId, new_size: int) -> None:
    """Grow a volume to a new size in GiB; it passes through status extending.

    Args:
        volume_id: Id of the volume.
        new_size: New size in GiB, larger than the current size.
    """
    path = volume_url(context, f"/volumes/{volume_id}/action")
    body = {"os-extend": {"new_size": new_size}}
    context.services["block-storage"].post(path, json=body)


@action(
    "cinder.volumes_wait_for_status", version="1.0.0", requirements=(BLOCK_STORAGE,)
)
def volumes_wait_for_status(
    context: RunContext,
    volume_id: VolumeId,
    status: str | list[str] = "available",
    failure_statuses: list[str] | None = None,
    timeout: float = 600,
    poll_interval: float = 5,
) -> dict[str, Any]:
    """Wait until a volume reaches a status, such as available or in-use.

    The volume is read every ``poll_interval`` seconds. The status DELETED
    means the volume is gone. The error on failure names the last status and
    the failure statuses.

    Args:
        volume_id: Id of the volume.
        status: Expected status, or several. Shell-style patterns match too.
        failure_statuses: Statuses or patterns that end the wait with an
            error; error and error_* when None.
        timeout: Maximum seconds to wait.
        poll_interval: Seconds between reads.
    """
    expected = StatusSet.of(status)
    failures = StatusSet.of(
        VOLUME_FAILURES if failure_statuses is None else failure_statuses
    )

    def read() -> Observation:
        volume = show_volume(context, volume_id)
        return Observation(volume.get("status"), volume)

    return wait_for_status(
        read,
        resource=f"volume {volume_id}",
        expected=expected,
        failures=failures,
        timeout=timeout,
        poll_interval=poll_interval,
    )


ACTIONS = [
    volumes_list,
    volumes_get,
    volumes_create,
    volumes_update,
    volumes_delete,
    volumes_extend,
    volumes_wait_for_status,
]
