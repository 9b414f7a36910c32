"""Leases on action runs: which process runs an action, and until when.

An executor holds a lease on every action it runs and renews it with
heartbeats. A lease that runs out means the process died or lost the
database: another process takes the action over. Rows are picked with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several processes never take the
same row; on SQLite a write transaction locks the whole database.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine import states
from engine.db.models import ActionExecution, utcnow

#: Seconds a lease lasts without a heartbeat (LEVANTE_LEASE_SECONDS).
LEASE_SECONDS = float(os.environ.get("LEVANTE_LEASE_SECONDS", "15"))


def lease_until(now: datetime | None = None) -> datetime:
    return (now or utcnow()) + timedelta(seconds=LEASE_SECONDS)


def take(action: ActionExecution, owner: str) -> None:
    """Mark an action as run by ``owner`` from now on."""
    action.state = states.RUNNING
    action.lease_owner = owner
    action.lease_expires = lease_until()


def claim_idle(session: Session, owner: str, limit: int) -> list[ActionExecution]:
    """Take up to ``limit`` actions that no process runs yet, oldest first."""
    rows = list(
        session.scalars(
            select(ActionExecution)
            .where(
                ActionExecution.state == states.IDLE,
                ActionExecution.is_async.is_(False),
            )
            .order_by(ActionExecution.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for row in rows:
        take(row, owner)
    return rows


def hand_back(session: Session, owner: str, action_ids: list[str]) -> int:
    """Return actions ``owner`` took but never started to IDLE; return how many.

    Any process claims them again, as if no process had taken them.
    """
    return _update_held(
        session, owner, action_ids, state=states.IDLE, lease_owner=None, lease_expires=None
    )


def end_now(session: Session, owner: str, action_ids: list[str]) -> int:
    """End the leases ``owner`` holds on running actions; return how many.

    Another process takes the actions over at its next sweep, as after a
    crash, instead of waiting for the leases to run out.
    """
    return _update_held(session, owner, action_ids, lease_expires=utcnow())


def renew(session: Session, owner: str, action_ids: list[str]) -> int:
    """Extend the leases ``owner`` holds on these actions; return how many."""
    return _update_held(session, owner, action_ids, lease_expires=lease_until())


def _update_held(
    session: Session, owner: str, action_ids: list[str], **values: Any
) -> int:
    """Set ``values`` on the running actions of ``action_ids`` that ``owner`` holds."""
    if not action_ids:
        return 0
    result = session.execute(
        update(ActionExecution)
        .where(
            ActionExecution.id.in_(action_ids),
            ActionExecution.lease_owner == owner,
            ActionExecution.state == states.RUNNING,
        )
        .values(**values)
    )
    return int(result.rowcount or 0)


def expired(session: Session, limit: int) -> list[ActionExecution]:
    """Running actions whose lease ran out, oldest lease first."""
    return list(
        session.scalars(
            select(ActionExecution)
            .where(
                ActionExecution.state == states.RUNNING,
                ActionExecution.lease_owner.is_not(None),
                ActionExecution.lease_expires < utcnow(),
            )
            .order_by(ActionExecution.lease_expires)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def orphaned(session: Session, owner: str) -> list[ActionExecution]:
    """Running actions held by processes of this host that no longer exist.

    Checked when a process starts, so a restart after a crash does not wait
    for those leases to run out.
    """
    host = socket.gethostname()
    rows = session.scalars(
        select(ActionExecution)
        .where(
            ActionExecution.state == states.RUNNING,
            ActionExecution.lease_owner.like(f"{host}:%"),
            ActionExecution.lease_owner != owner,
        )
        .with_for_update(skip_locked=True)
    )
    return [row for row in rows if _owner_dead(row.lease_owner)]


def process_owner() -> str:
    """Return a name for this process: host, pid and a random suffix."""
    import uuid

    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _owner_dead(owner: str | None) -> bool:
    if not owner:
        return False
    parts = owner.split(":")
    if len(parts) != 3 or parts[0] != socket.gethostname():
        return False
    try:
        pid = int(parts[1])
    except ValueError:
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
