"""The engine: turns events into transactions and runs actions.

``EngineCore`` owns what outlives one event: parsed definitions (cached by
checksum), derived graph indexes, the context cache, the action catalogue
and an executor thread pool. Each event (a start request, an action result,
a due timer) is handled in one database transaction by a ``WorkflowRun``.
``run()`` drives one process's share of the work until an execution ends.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import states
from engine.actions import ResolvedAction, resolve_action, transform_output
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
from engine.spec.model import Definition, WorkflowSpec
from engine.spec.parser import parse
from engine.workflow_run import RerunError, WorkflowRun, without_target

log = logging.getLogger(__name__)

#: Called with an event name and the row it is about (for progress output).
Listener = Callable[[str, Any], None]


class StartError(ValueError):
    """An execution cannot start: unknown workflow, bad input or parameters."""


class ControlError(ValueError):
    """A pause, resume, cancel or rerun request does not fit the state."""


class ExecutionNotFound(LookupError):
    """No execution has the given id."""

    def __init__(self, execution_id: str) -> None:
        super().__init__(f"Execution {execution_id} not found")
        self.execution_id = execution_id


def checksum_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class _Outcome:
    action_id: str
    ok: bool
    value: Any
    error: str | None


class EngineCore:
    """Shared engine state and the in-process event loop."""

    def __init__(
        self,
        db: Database,
        catalog: Any = None,
        *,
        listener: Listener | None = None,
        max_workers: int = 16,
    ) -> None:
        if catalog is None:
            from registry.discovery import load_plugins

            catalog = load_plugins()
        self.db = db
        self.catalog = catalog
        self.listener = listener
        self.contexts = ContextCache()
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._definitions: dict[str, Definition] = {}
        self._indexes: dict[tuple[str, str, str], Any] = {}
        self._static = StaticFunctions()
        # Actions scheduled by the transaction running on each thread; they
        # are handed to workers only after that transaction commits.
        self._scheduled = threading.local()
        self._outcomes: queue.Queue[_Outcome] = queue.Queue()
        self._pool = ThreadPoolExecutor(max_workers=max_workers)
        self._running: set[str] = set()
        self._lock = threading.Lock()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ---------------------------------------------------- definitions, graph

    def definition(self, checksum: str, text: str) -> Definition:
        found = self._definitions.get(checksum)
        if found is None:
            found = parse(text)
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
        """Every name a transition of the workflow points at."""
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

    def job_added(self, due: datetime) -> None:
        """Timers are read back from the jobs table, nothing to keep here."""

    def execution_ended(self, session: Session, execution: Execution) -> None:
        self.notify("execution_finished", execution)
        if execution.parent_task_id is None:
            return
        task = session.get(TaskExecution, execution.parent_task_id)
        if task is None:
            return
        parent = session.get(Execution, task.execution_id)
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
    ) -> str:
        """Create an execution of a workflow in ``text`` and start it.

        Raises DefinitionError for an invalid document and StartError for an
        unknown workflow, bad input or a bad reverse target.
        """
        checksum = checksum_of(text)
        definition = self.definition(checksum, text)
        spec = _pick_workflow(definition, workflow_name)
        params = dict(params or {})
        if spec.type == "reverse":
            target = params.get("task_name")
            if not target or target not in spec.tasks:
                raise StartError(
                    f"Reverse workflow {spec.name} needs a target task (task_name); "
                    f"got {target!r}. Tasks: {', '.join(spec.tasks)}"
                )
        try:
            values = check_workflow_input(spec, input)
        except ValueError as error:
            raise StartError(str(error)) from error
        with self.db.transaction() as session:
            execution = Execution(
                id=new_id(),
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
                context={},
                globals={},
                output={},
            )
            session.add(execution)
            session.flush()
            WorkflowRun(self, session, execution).start()
            execution_id = execution.id
        self._dispatch()
        return execution_id

    # ------------------------------------------------------ execution control

    def _control(self, execution_id: str, action: Callable[[WorkflowRun], None]) -> None:
        with self.db.transaction() as session:
            execution = session.get(Execution, execution_id)
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
    ) -> None:
        """Run a failed task of an execution again, continuing the execution."""

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
                run.rerun(task, reset=reset, env=env)
            except RerunError as error:
                raise ControlError(str(error)) from error

        self._control(execution_id, rerun)

    # ------------------------------------------------------------- executor

    def _dispatch(self) -> None:
        actions = self._pending()
        self._scheduled.actions = []
        for action in actions:
            if action.is_async:
                continue
            self._submit(action.id, action.action, action.input, action)

    def _submit(self, action_id: str, name: str, payload: Any, action: ActionExecution) -> None:
        with self._lock:
            if action_id in self._running:
                return
            self._running.add(action_id)
        context = _run_context(action)
        self._pool.submit(self._execute, action_id, name, payload, context, action.execution_id)

    def _execute(
        self, action_id: str, name: str, payload: Any, context: Any, execution_id: str
    ) -> None:
        try:
            with self.db.sessions() as session:
                execution = session.get(Execution, execution_id)
                definition = (
                    self.definition(execution.checksum, execution.definition)
                    if execution
                    else None
                )
                workbook = None
                if execution is not None and definition is not None:
                    spec = definition.workflows.get(execution.workflow_name)
                    workbook = spec.workbook if spec else None
            resolved = resolve_action(name, definition, workbook, self.catalog)
            value = resolved.descriptor.run(payload, context)
            outcome = _Outcome(action_id, True, value, None)
        except Exception as error:  # every action failure becomes data
            outcome = _failure_outcome(action_id, name, error)
        self._outcomes.put(outcome)

    def _handle_outcome(self, outcome: _Outcome) -> None:
        with self._lock:
            self._running.discard(outcome.action_id)
        with self.db.transaction() as session:
            action = session.get(ActionExecution, outcome.action_id)
            if action is None or action.state in states.COMPLETED:
                return
            execution = session.get(Execution, action.execution_id)
            if execution is None:
                return
            run = WorkflowRun(self, session, execution)
            value = outcome.value
            ok = outcome.ok
            error = outcome.error
            if ok:
                try:
                    resolved = resolve_action(
                        action.action, run.definition, run.spec.workbook, self.catalog
                    )
                    value = self._transform(resolved, value)
                except ExpressionError as failure:
                    ok, value, error = False, str(failure), str(failure)
            action.state = states.SUCCESS if ok else states.ERROR
            action.output = value
            action.error = error
            action.finished_at = utcnow()
            action.lease_owner = None
            if execution.state in (states.RUNNING, states.PAUSED):
                run.action_done(action, ok, value, error)
        self._dispatch()

    def _transform(self, resolved: ResolvedAction, value: Any) -> Any:
        if not resolved.adhoc:
            return value
        return transform_output(
            resolved, value, lambda data, ctx: self.evaluate(data, ctx, None)
        )

    def complete_action(self, action_id: str, ok: bool, value: Any, error: str | None = None) -> None:
        """Deliver the result of an action (used for async actions)."""
        self._handle_outcome(_Outcome(action_id, ok, value, error))

    # ---------------------------------------------------------------- timers

    def _next_due(self) -> datetime | None:
        with self.db.sessions() as session:
            return session.scalar(select(func.min(Job.due_at)))

    def _fire_due_jobs(self) -> None:
        now = utcnow()
        with self.db.sessions() as session:
            due = session.scalars(
                select(Job.id).where(Job.due_at <= now).order_by(Job.due_at)
            ).all()
        for job_id in due:
            with self.db.transaction() as session:
                job = session.get(Job, job_id)
                if job is None:
                    continue
                session.delete(job)
                self._run_job(session, job)
            self._dispatch()

    def _run_job(self, session: Session, job: Job) -> None:
        execution = session.get(Execution, job.execution_id)
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
        self._recover_scheduled()
        while True:
            with self.db.sessions() as session:
                execution = session.get(Execution, execution_id)
                if execution is None:
                    raise ExecutionNotFound(execution_id)
                if execution.state in states.COMPLETED or (
                    execution.state == states.PAUSED and not self._running
                ):
                    return execution
            wait = 0.5
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"execution {execution_id} still running")
                wait = min(wait, left)
            self.step(wait)

    def serve(self, stop: threading.Event, poll: float = 0.5) -> None:
        """Handle events for every execution until ``stop`` is set."""
        self._recover_scheduled()
        while not stop.is_set():
            self.step(poll)

    def step(self, max_wait: float) -> None:
        """Fire due timers, then wait up to ``max_wait`` s for action results."""
        self._fire_due_jobs()
        self._dispatch()
        wait = max_wait
        due = self._next_due()
        if due is not None:
            wait = max(0.0, min(wait, (due - utcnow()).total_seconds()))
        try:
            outcome = self._outcomes.get(timeout=wait)
        except queue.Empty:
            return
        self._handle_outcome(outcome)
        while True:
            try:
                outcome = self._outcomes.get_nowait()
            except queue.Empty:
                break
            self._handle_outcome(outcome)

    def _recover_scheduled(self) -> None:
        """Dispatch action runs that were scheduled but never handed out."""
        with self.db.sessions() as session:
            rows = session.scalars(
                select(ActionExecution).where(
                    ActionExecution.state == states.IDLE,
                    ActionExecution.is_async.is_(False),
                )
            ).all()
        for action in rows:
            self._submit(action.id, action.action, action.input, action)


def _run_context(action: ActionExecution) -> Any:
    from action_sdk import RunContext

    return RunContext(
        execution_id=action.execution_id,
        task_id=action.task_id,
        action_execution_id=action.id,
        workflow_name=None,
        task_name=None,
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
            + ", ".join(workflows)
        )
    spec = workflows.get(name)
    if spec is None and definition.workbook:
        spec = workflows.get(f"{definition.workbook}.{name}")
    if spec is None:
        raise StartError(
            f"Workflow {name!r} not found in the definition. Workflows: "
            + ", ".join(workflows)
        )
    return spec


def _build_index(kind: str, spec: WorkflowSpec) -> dict[str, tuple[str, ...]]:
    inbound: dict[str, list[str]] = {}
    defaults = spec.task_defaults
    for task in spec.tasks.values():
        for clause_name in ("on_success", "on_error", "on_complete"):
            clause = getattr(task, clause_name)
            if clause is None:
                clause = without_target(getattr(defaults, clause_name), task.name)
            if clause is None:
                continue
            for transition in clause.transitions:
                if transition.is_command:
                    continue
                if transition.target in spec.tasks:
                    names = inbound.setdefault(transition.target, [])
                    if task.name not in names:
                        names.append(task.name)
    if kind == "referenced":
        return frozenset(
            transition.target
            for task in spec.tasks.values()
            for clause_name in ("on_success", "on_error", "on_complete")
            for clause in [
                getattr(task, clause_name)
                or without_target(getattr(defaults, clause_name), task.name)
            ]
            if clause is not None
            for transition in clause.transitions
        )
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
        requires = spec.tasks[name].requires or spec.task_defaults.requires
        stack.extend((req, False) for req in reversed(requires) if req not in seen)
    return order

