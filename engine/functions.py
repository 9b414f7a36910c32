"""Run-time state that expressions reach through task(), tasks() and friends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.models import Execution, TaskExecution

if TYPE_CHECKING:
    from engine.workflow_run import WorkflowRun


def _time(value: Any) -> str | None:
    return value.isoformat(sep=" ") if value is not None else None


def task_dict(task: TaskExecution, task_type: str = "ACTION") -> dict[str, Any]:
    """Describe a task execution the way Mistral's ``task()`` shows it."""
    return {
        "id": task.id,
        "name": task.name,
        "spec": None,
        "state": task.state,
        "state_info": task.state_info,
        "result": task.result,
        "published": task.published or {},
        "type": task_type,
        "workflow_execution_id": task.execution_id,
        "created_at": _time(task.created_at),
        "updated_at": _time(task.finished_at or task.started_at or task.created_at),
    }


def execution_dict(execution: Execution) -> dict[str, Any]:
    return {
        "id": execution.id,
        "name": execution.workflow_name,
        "spec": None,
        "input": execution.input or {},
        "params": execution.params or {},
        "state": execution.state,
        "state_info": execution.state_info,
        "created_at": _time(execution.created_at),
        "updated_at": _time(execution.updated_at),
        "root_execution_id": execution.root_execution_id,
        "parent_task_id": execution.parent_task_id,
    }


class RunFunctions:
    """``ExpressionFunctions`` backed by the engine's session.

    ``current`` is the task execution an expression belongs to, or ``None``
    for workflow-level expressions (vars, output).
    """

    def __init__(
        self, run: WorkflowRun, current: TaskExecution | None = None
    ) -> None:
        self._run = run
        self._current = current

    @property
    def _session(self) -> Session:
        return self._run.session

    def _task_type(self, task: TaskExecution) -> str:
        spec = self._run.spec.tasks.get(task.name)
        return "WORKFLOW" if spec is not None and spec.workflow else "ACTION"

    def task(self, name: str | None = None) -> dict[str, Any] | None:
        current = self._current
        if current is not None and (not name or current.name == name):
            return task_dict(current, self._task_type(current))
        if not name:
            return None
        task = self._run.latest_task(name)
        return task_dict(task, self._task_type(task)) if task is not None else None

    def tasks(
        self,
        workflow_execution_id: str | None = None,
        recursive: bool = False,
        state: str | None = None,
        flat: bool = False,
    ) -> list[dict[str, Any]]:
        query = select(TaskExecution).order_by(TaskExecution.created_at, TaskExecution.seq)
        if workflow_execution_id is not None:
            query = query.where(TaskExecution.execution_id == workflow_execution_id)
        rows = list(self._session.scalars(query))
        children: dict[str, list[Execution]] = {}
        if rows and (recursive or flat):
            for child in self._session.scalars(
                select(Execution).where(
                    Execution.parent_task_id.in_([row.id for row in rows])
                )
            ):
                children.setdefault(child.parent_task_id or "", []).append(child)
        found: list[dict[str, Any]] = []
        nested: list[dict[str, Any]] = []
        for row in rows:
            row_children = children.get(row.id, [])
            if recursive and workflow_execution_id is not None:
                for child in row_children:
                    nested.extend(self.tasks(child.id, True, state, flat))
            if state and row.state != state:
                continue
            if flat and any(child.state == row.state for child in row_children):
                continue
            task_type = "WORKFLOW" if row_children else "ACTION"
            found.append(task_dict(row, task_type))
        return found + nested

    def execution(self) -> dict[str, Any]:
        return execution_dict(self._run.execution)

    def executions(
        self,
        id: str | None = None,
        root_execution_id: str | None = None,
        state: str | None = None,
        from_time: str | None = None,
        to_time: str | None = None,
    ) -> list[dict[str, Any]]:
        query = select(Execution).order_by(Execution.created_at)
        if id is not None:
            query = query.where(Execution.id == id)
        if root_execution_id is not None:
            query = query.where(Execution.root_execution_id == root_execution_id)
        if state is not None:
            query = query.where(Execution.state == state)
        found = []
        for row in self._session.scalars(query):
            created = _time(row.created_at) or ""
            if from_time is not None and created < from_time:
                continue
            if to_time is not None and created >= to_time:
                continue
            found.append(execution_dict(row))
        return found

    def env(self) -> dict[str, Any]:
        return dict(self._run.execution.env or {})

    def global_var(self, name: str) -> Any:
        return (self._run.execution.globals or {}).get(name)
