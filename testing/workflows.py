"""Run a workflow in-process, with actions replaced by canned results.

``WorkflowRunner`` runs the real engine on an in-memory SQLite database, so
a test exercises the same parser, expressions and state machine as
production. Any action can be replaced by name with a result or an error;
a replaced action still checks its input against the real action's
signature when that action is installed, so a test catches a misspelt
parameter.

Given a cloud (a started ``FakeCloud``, or a clouds.yaml entry whose traffic
a ``CloudRecorder`` replays), the runner starts the execution on that cloud
as the engine does in production. The registry discovers the cloud's API
versions, rejects a workflow whose actions cannot run there before it
starts, and picks each task's action version and microversions. The
actions' HTTP calls go to the cloud.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from action_sdk import ActionError
from testing.fakecloud import FakeCloud

#: A cloud to run on: a started ``FakeCloud``, or one clouds.yaml ``clouds:``
#: entry, such as the configuration of a cloud that a ``CloudRecorder``
#: records or replays.
CloudTarget = FakeCloud | Mapping[str, Any]


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
    #: The registry's name of the cloud the run used, or None without one.
    cloud: str | None = None
    #: Per task name, the action version and microversions the registry
    #: chose, as the engine records them: ``version``, ``plugin`` and, per
    #: service type, ``services[type]["microversion"]`` and ``endpoint``.
    #: Tasks of actions resolved without the registry have no entry.
    resolutions: dict[str, dict[str, Any]] = field(default_factory=dict)

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
    """A replaced action: its descriptor when no cloud decides the version."""

    name: str
    result: Any = None
    error: str | None = None
    error_data: Any = None
    real: Any = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    # The attributes and methods the engine and the registry read from an
    # action descriptor. Without requirements, a run with no cloud takes
    # this descriptor as it is.
    version = "0.0.0-canned"
    is_async = False
    requirements: tuple[Any, ...] = ()
    deprecated = None
    plugin = None

    def validate_input(self, given: Mapping[str, Any]) -> dict[str, Any]:
        if self.real is not None:
            return self.real.validate_input(given)
        return dict(given)

    def run(self, action_input: Mapping[str, Any], context: Any = None) -> Any:
        self.calls.append(dict(action_input))
        if self.error is not None or self.error_data is not None:
            raise ActionError(self.error or "canned error", data=self.error_data)
        return self.result

    def for_version(self, real: Any) -> _CannedVersion:
        """Return this replacement standing in for one installed version."""
        return _CannedVersion(self, real)


class _CannedVersion:
    """One installed version of a replaced action, with the canned outcome.

    The registry resolves it with the real version's requirements, so a
    replaced action gets the version and microversions a real one would.
    Every other attribute is the real version's.
    """

    is_async = False

    def __init__(self, canned: _Canned, real: Any) -> None:
        self._canned = canned
        self._real = real

    def validate_input(self, given: Mapping[str, Any]) -> dict[str, Any]:
        return self._real.validate_input(given)

    def run(self, action_input: Mapping[str, Any], context: Any = None) -> Any:
        return self._canned.run(action_input, context)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._real, attribute)


class _CannedCatalog:
    """A plugin catalogue where some names return canned results."""

    def __init__(self, base: Any, canned: dict[str, _Canned]) -> None:
        self._base = base
        self._canned = canned

    def get(self, name: str, version: str | None = None) -> Any:
        canned = self._canned.get(name)
        if canned is not None:
            if version is not None:
                for descriptor in self.actions.get(name, ()):
                    if descriptor.version == version:
                        return descriptor
            return canned
        return self._base.get(name) if version is None else self._base.get(name, version)

    @property
    def actions(self) -> dict[str, list[Any]]:
        """Action name to its versions, ascending; replaced ones give canned results."""
        actions = dict(self._base.actions)
        for name, canned in self._canned.items():
            installed = actions.get(name) or []
            actions[name] = [canned.for_version(real) for real in installed] or [canned]
        return actions

    def names(self) -> list[str]:
        return sorted(set(self._base.names()) | set(self._canned))

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._base, attribute)


class WorkflowRunner:
    """Run workflows in-process on a fresh in-memory database.

    Args:
        catalog: The actions to run; the installed plugins when None.
        database_url: The engine's database; a fresh in-memory SQLite one
            per run by default.
        cloud: The cloud every run uses unless ``run`` names another: a
            started ``FakeCloud``, or one clouds.yaml ``clouds:`` entry (as
            for a cloud that a ``CloudRecorder`` replays). None runs with no
            cloud, where only actions without service requirements run
            unless they are replaced.

    Example::

        runner = WorkflowRunner(cloud=fake_cloud)
        runner.replace("std.ssh", result="ok")
        run = runner.run(Path("deploy.yaml"), input={"count": 2})
        assert run.state == "SUCCESS"
        assert run.resolutions["list"]["version"] == "2.0.0"
    """

    def __init__(
        self,
        catalog: Any = None,
        database_url: str = "sqlite://",
        *,
        cloud: CloudTarget | None = None,
    ) -> None:
        if catalog is None:
            from registry.discovery import load_plugins

            catalog = load_plugins()
        self._catalog = catalog
        self._database_url = database_url
        self._canned: dict[str, _Canned] = {}
        self._view = _CannedCatalog(catalog, self._canned)
        self._cloud = cloud
        self._clouds: Any = None  # a RunnerClouds, built on the first cloud run

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
        On a cloud, an installed action is still resolved for the cloud: the
        run records the version and microversions it would have used, and a
        workflow that it cannot run on fails to start. Only the call is
        replaced, so the cloud gets no request from it.
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
        cloud: CloudTarget | None = None,
    ) -> WorkflowRun:
        """Run a workflow (YAML text or a file path) to its end.

        ``cloud`` overrides the runner's cloud for this run.

        Raises:
            StartError: (from ``engine.core``) the workflow cannot start: an
                unknown workflow, invalid input, or on a cloud an action
                whose versions do not fit the cloud (the message has the
                registry's reasons) or a cloud that cannot be discovered.
            DefinitionError: the YAML is not a valid workflow definition.
            TypeError: ``cloud`` is neither a ``FakeCloud`` nor a mapping.
            ValueError: ``cloud`` is a ``FakeCloud`` that is not started.
        """
        from engine.core import EngineCore
        from engine.db.setup import Database

        text = definition.read_text() if isinstance(definition, Path) else definition
        target = cloud if cloud is not None else self._cloud
        registry, cloud_name = None, None
        if target is not None:
            clouds = self._runner_clouds()
            registry, cloud_name = clouds.registry, clouds.name_of(target)
        database = Database(self._database_url)
        core = EngineCore(database, self._view, registry=registry)
        try:
            params = {"task_name": task} if task else None
            execution_id = core.start(
                text, workflow, input=input, env=env, params=params, cloud=cloud_name
            )
            core.run(execution_id, timeout=timeout)
            outcome = self._outcome(database, execution_id)
            if registry is not None and cloud_name is not None:
                from testing.workflow_clouds import announce_versions_run

                ran = self._versions_run(database, execution_id)
                announce_versions_run(registry, cloud_name, ran)
            return outcome
        finally:
            core.close()
            database.dispose()

    def _runner_clouds(self) -> Any:
        if self._clouds is None:
            from testing.workflow_clouds import RunnerClouds, RunnerRegistry

            self._clouds = RunnerClouds(RunnerRegistry(self._catalog, self._view))
        return self._clouds

    def _versions_run(self, database: Any, execution_id: str) -> list[tuple[str, str]]:
        """Return (action, version) of each action call of the run and its
        sub-workflows, leaving out replaced actions."""
        from sqlalchemy import or_, select

        from engine.db.models import ActionExecution, Execution

        with database.sessions() as session:
            tree = select(Execution.id).where(
                or_(
                    Execution.id == execution_id,
                    Execution.root_execution_id == execution_id,
                )
            )
            rows = session.execute(
                select(ActionExecution.action, ActionExecution.action_version).where(
                    ActionExecution.execution_id.in_(tree)
                )
            ).all()
        return [
            (name, version)
            for name, version in rows
            if version is not None and name.partition("@")[0] not in self._canned
        ]

    def _outcome(self, database: Any, execution_id: str) -> WorkflowRun:
        from sqlalchemy import select

        from engine.db.models import Execution, TaskExecution

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
                    TaskRun(
                        t.name, t.state, t.state_info, dict(t.published or {}), t.result
                    )
                    for t in rows
                ],
                calls={name: list(c.calls) for name, c in self._canned.items()},
                cloud=execution.cloud,
                resolutions=dict(execution.resolutions or {}),
            )
