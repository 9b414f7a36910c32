"""Routes of task executions and action executions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from engine import states
from engine.api.dependencies import Core, Project
from engine.api.errors import ERROR_RESPONSES, ApiError
from engine.api.executions import State
from engine.api.lookups import load_action, load_execution, load_task, utc
from engine.api.paging import PageRequest, fetch_page, page_request
from engine.api.schemas import (
    ActionCompletion,
    ActionExecution,
    ActionExecutionList,
    Task,
    TaskList,
)
from engine.api.values import NO_NUL, PathText
from engine.db.models import ActionExecution as ActionRow
from engine.db.models import TaskExecution
from engine.masking import mask_secrets

router = APIRouter(tags=["tasks"], responses=ERROR_RESPONSES)


def task_document(row: TaskExecution) -> Task:
    return Task(
        id=row.id,
        name=row.name,
        execution_id=row.execution_id,
        state=row.state,
        state_info=row.state_info,
        result=row.result,
        published=row.published or {},
        created_at=utc(row.created_at),
        started_at=utc(row.started_at),
        finished_at=utc(row.finished_at),
    )


def action_document(row: ActionRow) -> ActionExecution:
    """Describe an action execution, with secrets in its input masked."""
    return ActionExecution(
        id=row.id,
        name=row.action,
        version=row.action_version,
        task_id=row.task_id,
        execution_id=row.execution_id,
        item_index=row.item_index,
        state=row.state,
        is_async=bool(row.is_async),
        input=mask_secrets(row.input or {}),
        output=row.output,
        error=row.error,
        created_at=utc(row.created_at),
        finished_at=utc(row.finished_at),
    )


@router.get("/executions/{execution_id}/tasks")
def list_tasks(
    execution_id: PathText,
    request: Request,
    core: Core,
    project: Project,
    page: Annotated[PageRequest, Depends(page_request)],
    name: Annotated[str | None, Query(max_length=255, pattern=NO_NUL)] = None,
    state: State | None = None,
) -> TaskList:
    """List the task executions of an execution in the order they were created."""
    query = select(TaskExecution).where(TaskExecution.execution_id == execution_id)
    if name is not None:
        query = query.where(TaskExecution.name == name)
    if state is not None:
        query = query.where(TaskExecution.state == state)
    order = [TaskExecution.seq, TaskExecution.id]
    with core.db.sessions() as session:
        load_execution(session, execution_id, project)
        found = fetch_page(session, request, query, order, page)
    return TaskList(tasks=[task_document(row) for row in found.rows], next=found.next)


@router.get("/tasks/{task_id}")
def show_task(task_id: PathText, core: Core, project: Project) -> Task:
    """Show one task execution."""
    with core.db.sessions() as session:
        return task_document(load_task(session, task_id, project))


@router.get("/tasks/{task_id}/action_executions")
def list_action_executions(
    task_id: PathText,
    request: Request,
    core: Core,
    project: Project,
    page: Annotated[PageRequest, Depends(page_request)],
) -> ActionExecutionList:
    """List the action executions of a task, oldest first."""
    query = select(ActionRow).where(ActionRow.task_id == task_id)
    order = [ActionRow.created_at, ActionRow.id]
    with core.db.sessions() as session:
        load_task(session, task_id, project)
        found = fetch_page(session, request, query, order, page)
    return ActionExecutionList(
        action_executions=[action_document(row) for row in found.rows],
        next=found.next,
    )


@router.get("/action_executions/{action_id}")
def show_action_execution(
    action_id: PathText, core: Core, project: Project
) -> ActionExecution:
    """Show one action execution."""
    with core.db.sessions() as session:
        return action_document(load_action(session, action_id, project))


@router.put("/action_executions/{action_id}")
def complete_action_execution(
    action_id: PathText, body: ActionCompletion, core: Core, project: Project
) -> ActionExecution:
    """Deliver the result of an asynchronous action."""
    with core.db.sessions() as session:
        action = load_action(session, action_id, project)
    if not action.is_async:
        raise ApiError(
            409,
            "invalid_state_change",
            f"Action execution {action_id} runs {action.action}, which is not "
            "asynchronous; only asynchronous actions are completed through the API",
            "state",
        )
    if action.state in states.COMPLETED:
        raise ApiError(
            409,
            "invalid_state_change",
            f"Action execution {action_id} is already {action.state}",
            "state",
        )
    ok = body.state == states.SUCCESS
    value, error = body.output, None
    if not ok:
        error = (
            body.error or f"Action {action.action} failed (reported through the API)"
        )
        value = error if value is None else value
    core.complete_action(action_id, ok, value, error)
    with core.db.sessions() as session:
        return action_document(load_action(session, action_id, project))
