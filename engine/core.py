"""The engine: turns events into transactions and runs actions.

``EngineCore`` owns what outlives one event: parsed definitions (cached by
checksum), derived graph indexes, the context cache, the action catalogue
and an executor thread pool. Each event (a start request, an action result,
a due timer) is handled in one database transaction by a ``WorkflowRun``.
``run()`` drives one process's share of the work until an execution ends.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from engine import leases, states
from engine.action_settings import load_action_settings
from engine.actions import (
    ActionResolutionError,
    ResolvedAction,
    resolve_action,
    transform_output,
)
from engine.dataflow import ContextCache
from engine.db.models import (
    ActionExecution,
    Execution,
    Job,
    TaskExecution,
    WorkflowDefinition,
    new_id,
    utcnow,
)
from engine.db.setup import Database
from engine.expressions import ExpressionError, StaticFunctions, evaluate
from engine.inputs import check_workflow_input
from engine.spec.graph import (
    effective_requires,
    effective_transitions,
    outbound_targets,
)
from engine.spec.model import Definition, WorkflowSpec
from engine.spec.parser import parse
from engine.workflow_run import RerunError, WorkflowRun

log = logging.getLogger(__name__)

#: Called with an event name and the row it is about (for progress output).
Listener = Callable[[str, Any], None]


class StartError(ValueError):
    """An execution cannot start: unknown workflow, bad input or parameters.

    ``field`` names the argument of ``EngineCore.start`` at fault:
    ``workflow_name``, ``input`` or ``input.<name>``, ``task_name`` (the
    target of a reverse workflow) or ``cloud``.
    """

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class ControlError(ValueError):
    """A pause, resume, cancel or rerun request does not fit the state."""


class ExecutionExists(ValueError):
    """A start chose the id of an execution that already exists."""

    def __init__(self, execution_id: str) -> None:
        super().__init__(f"execution {execution_id} already exists")
        self.execution_id = execution_id


class ExecutionNotFound(LookupError):
    """No execution has the given id."""

    def __init__(self, execution_id: str) -> None:
        super().__init__(f"Execution {execution_id} not found")
        self.execution_id = execution_id


def checksum_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


#: Upper bound on events handled in one transaction, so a long run of
#: inline actions still commits regularly.
MAX_EVENTS_PER_TRANSACTION = 500

#: How often the jobs table is read for timers added by other processes.
JOB_POLL_SECONDS = 1.0

#: How often a process looks for idle actions to claim and expired leases.
SWEEP_SECONDS = 1.0

#: Actions claimed or taken over in one transaction.
CLAIM_BATCH = 100
#: Seconds a stopping process waits for its running actions to finish.
STOP_GRACE_SECONDS = 10.0

#: Maximum pause between attempts while the database is unavailable.
MAX_BACKOFF_SECONDS = 5.0

#: How long an executor waits for the database before failing an action it
#: claimed but could not prepare.
RESOLVE_RETRY_SECONDS = 300.0

#: Built-in actions that do no I/O and finish at once; the engine runs them
#: in its own thread instead of handing them to a worker.
INLINE_ACTIONS = frozenset({"std.noop"})


def _is_inline(resolved: ResolvedAction, action_input: Any) -> bool:
    name = resolved.descriptor.name
    if name in INLINE_ACTIONS:
        return True
    # std.echo without a delay only returns its input.
    return name == "std.echo" and not (action_input or {}).get("delay")


@dataclass
class _Outcome:
    action_id: str
    ok: bool
    value: Any
    error: str | None
    #: The row, when the outcome is handled in the transaction that made it.
    action: ActionExecution | None = None


class EngineCore:
    """Shared engine state and the in-process event loop."""

    def __init__(
        self,
        db: Database,
        catalog: Any = None,
        *,
        listener: Listener | None = None,
        max_workers: int = 16,
        executor: bool = True,
        registry: Any = None,
        action_settings: Mapping[str, Any] | None = None,
    ) -> None:
        """Set up an engine on ``db``.

        ``action_settings`` reach every action as ``RunContext.extra``; by
        default they are read from the file that ``LEVANTE_ACTION_SETTINGS``
        names. Raises ActionSettingsError when that file is invalid.
        """
        if action_settings is None:
            action_settings = load_action_settings()
        self.action_settings = action_settings
        if catalog is None:
            from registry.discovery import load_plugins

            catalog = load_plugins()
        self.db = db
        self.catalog = catalog
        self._registry = registry
        self.listener = listener
        self.contexts = ContextCache()
        #: Whether this process runs actions (the executor role).
        self.executor = executor
        self.owner = leases.process_owner()
        self._last_renewal = time.monotonic()
        self._last_sweep = float("-inf")
        self._db_failures = 0
        self._definitions: dict[str, Definition] = {}
        self._indexes: dict[tuple[str, str, str], Any] = {}
        self._static = StaticFunctions()
        # Actions scheduled by the transaction running on each thread; they
        # are handed to workers only after that transaction commits.
        self._scheduled = threading.local()
        self._outcomes: queue.Queue[_Outcome] = queue.Queue()
        self._pool = ThreadPoolExecutor(max_workers=max_workers)
        self._running: set[str] = set()
        #: Set by ``drain``: actions scheduled from now on are handed back.
        self._stopping = False
        self._due_hint: datetime | None = None
        self._due_checked_at = float("-inf")
        self._resolved: dict[tuple[str, str | None, str], ResolvedAction] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def drain(self, grace: float = STOP_GRACE_SECONDS) -> int:
        """Finish this process's work before it exits; return the actions left running.

        Starts no new action: actions scheduled from now on go back to IDLE
        for any process to claim. Waits up to ``grace`` seconds for the
        running actions and records every result that arrives. The leases of
        actions still running after that end at once, so another process
        takes them over (safe-rerun tasks run again, others fail as "executor
        lost") without waiting for the leases to run out.
        """
        self._stopping = True
        deadline = time.monotonic() + grace
        try:
            while True:
                with self._lock:
                    busy = bool(self._running)
                if not busy and self._outcomes.empty():
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    outcome = self._outcomes.get(timeout=min(left, 0.2))
                except queue.Empty:
                    continue
                self._handle_batch([outcome, *self._take_queued(MAX_EVENTS_PER_TRANSACTION - 1)])
            # Past the grace period, record what already arrived in one last
            # pass. If the database is down, that batch goes back to the queue
            # and is not tried again, so stopping cannot loop.
            queued = self._take_queued(self._outcomes.qsize())
            if queued:
                self._handle_batch(queued)
            with self._lock:
                left_running = list(self._running)
            if left_running:
                with self.db.transaction() as session:
                    leases.end_now(session, self.owner, left_running)
                log.warning(
                    "%d action(s) still running after %.0f s; their leases end "
                    "now so another process takes them over: %s",
                    len(left_running),
                    grace,
                    ", ".join(sorted(left_running)),
                )
            return len(left_running)
        except DB_UNAVAILABLE as error:
            log.warning(
                "database unavailable while stopping (%s); the leases of this "
                "process's actions run out and another process takes them over",
                type(error).__name__,
            )
            with self._lock:
                return len(self._running)

    # ---------------------------------------------------- definitions, graph

    def definition(self, checksum: str, text: str, source: str = "<string>") -> Definition:
        """Return the parsed definition, cached by checksum.

        ``source`` (a file name) appears in the messages of a DefinitionError.
        """
        found = self._definitions.get(checksum)
        if found is None:
            found = parse(text, source)
            self._definitions[checksum] = found
        return found

    def _index(self, kind: str, checksum: str, spec: WorkflowSpec) -> Any:
        key = (kind, checksum, spec.name)
        found = self._indexes.get(key)
        if found is None:
            found = _build_index(kind, spec)
            self._indexes[key] = found
        return found

    def inbound_index(self, checksum: str, spec: WorkflowSpec) -> dict[str, tuple[str, ...]]:
        """Map each task name to the names of tasks that may lead to it."""
        return self._index("inbound", checksum, spec)

    def referenced_names(self, checksum: str, spec: WorkflowSpec) -> frozenset[str]:
        """Return every name a transition of the workflow points at."""
        return self._index("referenced", checksum, spec)

    def join_targets(self, checksum: str, spec: WorkflowSpec, name: str) -> tuple[str, ...]:
        """Names of join tasks that task ``name`` may lead to."""
        return self._index("joins", checksum, spec).get(name, ())

    def reverse_plan(
        self, checksum: str, spec: WorkflowSpec, target: str | None
    ) -> list[str]:
        """Tasks a reverse workflow needs for ``target``, requirements first."""
        key = ("reverse", checksum, f"{spec.name}:{target}")
        found = self._indexes.get(key)
        if found is None:
            found = _reverse_plan(spec, target)
            self._indexes[key] = found
        return found

    def find_workflow(
        self,
        name: str,
        definition: Definition,
        workbook: str | None,
        execution: Execution,
    ) -> tuple[str, str, str] | None:
        """Find a sub-workflow: same document first, then stored definitions.

        Returns the document text, its checksum and the workflow's full name.
        """
        names = [name]
        if workbook and not name.startswith(f"{workbook}."):
            names.insert(0, f"{workbook}.{name}")
        for candidate in names:
            if candidate in definition.workflows:
                return execution.definition, execution.checksum, candidate
        with self.db.sessions() as session:
            for namespace in dict.fromkeys([execution.namespace, ""]):
                row = session.scalars(
                    select(WorkflowDefinition).where(
                        WorkflowDefinition.name == name,
                        WorkflowDefinition.namespace == namespace,
                        WorkflowDefinition.project_id == execution.project_id,
                    )
                ).first()
                if row is not None:
                    return row.definition, row.checksum, row.name
        return None

    # ------------------------------------------------------------ evaluation

    def evaluate(self, data: Any, context: Any, functions: Any) -> Any:
        return evaluate(data, context, functions or self._static)

    # ------------------------------------------------------------- callbacks

    def notify(self, event: str, subject: Any) -> None:
        if self.listener is not None:
            try:
                self.listener(event, subject)
            except Exception:  # a progress printer must not break the engine
                log.exception("listener failed on %s", event)

    def action_scheduled(self, action: ActionExecution) -> None:
        self._pending().append(action)

    def _pending(self) -> list[ActionExecution]:
        pending = getattr(self._scheduled, "actions", None)
        if pending is None:
            pending = self._scheduled.actions = []
        return pending

    def execution_ended(self, session: Session, execution: Execution) -> None:
        self.notify("execution_finished", execution)
        if execution.parent_task_id is None:
            return
        task = session.get(TaskExecution, execution.parent_task_id)
        if task is None:
            return
        parent = lock_execution(session, task.execution_id)
        if parent is None:
            return
        WorkflowRun(self, session, parent).child_done(task, execution)

    # ---------------------------------------------------------------- start

    def start(
        self,
        text: str,
        workflow_name: str | None = None,
        *,
        input: Mapping[str, Any] | None = None,
        env: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        namespace: str = "",
        project_id: str = "",
        description: str = "",
        cloud: str | None = None,
        source: str = "<string>",
        execution_id: str | None = None,
    ) -> str:
        """Create an execution of a workflow in ``text`` and start it.

        ``execution_id`` chooses the new execution's id. An id that is
        already in use raises ExecutionExists.

        Raises DefinitionError for an invalid document and StartError for an
        unknown workflow, bad input or a bad reverse target.
        """
        checksum = checksum_of(text)
        definition = self.definition(checksum, text, source)
        spec = _pick_workflow(definition, workflow_name)
        params = dict(params or {})
        if spec.type == "reverse":
            target = params.get("task_name")
            if not target or target not in spec.tasks:
                raise StartError(
                    f"Reverse workflow {spec.name} needs a target task (task_name); "
                    f"got {target!r}. Tasks: {', '.join(spec.tasks)}",
                    "task_name",
                )
        try:
            values = check_workflow_input(spec, input)
        except ValueError as error:
            raise StartError(str(error), _input_field(spec, input)) from error
        if cloud is not None:
            self._check_actions(definition, spec, cloud)
        try:
            with self.db.transaction() as session:
                if execution_id is not None and session.get(Execution, execution_id):
                    raise ExecutionExists(execution_id)
                execution = Execution(
                    id=execution_id or new_id(),
                    workflow_name=spec.name,
                    namespace=namespace,
                    project_id=project_id,
                    description=description,
                    definition=text,
                    checksum=checksum,
                    state=states.RUNNING,
                    input=values,
                    env=dict(env or {}),
                    params=params,
                    cloud=cloud,
                    resolutions={},
                    context={},
                    globals={},
                    output={},
                )
                session.add(execution)
                session.flush()
                WorkflowRun(self, session, execution).start()
                started_id = execution.id
        except IntegrityError:
            # Another request created an execution with this id in the
            # meantime.
            if execution_id is None:
                raise
            raise ExecutionExists(execution_id) from None
        self._dispatch()
        return started_id

    def _check_actions(
        self, definition: Definition, spec: WorkflowSpec, cloud: str
    ) -> None:
        """Refuse to start when a statically named action cannot run on the cloud.

        Every task whose action name is written out (not an expression) is
        resolved against the cloud's discovered versions; all refusals are
        reported together, each with the versions installed and why they do
        not fit. Unknown action names are left to fail at run time, as in
        Mistral.
        """
        from registry.errors import RegistryError

        try:
            self.registry.cloud_versions(cloud)
        except RegistryError as error:
            message = f"Cannot use cloud {cloud!r}: {error}"
            raise StartError(message, "cloud") from error
        probe = Execution(checksum=checksum_of(""), cloud=cloud)
        problems = []
        for task in spec.tasks.values():
            name = task.action
            if not name or task.workflow or "<%" in name or "{{" in name:
                continue
            try:
                self.resolve(name, definition, spec.workbook, probe)
            except ActionResolutionError as error:
                problems.append(f"task '{task.name}' ({name}): {error}")
            except LookupError:
                continue
        if problems:
            raise StartError(
                f"Workflow {spec.name} cannot run on cloud {cloud!r}:\n"
                + "\n".join(problems),
                "cloud",
            )

    # ------------------------------------------------------ execution control

    def _control(self, execution_id: str, action: Callable[[WorkflowRun], None]) -> None:
        with self.db.transaction() as session:
            execution = lock_execution(session, execution_id)
            if execution is None:
                raise ExecutionNotFound(execution_id)
            action(WorkflowRun(self, session, execution))
        self._dispatch()

    def pause(self, execution_id: str) -> None:
        """Pause a running execution and its sub-workflows."""

        def pause(run: WorkflowRun) -> None:
            if run.execution.state != states.RUNNING:
                raise ControlError(
                    f"Execution {execution_id} is {run.execution.state}; only a "
                    "RUNNING execution can be paused"
                )
            run.pause("Paused by request")

        self._control(execution_id, pause)

    def resume(self, execution_id: str, env: Mapping[str, Any] | None = None) -> None:
        """Resume a paused execution, optionally updating its environment."""

        def resume(run: WorkflowRun) -> None:
            if run.execution.state != states.PAUSED:
                raise ControlError(
                    f"Execution {execution_id} is {run.execution.state}; only a "
                    "PAUSED execution can be resumed"
                )
            if run.execution.parent_task_id is not None:
                raise ControlError(
                    f"Execution {execution_id} is a sub-workflow; resume its "
                    f"root execution {run.execution.root_execution_id}"
                )
            run.resume(env)

        self._control(execution_id, resume)

    def cancel(self, execution_id: str, message: str | None = None) -> None:
        """Cancel a running or paused execution and its sub-workflows."""

        def cancel(run: WorkflowRun) -> None:
            if run.execution.state in states.COMPLETED:
                raise ControlError(
                    f"Execution {execution_id} is already {run.execution.state}"
                )
            run.cancel(message or "Cancelled by request")

        self._control(execution_id, cancel)

    def rerun(
        self,
        execution_id: str,
        task_name: str,
        *,
        reset: bool = True,
        env: Mapping[str, Any] | None = None,
        re_resolve: bool = False,
    ) -> None:
        """Run a failed task of an execution again, continuing the execution.

        The task keeps the action version resolved for it the first time
        unless ``re_resolve`` is true.
        """

        def rerun(run: WorkflowRun) -> None:
            if run.execution.state not in (states.ERROR, states.PAUSED):
                raise ControlError(
                    f"Execution {execution_id} is {run.execution.state}; only an "
                    "execution in ERROR (or PAUSED) can rerun a task"
                )
            task = run.latest_task(task_name)
            if task is None:
                raise ControlError(
                    f"Task {task_name!r} has not run in execution {execution_id}"
                )
            try:
                run.rerun(task, reset=reset, env=env, re_resolve=re_resolve)
            except RerunError as error:
                raise ControlError(str(error)) from error

        self._control(execution_id, rerun)

    # ------------------------------------------------------------- executor

    def resolve(
        self,
        name: str,
        definition: Definition,
        workbook: str | None,
        execution: Execution,
        recorded_version: str | None = None,
    ) -> ResolvedAction:
        """Resolve a task's action name for its execution's cloud.

        ``recorded_version`` pins the version chosen for the task before (a
        rerun keeps what the first run used). Results are cached per
        definition, cloud and pin; the registry caches cloud discovery.
        """
        cloud = execution.cloud
        key = (execution.checksum, workbook, name, cloud, recorded_version)
        found = self._resolved.get(key)
        if found is None:
            found = resolve_action(
                name,
                definition,
                workbook,
                self._base_resolver(cloud, recorded_version),
                self.catalog.names,
            )
            self._resolved[key] = found
        return found

    def _base_resolver(self, cloud: str | None, recorded_version: str | None) -> Any:
        """Resolve base action names, through the registry when it matters.

        A plain name on no cloud, for an action without service requirements,
        is the catalogue's highest version; a pin, a cloud or requirements
        go through the registry, which explains every refusal.
        """

        def resolve(name: str) -> tuple[Any, Any]:
            plain, _, pin = name.partition("@")
            if not pin and recorded_version:
                name, pin = f"{plain}@=={recorded_version}", f"=={recorded_version}"
            if not pin and cloud is None:
                descriptor = self.catalog.get(plain)
                if not getattr(descriptor, "requirements", ()):
                    return descriptor, None
            # Imported here: keystoneauth1 and openstacksdk take most of a
            # second to import, which plain std workflows never need.
            from registry.errors import ActionNotFound, RegistryError
            from registry.registry import resolve_for_task

            source = self.registry if cloud is not None else self.catalog
            try:
                resolution = resolve_for_task(source, name, cloud)
            except ActionNotFound:
                raise
            except RegistryError as error:
                raise ActionResolutionError(str(error)) from error
            return resolution.descriptor, resolution

        return resolve

    def catalog_descriptor(self, action: ActionExecution) -> Any:
        """Return the descriptor an action ran with, or None when unknown."""
        resolved = getattr(action, "resolved", None)
        if resolved is not None:
            return resolved.descriptor
        try:
            return self.catalog.get(action.action.split("@", 1)[0], action.action_version)
        except LookupError:
            return None

    @property
    def registry(self) -> Any:
        """The registry used for clouds, built on first use from the catalogue."""
        if self._registry is None:
            from registry.registry import Registry

            self._registry = Registry(self.catalog)
        return self._registry

    def _dispatch(self) -> None:
        """Hand the actions scheduled by the committed transaction to workers.

        Inline actions (see ``_is_inline``) run right here and their
        outcomes join the queue of events.
        """
        actions = self._pending()
        self._scheduled.actions = []
        if not self.executor:
            return
        if self._stopping:
            # An asynchronous action only starts its work here, so it still
            # starts; the others are left to processes that keep running.
            self._hand_back([action for action in actions if not action.is_async])
            actions = [action for action in actions if action.is_async]
        for action in actions:
            if action.is_async:
                self._start_async(action)
                continue
            resolved = getattr(action, "resolved", None)
            if resolved is not None and _is_inline(resolved, action.input):
                with self._lock:
                    self._running.add(action.id)
                self._outcomes.put(self._run_inline(action, resolved))
                continue
            self._submit(action)

    def _take_queued(self, limit: int) -> list[_Outcome]:
        """Return up to ``limit`` outcomes already queued, without waiting."""
        taken: list[_Outcome] = []
        while len(taken) < limit:
            try:
                taken.append(self._outcomes.get_nowait())
            except queue.Empty:
                break
        return taken

    def _hand_back(self, actions: list[ActionExecution]) -> None:
        """Return actions scheduled while stopping to IDLE for other processes."""
        ids = [action.id for action in actions]
        if not ids:
            return
        with self.db.transaction() as session:
            count = leases.hand_back(session, self.owner, ids)
        log.info("stopping: %d scheduled action(s) left for other processes", count)

    def _submit(self, action: ActionExecution) -> None:
        with self._lock:
            if action.id in self._running:
                return
            self._running.add(action.id)
        resolved = getattr(action, "resolved", None)
        self._pool.submit(
            self._execute, action.id, action.action, _action_input(action),
            _run_context(action, self.action_settings), action.execution_id, resolved,
        )

    def _start_async(self, action: ActionExecution) -> None:
        """Call an asynchronous action, which starts work and returns nothing.

        Its result arrives later through ``complete_action`` (the REST API's
        PUT on the action execution); only a failure to start is an outcome.
        """
        resolved = getattr(action, "resolved", None)
        context = _run_context(action, self.action_settings)

        def start() -> None:
            try:
                chosen = resolved or self._resolve_for_execution(
                    action.action, action.execution_id, action.task_id
                )
                chosen.descriptor.run(_action_input(action), context)
            except Exception as error:  # a failed start fails the task
                self._outcomes.put(_failure_outcome(action.id, action.action, error))

        self._pool.submit(start)

    def _execute(
        self,
        action_id: str,
        name: str,
        payload: Any,
        context: Any,
        execution_id: str,
        resolved: ResolvedAction | None,
    ) -> None:
        try:
            if resolved is None:
                resolved = self._resolve_for_execution(name, execution_id, context.task_id)
            resolution = resolved.resolution
            if resolution is not None and resolution.services:
                clients = self.registry.service_clients(resolution, security=context.security)
                context = dataclasses.replace(context, services=clients)
            value = resolved.descriptor.run(payload, context)
            outcome = _Outcome(action_id, True, value, None)
        except Exception as error:  # every action failure becomes data
            outcome = _failure_outcome(action_id, name, error)
        self._outcomes.put(outcome)

    def _resolve_for_execution(
        self, name: str, execution_id: str, task_id: str
    ) -> ResolvedAction:
        """Resolve an action claimed from the database, as its task recorded it.

        The action has not run yet, so a database outage here only delays
        it: the lookup is retried with a growing pause for up to
        ``RESOLVE_RETRY_SECONDS`` instead of failing the task.
        """
        deadline = time.monotonic() + RESOLVE_RETRY_SECONDS
        pause = 0.2
        while True:
            try:
                return self._load_resolution(name, execution_id, task_id)
            except DB_UNAVAILABLE as error:
                if time.monotonic() + pause > deadline:
                    raise
                log.warning(
                    "database unavailable while preparing action execution of task "
                    "%s (execution %s), retrying in %.1f s: %s",
                    task_id, execution_id, pause, str(error).splitlines()[0],
                )
                time.sleep(pause)
                pause = min(pause * 2, MAX_BACKOFF_SECONDS)

    def _load_resolution(
        self, name: str, execution_id: str, task_id: str
    ) -> ResolvedAction:
        with self.db.sessions() as session:
            execution = session.get(Execution, execution_id)
            task = session.get(TaskExecution, task_id)
            if execution is None or task is None:
                raise ExecutionNotFound(execution_id)
            definition = self.definition(execution.checksum, execution.definition)
            spec = definition.workflows.get(execution.workflow_name)
            workbook = spec.workbook if spec else None
            recorded = (execution.resolutions or {}).get(task.name) or {}
            version = recorded.get("version") if recorded.get("action_name") == name else None
            return self.resolve(name, definition, workbook, execution, version)

    def _run_inline(self, action: ActionExecution, resolved: ResolvedAction) -> _Outcome:
        try:
            value = resolved.descriptor.run(
                _action_input(action), _run_context(action, self.action_settings)
            )
            return _Outcome(action.id, True, value, None, action)
        except Exception as error:  # same handling as in a worker
            return _failure_outcome(action.id, action.action, error)

    def _handle_outcome(self, outcome: _Outcome) -> None:
        """Handle one event in its own transaction (async completions)."""
        self._handle_batch([outcome])

    def _handle_batch(self, outcomes: list[_Outcome]) -> None:
        """Handle several action outcomes in one transaction.

        Inline actions scheduled while handling them run in the same
        transaction, up to ``MAX_EVENTS_PER_TRANSACTION`` events; the rest
        go back to the queue. If anything fails, the transaction is rolled
        back and each outcome is handled alone, so one bad event cannot
        take the others with it.
        """
        with self._lock:
            for outcome in outcomes:
                self._running.discard(outcome.action_id)
        try:
            with self.db.transaction() as session:
                # The session's identity map references rows weakly; keeping the
                # rows of this batch alive saves a SELECT per event.
                session.info["keep"] = self._prefetch(session, outcomes)
                pending = deque(outcomes)
                handled = 0
                while pending and handled < MAX_EVENTS_PER_TRANSACTION:
                    self._apply_outcome(session, pending.popleft())
                    handled += 1
                    pending.extend(self._take_inline())
                    if pending and handled % 50 == 0:
                        session.flush()
                for outcome in pending:
                    self._outcomes.put(outcome)
        except DB_UNAVAILABLE as error:
            # Keep the results in memory and try again once the database
            # responds; nothing an action returned is lost.
            self._scheduled.actions = []
            for outcome in outcomes:
                outcome.action = None
                self._outcomes.put(outcome)
            with self._lock:
                self._running.update(o.action_id for o in outcomes)
            self._database_unavailable(error)
            return
        except Exception:
            self._scheduled.actions = []
            if len(outcomes) == 1:
                log.exception(
                    "failed to handle the result of action execution %s",
                    outcomes[0].action_id,
                )
                self._fail_on_internal_error(outcomes[0])
                return
            for outcome in outcomes:
                outcome.action = None
                self._handle_batch([outcome])
            return
        self._dispatch()

    def _prefetch(self, session: Session, outcomes: list[_Outcome]) -> list[Any]:
        """Load the rows a batch of outcomes needs with three queries.

        Returns them so the caller keeps them alive for the transaction.
        """
        ids = [o.action_id for o in outcomes if o.action is None or o.action not in session]
        if not ids:
            return []
        actions = list(
            session.scalars(
                select(ActionExecution)
                .where(ActionExecution.id.in_(ids))
                .with_for_update()
            )
        )
        task_ids = {a.task_id for a in actions}
        execution_ids = {a.execution_id for a in actions}
        tasks = list(
            session.scalars(select(TaskExecution).where(TaskExecution.id.in_(task_ids)))
        )
        # Lock the executions in id order: events of one execution are
        # handled one at a time across processes, without deadlocks.
        executions = list(
            session.scalars(
                select(Execution)
                .where(Execution.id.in_(sorted(execution_ids)))
                .order_by(Execution.id)
                .with_for_update()
            )
        )
        return [*actions, *tasks, *executions]

    def _take_inline(self) -> list[_Outcome]:
        """Run the inline actions scheduled so far in this transaction."""
        pending = self._pending()
        inline: list[_Outcome] = []
        kept: list[ActionExecution] = []
        for action in pending:
            resolved = getattr(action, "resolved", None)
            if not action.is_async and resolved is not None and _is_inline(
                resolved, action.input
            ):
                inline.append(self._run_inline(action, resolved))
            else:
                kept.append(action)
        self._scheduled.actions = kept
        return inline

    def _apply_outcome(self, session: Session, outcome: _Outcome) -> None:
        action = outcome.action
        if action is None or action not in session:
            action = session.get(ActionExecution, outcome.action_id)
        if action is None or action.state in states.COMPLETED:
            return
        execution = session.get(Execution, action.execution_id)
        if execution is None:
            return
        run = WorkflowRun(self, session, execution)
        run.keep(execution)
        value, ok, error = outcome.value, outcome.ok, outcome.error
        if ok:
            try:
                resolved = getattr(action, "resolved", None) or self.resolve(
                    action.action, run.definition, run.spec.workbook, execution
                )
                value = self._transform(resolved, value)
            except ExpressionError as failure:
                ok, value, error = False, str(failure), str(failure)
        if action.run_input is not None:
            # Secret input values never reach stored results or error text.
            descriptor = run.core.catalog_descriptor(action)
            if descriptor is not None:
                value = descriptor.redact_result(value, action.run_input)
                if error is not None:
                    error = descriptor.redact_result(error, action.run_input)
        action.state = states.SUCCESS if ok else states.ERROR
        action.output = value
        action.error = error
        action.finished_at = utcnow()
        action.lease_owner = None
        if execution.state in (states.RUNNING, states.PAUSED):
            run.action_done(action, ok, value, error)

    def _fail_on_internal_error(self, outcome: _Outcome) -> None:
        """Record an outcome that the engine failed to handle as a task error.

        Keeps the workflow from staying RUNNING because of an engine bug.
        """
        try:
            with self.db.transaction() as session:
                action = session.get(ActionExecution, outcome.action_id)
                if action is None or action.state in states.COMPLETED:
                    return
                action.state = states.ERROR
                action.error = "internal error while handling the action result"
                execution = session.get(Execution, action.execution_id)
                task = session.get(TaskExecution, action.task_id)
                if execution is None or task is None:
                    return
                run = WorkflowRun(self, session, execution)
                run.complete_task(
                    task,
                    run.spec.tasks[task.name],
                    states.ERROR,
                    None,
                    "Internal error in the engine while handling the result of "
                    f"action execution {action.id}; see the engine log",
                )
        except Exception:
            log.exception("failed to record the internal error of %s", outcome.action_id)

    def _transform(self, resolved: ResolvedAction, value: Any) -> Any:
        if not resolved.adhoc:
            return value
        return transform_output(
            resolved, value, lambda data, ctx: self.evaluate(data, ctx, None)
        )

    def complete_action(
        self, action_id: str, ok: bool, value: Any, error: str | None = None
    ) -> None:
        """Deliver the result of an action (used for async actions)."""
        self._handle_outcome(_Outcome(action_id, ok, value, error))

    # ---------------------------------------------------------------- timers

    def _next_due(self) -> datetime | None:
        """Return when the next timer is due.

        Timers this process adds are tracked in memory; the jobs table is read
        again at most every ``JOB_POLL_SECONDS`` to see timers that other
        processes added.
        """
        now = time.monotonic()
        if now - self._due_checked_at >= JOB_POLL_SECONDS:
            with self.db.sessions() as session:
                self._due_hint = session.scalar(select(func.min(Job.due_at)))
            self._due_checked_at = now
        return self._due_hint

    def job_added(self, due: datetime) -> None:
        if self._due_hint is None or due < self._due_hint:
            self._due_hint = due

    def _fire_due_jobs(self) -> None:
        due_at = self._next_due()
        if due_at is None or due_at > utcnow():
            return
        now = utcnow()
        with self.db.sessions() as session:
            due = session.scalars(
                select(Job.id).where(Job.due_at <= now).order_by(Job.due_at)
            ).all()
        for job_id in due:
            with self.db.transaction() as session:
                # Another process may fire the same job; only one gets the row.
                job = session.scalars(
                    select(Job).where(Job.id == job_id).with_for_update(skip_locked=True)
                ).first()
                if job is None:
                    continue
                session.delete(job)
                self._run_job(session, job)
            self._dispatch()
        # Read the table again: firing may have added or removed timers.
        self._due_checked_at = float("-inf")

    def _run_job(self, session: Session, job: Job) -> None:
        execution = lock_execution(session, job.execution_id)
        task = session.get(TaskExecution, job.task_id) if job.task_id else None
        if execution is None or task is None or task.state in states.COMPLETED:
            return
        run = WorkflowRun(self, session, execution)
        task_spec = run.spec.tasks[task.name]
        if job.kind in ("wait_before", "retry"):
            if execution.state == states.RUNNING:
                run.run_task(task, task_spec)
            else:
                task.runtime = {**task.runtime, "resume": job.kind}
        elif job.kind == "wait_after":
            state = task.runtime.get("after_wait_state", states.SUCCESS)
            task.state = states.RUNNING
            run.complete_task(task, task_spec, state, task.result, task.state_info)
        elif job.kind == "timeout":
            seconds = (task.started_at and (utcnow() - task.started_at).total_seconds()) or 0
            for action in session.scalars(
                select(ActionExecution).where(
                    ActionExecution.task_id == task.id,
                    ActionExecution.state.notin_(states.COMPLETED),
                )
            ):
                action.state = states.CANCELLED
                action.error = "Task timed out"
            task.state = states.RUNNING
            run.complete_task(
                task,
                task_spec,
                states.ERROR,
                None,
                f"Task timed out [task={task.name}, elapsed={seconds:.1f}s]",
            )

    # ------------------------------------------------------------ run loop

    def run(self, execution_id: str, timeout: float | None = None) -> Execution:
        """Handle events until the execution ends or pauses; return it.

        Raises TimeoutError when ``timeout`` seconds pass first.
        """
        deadline = time.monotonic() + timeout if timeout else None
        while True:
            try:
                with self.db.sessions() as session:
                    execution = session.get(Execution, execution_id)
                    if execution is None:
                        raise ExecutionNotFound(execution_id)
                    if execution.state in states.COMPLETED or (
                        execution.state == states.PAUSED and not self._running
                    ):
                        return execution
            except DB_UNAVAILABLE as error:
                self._database_unavailable(error)
            wait = 0.5
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"execution {execution_id} still running")
                wait = min(wait, left)
            self.step(wait)

    def serve(self, stop: threading.Event, poll: float = 0.5) -> None:
        """Handle events for every execution until ``stop`` is set."""
        while not stop.is_set():
            self.step(poll)

    def step(self, max_wait: float) -> None:
        """Do one round of work: housekeeping, due timers, action results.

        Waits up to ``max_wait`` seconds for an action result. Database
        outages are logged and retried with a growing pause; results wait in
        memory meanwhile.
        """
        try:
            self._housekeeping()
            self._fire_due_jobs()
            self._dispatch()
            wait = max_wait
            due = self._next_due()
            if due is not None:
                wait = max(0.0, min(wait, (due - utcnow()).total_seconds()))
        except DB_UNAVAILABLE as error:
            self._database_unavailable(error)
            return
        try:
            outcome = self._outcomes.get(timeout=wait)
        except queue.Empty:
            return
        self._handle_batch([outcome, *self._take_queued(MAX_EVENTS_PER_TRANSACTION - 1)])

    # --------------------------------------------------------- housekeeping

    def _housekeeping(self) -> None:
        """Renew leases, take over abandoned actions and claim idle ones."""
        now = time.monotonic()
        if now - self._last_renewal >= leases.LEASE_SECONDS / 3:
            self._renew_leases()
            self._last_renewal = now
        if now - self._last_sweep < SWEEP_SECONDS:
            return
        first = self._last_sweep == float("-inf")
        self._last_sweep = now
        self._take_over_expired(orphans_only=False, include_orphans=first)
        if self.executor and not self._stopping:
            self._claim_idle()
        self._db_failures = 0

    def _renew_leases(self) -> None:
        with self._lock:
            running = list(self._running)
        if not running:
            return
        with self.db.transaction() as session:
            leases.renew(session, self.owner, running)

    def _claim_idle(self) -> None:
        """Run actions that another process scheduled (or a dead one left)."""
        with self.db.transaction() as session:
            claimed = leases.claim_idle(session, self.owner, CLAIM_BATCH)
            for action in claimed:
                self._pending().append(action)
        self._dispatch()

    def _take_over_expired(self, *, orphans_only: bool, include_orphans: bool) -> None:
        """Deal with actions whose executor stopped renewing its lease.

        A task marked ``safe-rerun`` gets the action run again; any other
        fails with a state info saying the executor was lost, and its
        workflow follows its on-error path.
        """
        with self.db.transaction() as session:
            rows = [] if orphans_only else leases.expired(session, CLAIM_BATCH)
            if include_orphans:
                rows += [r for r in leases.orphaned(session, self.owner) if r not in rows]
            for action in rows:
                self._take_over(session, action)
        self._dispatch()

    def _take_over(self, session: Session, action: ActionExecution) -> None:
        execution = lock_execution(session, action.execution_id)
        task = session.get(TaskExecution, action.task_id)
        if execution is None or task is None:
            return
        run = WorkflowRun(self, session, execution)
        task_spec = run.spec.tasks.get(task.name)
        lost_owner, expired_at = action.lease_owner, action.lease_expires
        log.warning(
            "executor %s of action execution %s (task %s, execution %s) stopped "
            "renewing its lease at %s",
            lost_owner, action.id, task.name, execution.id, expired_at,
        )
        if task_spec is not None and run.safe_rerun(task, task_spec):
            action.state = states.IDLE
            action.lease_owner = None
            action.lease_expires = None
            return
        message = (
            f"The executor running this action ({lost_owner}) was lost: its "
            f"lease expired at {expired_at} UTC. The action may or may not have "
            "run; mark the task safe-rerun: true to run it again instead."
        )
        self._apply_outcome(session, _Outcome(action.id, False, message, message, action))

    def _database_unavailable(self, error: Exception) -> None:
        self._db_failures += 1
        pause = min(MAX_BACKOFF_SECONDS, 0.2 * 2 ** min(self._db_failures, 8))
        log.warning(
            "database unavailable (attempt %d), retrying in %.1f s: %s",
            self._db_failures, pause, str(error).splitlines()[0] if str(error) else error,
        )
        time.sleep(pause)


#: Errors that mean the database cannot be reached or the transaction was
#: chosen as a deadlock victim: the event is retried later, never dropped.
DB_UNAVAILABLE = (OperationalError, InterfaceError)


def lock_execution(session: Session, execution_id: str) -> Execution | None:
    """Load an execution and lock its row until the transaction ends.

    On PostgreSQL this serializes events of one execution across processes;
    SQLite's write transaction already locks the whole database.
    """
    return session.get(
        Execution, execution_id, with_for_update=True, populate_existing=True
    )


def _action_input(action: ActionExecution) -> Any:
    """Return the input an action runs with (secret values included)."""
    return action.run_input if action.run_input is not None else action.input


def _run_context(action: ActionExecution, settings: Mapping[str, Any]) -> Any:
    from action_sdk import RunContext

    return RunContext(
        execution_id=action.execution_id,
        task_id=action.task_id,
        action_execution_id=action.id,
        workflow_name=getattr(action, "workflow_name", None),
        task_name=getattr(action, "task_name", None),
        extra=settings,
    )


def _failure_outcome(action_id: str, action_name: str, error: Exception) -> _Outcome:
    """Turn an action's exception into the result and state info Mistral shows.

    Error data that is truthy becomes the task result as it is. Without it,
    Mistral 23 wraps the message, and so does Levante, naming the action
    and the action execution.
    """
    from action_sdk import ActionError

    if isinstance(error, ActionError):
        data, message = error.data, error.message
    else:
        data, message = None, f"{type(error).__name__}: {error}"
    if data:
        return _Outcome(action_id, False, data, str(message))
    wrapped = (
        f"The action raised an exception [action={action_name}, "
        f"action_ex_id={action_id}, msg={str(message)!r}]"
    )
    return _Outcome(action_id, False, wrapped, wrapped)


def _pick_workflow(definition: Definition, name: str | None) -> WorkflowSpec:
    workflows = definition.workflows
    if name is None:
        if len(workflows) == 1:
            return next(iter(workflows.values()))
        raise StartError(
            "The definition has several workflows; choose one with --workflow: "
            + ", ".join(workflows),
            "workflow_name",
        )
    spec = workflows.get(name)
    if spec is None and definition.workbook:
        spec = workflows.get(f"{definition.workbook}.{name}")
    if spec is None:
        raise StartError(
            f"Workflow {name!r} not found in the definition. Workflows: "
            + ", ".join(workflows),
            "workflow_name",
        )
    return spec


def _input_field(spec: WorkflowSpec, given: Mapping[str, Any] | None) -> str:
    """Name the first missing, then the first unexpected, input parameter."""
    given = given or {}
    names = {param.name for param in spec.input}
    for param in spec.input:
        if param.required and param.name not in given:
            return f"input.{param.name}"
    for key in given:
        if key not in names:
            return f"input.{key}"
    return "input"


def _build_index(kind: str, spec: WorkflowSpec) -> Any:
    """Derive a graph index of a workflow: referenced names, inbound, joins."""
    defaults = spec.task_defaults
    if kind == "referenced":
        names: set[str] = set()
        for task in spec.tasks.values():
            names |= outbound_targets(task, defaults)
        return frozenset(names)
    inbound: dict[str, list[str]] = {}
    for task in spec.tasks.values():
        for event in ("on-success", "on-error", "on-complete"):
            for transition in effective_transitions(task, defaults, event):
                if transition.is_command or transition.target not in spec.tasks:
                    continue
                sources = inbound.setdefault(transition.target, [])
                if task.name not in sources:
                    sources.append(task.name)
    if kind == "inbound":
        return {name: tuple(sources) for name, sources in inbound.items()}
    joins: dict[str, list[str]] = {}
    for target, sources in inbound.items():
        if spec.tasks[target].join is None:
            continue
        for source in sources:
            joins.setdefault(source, []).append(target)
    return {name: tuple(targets) for name, targets in joins.items()}


def _reverse_plan(spec: WorkflowSpec, target: str | None) -> list[str]:
    if target is None or target not in spec.tasks:
        return []
    order: list[str] = []
    seen: set[str] = set()
    stack: list[tuple[str, bool]] = [(target, False)]
    while stack:
        name, expanded = stack.pop()
        if expanded:
            if name not in seen:
                seen.add(name)
                order.append(name)
            continue
        if name in seen:
            continue
        stack.append((name, True))
        requires = effective_requires(spec.tasks[name], spec.task_defaults)
        stack.extend((req, False) for req in reversed(requires) if req not in seen)
    return order

