"""Block-storage (cinder) volume snapshot actions."""

from __future__ import annotations

from typing import Any

from action_sdk import RunContext, action
from plugins.openstack.bodies import compact, member
from plugins.openstack.cinder.urls import BLOCK_STORAGE, volume_url
from plugins.openstack.client_names import SearchOpts, SnapshotId
from plugins.openstack.paging import collect


@action("cinder.volume_snapshots_list", version="1.0.0", requirements=(BLOCK_STORAGE,))
def volume_snapshots_list(
    context: RunContext,
    detailed: bool = True,
    all_projects: bool = False,
    filters: SearchOpts = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """List volume snapshots.

    Args:
        detailed: Return full snapshot bodies.
        all_projects: List the snapshots of every project (admin only).
        filters: Query parameters such as volume_id, name or status.
        limit: Maximum number of snapshots to return; all when None.
    """
    params: dict[str, Any] = dict(filters or {})
    if all_projects:
        params["all_tenants"] = True
    if limit is not None:
        params["limit"] = limit
    path = volume_url(context, "/snapshots/detail" if detailed else "/snapshots")
    client = context.services["block-storage"]
    return collect(client, path, "snapshots", params=params, limit=limit)


@action("cinder.volume_snapshots_get", version="1.0.0", requirements=(BLOCK_STORAGE,))
def volume_snapshots_get(context: RunContext, snapshot_id: str) -> dict[str, Any]:
    """Show a volume snapshot.

    Args:
        snapshot_id: Id of the snapshot.
    """
    path = volume_url(context, f"/snapshots/{snapshot_id}")
    response = context.services["block-storage"].get(path)
    return member(response, "snapshot", f"block-storage GET /snapshots/{snapshot_id}")


@action(
    "cinder.volume_snapshots_create", version="1.0.0", requirements=(BLOCK_STORAGE,)
)
def volume_snapshots_create(
    context: RunContext,
    volume_id: str,
    force: bool = False,
    name: str | None = None,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Snapshot a volume; return the snapshot in status creating.

    Args:
        volume_id: Id of the volume.
        force: Snapshot an in-use volume. Needed below block-storage 3.66;
            from 3.66 on in-use volumes need no flag, and false is rejected,
            so the flag is sent only when true.
        name: Name of the snapshot.
        description: Description of the snapshot.
        metadata: Snapshot metadata.
    """
    snapshot = compact(
        {
            "volume_id": volume_id,
            "force": True if force else None,
            "name": name,
            "description": description,
            "metadata": metadata,
        }
    )
    path = volume_url(context, "/snapshots")
    response = context.services["block-storage"].post(path, json={"snapshot": snapshot})
    return member(response, "snapshot", "block-storage POST /snapshots")


@action(
    "cinder.volume_snapshots_delete", version="1.0.0", requirements=(BLOCK_STORAGE,)
)
def volume_snapshots_delete(context: RunContext, snapshot_id: SnapshotId) -> None:
    """Delete a volume snapshot; the call returns once cinder accepted it.

    Args:
        snapshot_id: Id of the snapshot.
    """
    path = volume_url(context, f"/snapshots/{snapshot_id}")
    context.services["block-storage"].delete(path)


ACTIONS = [
    volume_snapshots_list,
    volume_snapshots_get,
    volume_snapshots_create,
    volume_snapshots_delete,
]
