"""Run-time state that expression functions read, and a dict-backed version.

The engine implements :class:`ExpressionFunctions`; expressions reach it
through ``task()``, ``tasks()``, ``execution()``, ``executions()``, ``env()``
and ``global()``. :class:`StaticFunctions` serves fixed data, for tests and
for checks that run without an execution.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


class ExpressionFunctions(Protocol):
    """Access to execution state for the Mistral expression functions.

    Every method returns plain JSON-like data (dicts, lists, str, numbers,
    bool, None). Field names follow Mistral 23: a task dict has ``id``,
    ``name``, ``spec``, ``state``, ``state_info``, ``result``, ``published``,
    ``type``, ``workflow_execution_id``, ``created_at`` and ``updated_at``. An
    execution dict has ``id``, ``name``, ``spec``, ``input``, ``params``,
    ``created_at``, ``updated_at`` and ``root_execution_id``.
    """

    def task(self, name: str | None) -> dict[str, Any] | None:
        """Return a task execution of the current workflow execution.

        ``None`` as name means the task whose expression is evaluated. For a
        name, return the current task if it has that name, else the latest
        task execution with that name, else ``None``.
        """
        ...

    def tasks(
        self,
        workflow_execution_id: str | None,
        recursive: bool,
        state: str | None,
        flat: bool,
    ) -> list[dict[str, Any]]:
        """Return task executions, oldest first.

        Args:
            workflow_execution_id: the execution whose tasks to list; ``None``
                lists the tasks of every execution, as Mistral does.
            recursive: also list tasks of nested workflow executions.
            state: keep only tasks in this state.
            flat: drop each workflow task that has a nested execution in the
                same state as the task, because its nested tasks show it.
        """
        ...

    def execution(self) -> dict[str, Any]:
        """Return the current workflow execution."""
        ...

    def executions(
        self,
        id: str | None,
        root_execution_id: str | None,
        state: str | None,
        from_time: str | None,
        to_time: str | None,
    ) -> list[dict[str, Any]]:
        """Return workflow executions matching every filter that is not None.

        ``from_time`` is inclusive and ``to_time`` exclusive; both compare with
        ``created_at``.
        """
        ...

    def env(self) -> dict[str, Any] | None:
        """Return the environment of the current execution."""
        ...

    def global_var(self, name: str) -> Any:
        """Return a variable published with the ``global`` scope, or None."""
        ...


def _matches(execution: Mapping[str, Any], filters: Mapping[str, Any]) -> bool:
    for key, expected in filters.items():
        if expected is not None and execution.get(key) != expected:
            return False
    return True


@dataclass
class StaticFunctions:
    """An :class:`ExpressionFunctions` served from fixed data.

    Attributes:
        current_task: the task that ``task()`` returns, or None outside a task.
        task_executions: task dicts of all executions, oldest first. Each has
            at least ``name``, ``state`` and ``workflow_execution_id``.
        execution_data: what ``execution()`` returns. Its ``id`` is the
            current workflow execution.
        workflow_executions: what ``executions()`` filters; each dict may
            carry ``parent_task_id`` (the task that started it) so that
            ``tasks(recursive=true)`` can descend into it.
        environment: what ``env()`` returns.
        global_vars: what ``global(name)`` reads.
    """

    current_task: dict[str, Any] | None = None
    task_executions: Sequence[dict[str, Any]] = ()
    execution_data: dict[str, Any] = field(default_factory=dict)
    workflow_executions: Sequence[dict[str, Any]] = ()
    environment: dict[str, Any] | None = None
    global_vars: dict[str, Any] = field(default_factory=dict)

    def task(self, name: str | None) -> dict[str, Any] | None:
        current = self.current_task
        if current is not None and (not name or current.get("name") == name):
            return current
        execution_id = self.execution_data.get("id")
        found = [
            task
            for task in self.task_executions
            if task.get("name") == name
            and task.get("workflow_execution_id") == execution_id
        ]
        return found[-1] if found else None

    def tasks(
        self,
        workflow_execution_id: str | None,
        recursive: bool,
        state: str | None,
        flat: bool,
    ) -> list[dict[str, Any]]:
        if workflow_execution_id is None:
            selected = list(self.task_executions)
        else:
            selected = [
                task
                for task in self.task_executions
                if task.get("workflow_execution_id") == workflow_execution_id
            ]
        nested: list[dict[str, Any]] = []
        if recursive and workflow_execution_id is not None:
            for task in selected:
                for child in self._children(task):
                    nested.extend(self.tasks(child["id"], True, state, flat))
        if state or flat:
            selected = [
                task
                for task in selected
                if (not state or task.get("state") == state)
                and (not flat or self._is_flat(task))
            ]
        return selected + nested

    def _children(self, task: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [
            execution
            for execution in self.workflow_executions
            if execution.get("parent_task_id") == task.get("id")
        ]

    def _is_flat(self, task: Mapping[str, Any]) -> bool:
        if task.get("type", "ACTION") == "ACTION":
            return True
        return all(
            child.get("state") != task.get("state") for child in self._children(task)
        )

    def execution(self) -> dict[str, Any]:
        return self.execution_data

    def executions(
        self,
        id: str | None,
        root_execution_id: str | None,
        state: str | None,
        from_time: str | None,
        to_time: str | None,
    ) -> list[dict[str, Any]]:
        filters = {"id": id, "root_execution_id": root_execution_id, "state": state}
        found = []
        for execution in self.workflow_executions:
            created_at = str(execution.get("created_at", ""))
            if not _matches(execution, filters):
                continue
            if from_time is not None and created_at < from_time:
                continue
            if to_time is not None and created_at >= to_time:
                continue
            found.append(execution)
        return found

    def env(self) -> dict[str, Any] | None:
        return self.environment

    def global_var(self, name: str) -> Any:
        return self.global_vars.get(name)
