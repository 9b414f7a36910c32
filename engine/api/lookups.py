"""Rows read on behalf of a project.

Every lookup filters by the caller's project. A row of another project is
reported exactly like a missing one (404), so ids do not leak across
projects.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import states
from engine.api.errors import ApiError
from engine.db.models import (
    ActionExecution,
    Execution,
    TaskExecution,
    WorkflowDefinition,
)


def utc(moment: datetime | None) -> datetime | None:
    """Mark a naive UTC timestamp from the database as UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None else None


def naive_utc(moment: datetime, field: str) -> datetime:
    """Convert a timestamp to naive UTC for comparison with stored ones.

    A timestamp without a time zone is taken as UTC.

    Raises:
        ApiError: 422 when the timestamp is outside the years 1 to 9999 in UTC.
    """
    if moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        raise ApiError(
            422,
            "invalid_value",
            f"{moment.isoformat()} is outside the years 1 to 9999 in UTC",
            field,
        ) from None


def not_found(kind: str, identifier: str) -> ApiError:
    return ApiError(404, "not_found", f"{kind} {identifier} not found")


def load_execution(session: Session, execution_id: str, project: str) -> Execution:
    execution = session.get(Execution, execution_id)
    if execution is None or execution.project_id != project:
        raise not_found("Execution", execution_id)
    return execution


def load_task(session: Session, task_id: str, project: str) -> TaskExecution:
    task = session.get(TaskExecution, task_id)
    if task is None:
        raise not_found("Task execution", task_id)
    execution = session.get(Execution, task.execution_id)
    if execution is None or execution.project_id != project:
        raise not_found("Task execution", task_id)
    return task


def load_action(session: Session, action_id: str, project: str) -> ActionExecution:
    action = session.get(ActionExecution, action_id)
    if action is None:
        raise not_found("Action execution", action_id)
    execution = session.get(Execution, action.execution_id)
    if execution is None or execution.project_id != project:
        raise not_found("Action execution", action_id)
    return action


def load_workflow(
    session: Session, identifier: str, namespace: str, project: str
) -> WorkflowDefinition:
    """Find a stored workflow by id, or by name in ``namespace``."""
    by_id = session.get(WorkflowDefinition, identifier)
    if by_id is not None and by_id.project_id == project:
        return by_id
    row = session.scalars(
        select(WorkflowDefinition).where(
            WorkflowDefinition.project_id == project,
            WorkflowDefinition.namespace == namespace,
            WorkflowDefinition.name == identifier,
        )
    ).first()
    if row is None:
        where = f" in namespace {namespace!r}" if namespace else ""
        raise not_found("Workflow", f"{identifier}{where}")
    return row


def running_leases(
    session: Session, execution_ids: Collection[str]
) -> dict[str, list[dict[str, Any]]]:
    """Return the leases of the running actions of each execution, oldest first.

    Each lease names the task, the action execution, the action, the
    process holding the lease and when the lease expires (UTC).
    """
    leases: dict[str, list[dict[str, Any]]] = {key: [] for key in execution_ids}
    if not leases:
        return leases
    rows = session.execute(
        select(ActionExecution, TaskExecution.name)
        .outerjoin(TaskExecution, TaskExecution.id == ActionExecution.task_id)
        .where(
            ActionExecution.execution_id.in_(list(leases)),
            ActionExecution.state == states.RUNNING,
        )
        .order_by(ActionExecution.created_at, ActionExecution.id)
    )
    for action, task_name in rows:
        leases[action.execution_id].append(
            {
                "task": task_name,
                "action_execution_id": action.id,
                "action": action.action,
                "held_by": action.lease_owner,
                "until": utc(action.lease_expires),
            }
        )
    return leases
