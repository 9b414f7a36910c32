"""Run a workflow in-process, with actions replaced by canned results.

``WorkflowRunner`` runs the real engine on an in-memory SQLite database, so
a test exercises the same parser, expressions and state machine as
production. Any action can be replaced by name with a result or an error;
a replaced action still checks its input against the real action's
signature when that action is installed, so a test catches a misspelt
parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from action_sdk import ActionError


@dataclass(frozen=True)
class TaskRun:
    """One task execution of a finished workflow run."""

    name: str
    state: str
    state_info: str | None
    published: dict[str, Any]
    result: Any


@dataclass(frozen=True)
class WorkflowRun:
    """The outcome of a workflow run: state, output and every task run."""

    id: str
    workflow: str
    state: str
    state_info: str | None
    input: dict[str, Any]
    output: Any
    tasks: list[TaskRun]
    #: Input each replaced action was called with, by action name.
    calls: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def task(self, name: str) -> TaskRun:
        """Return the last run of a task; raise AssertionError if it never ran."""
        runs = self.runs_of(name)
        if not runs:
            ran = ", ".join(t.name for t in self.tasks) or "none"
            raise AssertionError(f"task '{name}' did not run; tasks that ran: {ran}")
        return runs[-1]

    def runs_of(self, name: str) -> list[TaskRun]:
        return [t for t in self.tasks if t.name == name]

    @property
    def task_names(self) -> list[str]:
        return [t.name for t in self.tasks]


@dataclass
class _Canned:
    name: str
    result: Any = None
    error: str | None = None
    error_data: Any = None
    real: Any = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    # The attributes and methods the engine reads from an action descriptor.
    version = "0.0.0-canned"
    is_async = False

    def validate_input(self, given: Mapping[str, Any]) -> dict[str, Any]:
        if self.real is not None:
            return self.real.validate_input(given)
        return dict(given)

    def run(self, action_input: Mapping[str, Any], context: Any = None) -> Any:
        self.calls.append(dict(action_input))
        if self.error is not None or self.error_data is not None:
            raise ActionError(self.error or "canned error", data=self.error_data)
        return self.result


class _CannedCatalog:
    """A plugin catalogue where some names return canned results."""

    def __init__(self, base: Any, canned: dict[str, _Canned]) -> None:
        self._base = base
        self._canned = canned

    def get(self, name: str, version: str | None = None) -> Any:
        canned = self._canned.get(name)
        if canned is not None:
            return canned
        return self._base.get(name) if version is None else self._base.get(name, version)

    def names(self) -> list[str]:
        return sorted(set(self._base.names()) | set(self._canned))

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._base, attribute)


class WorkflowRunner:
    """Run workflows in-process on a fresh in-memory database.

    Example::

        runner = WorkflowRunner()
        runner.replace("nova.servers_list", result=[{"id": "a"}])
        run = runner.run(Path("deploy.yaml"), input={"count": 2})
        assert run.state == "SUCCESS"
    """

    def __init__(self, catalog: Any = None, database_url: str = "sqlite://") -> None:
        if catalog is None:
            from registry.discovery import load_plugins

            catalog = load_plugins()
        self._catalog = catalog
        self._database_url = database_url
        self._canned: dict[str, _Canned] = {}

    def replace(
        self,
        name: str,
        result: Any = None,
        *,
        error: str | None = None,
        error_data: Any = None,
    ) -> None:
        """Make action ``name`` return ``result``, or fail with ``error``.

        ``error_data`` is what the task sees as its result on failure (and
        what ``publish-on-error`` reads), as with a real action's error data.
        """
        try:
            real = self._catalog.get(name)
        except LookupError:
            real = None
        self._canned[name] = _Canned(name, result, error, error_data, real)

    def run(
        self,
        definition: str | Path,
        workflow: str | None = None,
        *,
        input: Mapping[str, Any] | None = None,
        env: Mapping[str, Any] | None = None,
        task: str | None = None,
        timeout: float = 60,
    ) -> WorkflowRun:
        """Run a workflow (YAML text or a file path) to its end."""
        from sqlalchemy import select

        from engine.core import EngineCore
        from engine.db.models import Execution, TaskExecution
        from engine.db.setup import Database

        text = definition.read_text() if isinstance(definition, Path) else definition
        database = Database(self._database_url)
        catalog = _CannedCatalog(self._catalog, self._canned)
        core = EngineCore(database, catalog)
        try:
            params = {"task_name": task} if task else None
            execution_id = core.start(text, workflow, input=input, env=env, params=params)
            core.run(execution_id, timeout=timeout)
            with database.sessions() as session:
                execution = session.get(Execution, execution_id)
                assert execution is not None
                rows = session.scalars(
                    select(TaskExecution)
                    .where(TaskExecution.execution_id == execution_id)
                    .order_by(TaskExecution.seq)
                ).all()
                return WorkflowRun(
                    id=execution.id,
                    workflow=execution.workflow_name,
                    state=execution.state,
                    state_info=execution.state_info,
                    input=dict(execution.input or {}),
                    output=execution.output,
                    tasks=[
                        TaskRun(t.name, t.state, t.state_info, dict(t.published or {}), t.result)
                        for t in rows
                    ],
                    calls={name: list(c.calls) for name, c in self._canned.items()},
                )
        finally:
            core.close()
            database.dispose()
