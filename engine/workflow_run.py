"""The state machine of one workflow execution.

``WorkflowRun`` wraps one ``Execution`` row and the session of the event
being handled. Every public method is one step of an event: it changes rows
in that session and never commits; the caller commits the whole event at
once. Work for later (action runs, timers) is written as rows, never kept
in memory, so a crash between two events loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from engine import leases, states
from engine.actions import (
    ActionNotFoundError,
    ActionResolutionError,
    AdhocInputError,
    ResolvedAction,
    unfold_input,
)
from engine.dataflow import inbound_from, merge, outbound_context
from engine.db.models import (
    ActionExecution,
    Execution,
    Job,
    TaskExecution,
    new_id,
    utcnow,
)
from engine.expressions import ExpressionError
from engine.functions import RunFunctions
from engine.inputs import WorkflowInputError, check_workflow_input
from engine.spec.graph import effective_requires
from engine.spec.model import (
    Definition,
    Policies,
    TaskSpec,
    Transition,
    TransitionClause,
    WorkflowSpec,
)

if TYPE_CHECKING:
    from engine.core import EngineCore

log = logging.getLogger(__name__)

NOOP_ACTION = "std.noop"


class TaskFailure(Exception):
    """A task cannot go on; the message becomes its state info."""


class RerunError(ValueError):
    """A rerun was requested for a task that cannot be rerun."""


class WorkflowRun:
    """One execution, read and changed inside one event's session."""

    def __init__(self, core: EngineCore, session: Session, execution: Execution):
        self.core = core
        self.session = session
        self.execution = execution
        self.definition: Definition = core.definition(
            execution.checksum, execution.definition
        )
        spec = self.definition.workflows.get(execution.workflow_name)
        if spec is None:
            raise LookupError(f"workflow {execution.workflow_name} not in definition")
        self.spec: WorkflowSpec = spec

    # ----------------------------------------------------------------- start

    def start(self) -> None:
        """Evaluate vars and schedule the start tasks."""
        execution = self.execution
        execution.state = states.RUNNING
        try:
            context = dict(execution.input or {})
            if self.spec.vars:
                values = self.evaluate(self.spec.vars, context, RunFunctions(self))
                context = merge(context, values)
            execution.context = context
        except ExpressionError as error:
            self.fail_workflow(f"Failed to evaluate workflow vars: {error}")
            return
        self.core.notify("execution_started", execution)
        if self.spec.type == "reverse":
            starts = self.reverse_start_tasks()
        else:
            starts = self.direct_start_tasks()
        for task_spec in starts:
            self.schedule_task(task_spec, parents=[])
            if self.execution.state != states.RUNNING:
                break
        self.finish_if_done()

    def direct_start_tasks(self) -> list[TaskSpec]:
        """Tasks that no transition names, commands included.

        A task named like an engine command is never a start task when a
        transition names it, although the command runs instead of it (as in
        Mistral 23).
        """
        referenced = self.core.referenced_names(self.execution.checksum, self.spec)
        return [t for t in self.spec.tasks.values() if t.name not in referenced]

    def reverse_start_tasks(self) -> list[TaskSpec]:
        target = (self.execution.params or {}).get("task_name")
        needed = self.core.reverse_plan(self.execution.checksum, self.spec, target)
        return [
            self.spec.tasks[name]
            for name in needed
            if not self.requires_of(self.spec.tasks[name])
        ]

    def requires_of(self, task_spec: TaskSpec) -> tuple[str, ...]:
        return effective_requires(task_spec, self.spec.task_defaults)

    # ---------------------------------------------------------- task lookups

    def latest_task(self, name: str) -> TaskExecution | None:
        query = (
            select(TaskExecution)
            .where(
                TaskExecution.execution_id == self.execution.id,
                TaskExecution.name == name,
            )
            .order_by(TaskExecution.seq.desc())
            .limit(1)
        )
        return self.session.scalars(query).first()

    def task_links(self, task_id: str) -> tuple[list[str], Mapping[str, Any], bool]:
        task = self.get_task(task_id)
        if task is None:
            raise LookupError(f"task execution {task_id} not found")
        # A task in ERROR may be rerun and a join may run another round, so
        # what they published can still change.
        final = task.state == states.SUCCESS and self.spec.tasks[task.name].join is None
        return list(task.parents or []), task.published or {}, final

    def inbound_context(self, task: TaskExecution) -> dict[str, Any]:
        parents = list(task.parents or [])
        cache = self.core.contexts
        contexts = {
            parent: outbound_context(parent, {}, self.task_links, cache)
            for parent in parents
        }
        return inbound_from(parents, {}, cache, contexts)

    def outbound_context(self, task: TaskExecution) -> dict[str, Any]:
        inbound = self.inbound_context(task)
        return merge(inbound, task.published) if task.published else inbound

    def expression_context(self, inbound: Mapping[str, Any]) -> dict[str, Any]:
        """Layer the data an expression sees, later layers winning.

        As in Mistral, ``$`` looks a name up in the task's inbound context
        first, then in global variables, the workflow context (input and
        vars) and the raw workflow input.
        """
        execution = self.execution
        context = dict(execution.input or {})
        context.update(execution.context or {})
        context.update(execution.globals or {})
        context.update(inbound)
        return context

    def evaluate(self, data: Any, context: Any, functions: RunFunctions) -> Any:
        return self.core.evaluate(data, context, functions)

    def policies(self, task_spec: TaskSpec) -> Policies:
        return task_spec.policies

    def policy(self, task_spec: TaskSpec, name: str) -> Any:
        """Return a policy value, falling back to task-defaults when unset.

        Mistral 23 treats any false-like value on the task (``false``, ``0``)
        as unset, so the task-defaults value wins.
        """
        value = getattr(task_spec.policies, name)
        if not value:
            default = getattr(self.spec.task_defaults.policies, name)
            if default is not None:
                return default
        return value

    def eval_policy(self, task: TaskExecution, task_spec: TaskSpec, name: str) -> Any:
        value = self.policy(task_spec, name)
        if value is None:
            return None
        return self.eval_value(task, value, name.replace("_", "-"))

    def safe_rerun(self, task: TaskExecution, task_spec: TaskSpec) -> bool:
        """Return whether the task's action may run again after its executor died."""
        try:
            return bool(self.eval_policy(task, task_spec, "safe_rerun"))
        except TaskFailure:
            return False

    def eval_value(self, task: TaskExecution, value: Any, name: str) -> Any:
        """Evaluate a task attribute in the task's inbound context."""
        context = self.expression_context(self.inbound_context(task))
        try:
            return self.evaluate(value, context, RunFunctions(self, task))
        except ExpressionError as error:
            raise TaskFailure(
                f"Failed to evaluate {name} of task '{task.name}': {error}"
            ) from error

    # ---------------------------------------------------------- scheduling

    def schedule_task(
        self,
        task_spec: TaskSpec,
        parents: list[str],
        state: str = states.RUNNING,
    ) -> TaskExecution:
        """Create a task execution and start it, honouring its policies."""
        execution = self.execution
        execution.task_seq += 1
        task = TaskExecution(
            id=new_id(),
            execution_id=execution.id,
            name=task_spec.name,
            seq=execution.task_seq,
            state=state,
            parents=parents,
            published={},
            runtime={},
            # Stamped now, not at flush, so a wait-before timer counted
            # from this moment never fires before created_at + delay.
            created_at=utcnow(),
        )
        self.session.add(task)
        self.keep(task)
        self.session.info.setdefault("tasks", {})[task.id] = task
        if state == states.WAITING:
            return task
        execution.active_tasks += 1
        self.begin_task(task, task_spec)
        return task

    def begin_task(self, task: TaskExecution, task_spec: TaskSpec) -> None:
        """Apply pause-before and wait-before, then run the task."""
        try:
            if not task.runtime.get("pause_done") and self.eval_policy(
                task, task_spec, "pause_before"
            ):
                task.state = states.IDLE
                self._set_runtime(task, pause_done=True)
                self.pause(f"Paused before task '{task.name}'")
                return
            delay = self.eval_policy(task, task_spec, "wait_before")
            if delay and not task.runtime.get("waited"):
                seconds = _seconds(delay, "wait-before", task.name)
                if seconds > 0:
                    task.state = states.RUNNING_DELAYED
                    self._set_runtime(task, waited=True)
                    self.add_job("wait_before", task, seconds)
                    return
        except TaskFailure as failure:
            self.complete_task(task, task_spec, states.ERROR, None, str(failure))
            return
        self.run_task(task, task_spec)

    def run_task(self, task: TaskExecution, task_spec: TaskSpec) -> None:
        task.state = states.RUNNING
        task.started_at = task.started_at or utcnow()
        self.core.notify("task_started", task)
        try:
            if task_spec.target is not None:
                # Levante runs every action in its own executors; the target
                # is evaluated and recorded for operators, as Mistral accepts
                # it.
                self._set_runtime(task, target=self.eval_value(task, task_spec.target, "target"))
            timeout = self.eval_policy(task, task_spec, "timeout")
            if timeout:
                seconds = _seconds(timeout, "timeout", task.name)
                if seconds > 0:
                    self.add_job("timeout", task, seconds)
            if task_spec.with_items is not None:
                self.start_items(task, task_spec)
            else:
                self.start_call(task, task_spec, item_index=0, item_values=None)
        except TaskFailure as failure:
            self.complete_task(task, task_spec, states.ERROR, None, str(failure))

    def task_input(
        self,
        task: TaskExecution,
        task_spec: TaskSpec,
        item_values: Mapping[str, Any] | None,
    ) -> tuple[str | None, dict[str, Any]]:
        """Evaluate the action or workflow name and the input of a task."""
        context = self.expression_context(self.inbound_context(task))
        if item_values:
            context.update(item_values)
        functions = RunFunctions(self, task)
        try:
            name = task_spec.workflow or task_spec.action
            if name is not None:
                name = self.evaluate(name, context, functions)
            given: Any = {}
            if task_spec.input is not None:
                given = self.evaluate(task_spec.input, context, functions)
                if not isinstance(given, Mapping):
                    raise TaskFailure(
                        f"Input of task '{task.name}' must be a mapping, got "
                        f"{type(given).__name__}: {given!r}"
                    )
            if task_spec.inline_input:
                inline = self.evaluate(task_spec.inline_input, context, functions)
                # Mistral 23 lets an inline parameter win over the same key
                # under input:, contrary to its documentation.
                given = {**given, **inline}
        except ExpressionError as error:
            raise TaskFailure(
                f"Failed to evaluate the input of task '{task.name}': {error}"
            ) from error
        return name, dict(given)

    def start_call(
        self,
        task: TaskExecution,
        task_spec: TaskSpec,
        item_index: int,
        item_values: Mapping[str, Any] | None,
    ) -> None:
        """Start one action call or sub-workflow for a task (or one item)."""
        name, given = self.task_input(task, task_spec, item_values)
        if task_spec.workflow is not None:
            self.start_child(task, str(name), given, item_index)
            return
        action_name = str(name) if name else NOOP_ACTION
        recorded = (self.execution.resolutions or {}).get(task.name) or {}
        try:
            resolved = self.core.resolve(
                action_name,
                self.definition,
                self.spec.workbook,
                self.execution,
                recorded.get("version") if recorded.get("action_name") == action_name else None,
            )
            action_input = unfold_input(
                resolved, given, lambda data, ctx: self.core.evaluate(data, ctx, None)
            )
        except (
            ActionNotFoundError,
            ActionResolutionError,
            AdhocInputError,
            ExpressionError,
        ) as error:
            raise TaskFailure(str(error)) from error
        except Exception as error:  # the SDK's input errors
            if type(error).__name__ != "ActionInputError":
                raise
            raise TaskFailure(str(error)) from error
        action = ActionExecution(
            id=new_id(),
            task_id=task.id,
            execution_id=self.execution.id,
            action=action_name,
            action_version=resolved.version,
            item_index=item_index,
            state=states.IDLE,
            input=action_input,
            is_async=resolved.is_async,
        )
        redact = getattr(resolved.descriptor, "redact_input", None)
        if redact is not None:
            shown = redact(action_input)
            if shown != action_input:
                action.input = shown
                action.run_input = action_input
        # Kept on the object (not a column) so the executor need not resolve
        # the name again.
        action.resolved = resolved  # type: ignore[attr-defined]
        action.task_name = task.name  # type: ignore[attr-defined]
        action.workflow_name = self.spec.name  # type: ignore[attr-defined]
        if resolved.resolution is not None and not recorded:
            self.record_resolution(task, action_name, resolved)
        if action.is_async:
            # Started by the executor; it stays RUNNING until its result is
            # delivered, with no lease since no process holds it.
            action.state = states.RUNNING
        elif self.core.executor:
            leases.take(action, self.core.owner)
        self.session.add(action)
        self.core.action_scheduled(action)

    def record_resolution(
        self, task: TaskExecution, action_name: str, resolved: ResolvedAction
    ) -> None:
        """Keep the version and microversions chosen for a task.

        Recorded once per task name: later runs of the task (loops, retries,
        reruns) use the same version unless a rerun requests a new resolution.
        """
        record = {"action_name": action_name, **resolved.resolution.to_dict()}
        self.execution.resolutions = {
            **(self.execution.resolutions or {}),
            task.name: record,
        }

    def start_child(
        self, task: TaskExecution, name: str, given: dict[str, Any], item_index: int
    ) -> None:
        """Create and start a sub-workflow execution for a task."""
        found = self.core.find_workflow(
            name, self.definition, self.spec.workbook, self.execution
        )
        if found is None:
            raise TaskFailure(f"Failed to find workflow [name={name}]")
        text, checksum, full_name = found
        child_definition = self.core.definition(checksum, text)
        child_spec = child_definition.workflows[full_name]
        try:
            child_input = check_workflow_input(child_spec, given)
        except WorkflowInputError as error:
            raise TaskFailure(str(error)) from error
        child = Execution(
            id=new_id(),
            workflow_name=full_name,
            namespace=self.execution.namespace,
            project_id=self.execution.project_id,
            definition=text,
            checksum=checksum,
            state=states.RUNNING,
            input=child_input,
            env=self.execution.env,
            params={"item_index": item_index},
            parent_task_id=task.id,
            cloud=self.execution.cloud,
            resolutions={},
            root_execution_id=self.execution.root_execution_id or self.execution.id,
            context={},
            globals={},
            output={},
        )
        self.session.add(child)
        self.session.flush()
        WorkflowRun(self.core, self.session, child).start()

    # ------------------------------------------------------------ with-items

    def start_items(self, task: TaskExecution, task_spec: TaskSpec) -> None:
        spec = task_spec.with_items
        assert spec is not None
        context = self.expression_context(self.inbound_context(task))
        functions = RunFunctions(self, task)
        try:
            lists = [self.evaluate(c, context, functions) for c in spec.collections]
        except ExpressionError as error:
            raise TaskFailure(
                f"Failed to evaluate with-items of task '{task.name}': {error}"
            ) from error
        for variable, values in zip(spec.variables, lists, strict=True):
            if not isinstance(values, list):
                raise TaskFailure(
                    f"with-items of task '{task.name}' needs a list for "
                    f"'{variable}', got {type(values).__name__}: {values!r}"
                )
        lengths = {len(values) for values in lists}
        if len(lengths) > 1:
            raise TaskFailure(
                f"with-items of task '{task.name}' zips lists of different "
                f"lengths: {sorted(lengths)}"
            )
        count = lengths.pop() if lengths else 0
        concurrency = self.eval_policy(task, task_spec, "concurrency")
        limit = int(concurrency) if concurrency else 0
        rows = zip(*lists, strict=True)
        task.items = [dict(zip(spec.variables, row, strict=True)) for row in rows]
        self._set_runtime(
            task,
            item_count=count,
            items_next=0,
            items_redo=[],
            items_running=0,
            items_failed=0,
            concurrency=limit,
        )
        if count == 0:
            self.complete_task(task, task_spec, states.SUCCESS, [], None)
            return
        self.start_more_items(task, task_spec)

    def start_more_items(self, task: TaskExecution, task_spec: TaskSpec) -> None:
        """Start items while the concurrency limit allows.

        Items start in order; ``items_redo`` lists items picked again by a
        rerun. After an item fails no new item starts, and the task fails
        once the running ones end, as in Mistral.
        """
        while True:
            runtime = task.runtime
            limit = runtime["concurrency"] or runtime["item_count"]
            if runtime["items_failed"] or runtime["items_running"] >= limit:
                return
            running = runtime["items_running"] + 1
            if runtime["items_redo"]:
                index = runtime["items_redo"][0]
                self._set_runtime(
                    task, items_redo=runtime["items_redo"][1:], items_running=running
                )
            elif runtime["items_next"] < runtime["item_count"]:
                index = runtime["items_next"]
                self._set_runtime(task, items_next=index + 1, items_running=running)
            else:
                return
            try:
                self.start_call(task, task_spec, index, task.items[index])
            except TaskFailure as failure:
                self.item_done(task, task_spec, index, False, None, str(failure))
                return

    def item_done(
        self,
        task: TaskExecution,
        task_spec: TaskSpec,
        index: int,
        ok: bool,
        value: Any,
        error: str | None,
    ) -> None:
        runtime = task.runtime
        self._set_runtime(
            task,
            items_running=runtime["items_running"] - 1,
            items_failed=runtime["items_failed"] + (0 if ok else 1),
        )
        if error is not None:
            self._set_runtime(task, items_error=error)
        self.start_more_items(task, task_spec)
        runtime = task.runtime
        if runtime["items_running"] > 0:
            return
        left = runtime["items_redo"] or runtime["items_next"] < runtime["item_count"]
        if left and not runtime["items_failed"]:
            return
        results = self.item_results(task, runtime["item_count"])
        if runtime["items_failed"]:
            self.attempt_done(task, task_spec, False, results, runtime.get("items_error"))
        else:
            self.attempt_done(task, task_spec, True, results, None)

    def item_results(self, task: TaskExecution, count: int) -> list[Any]:
        """Return each item's result from its latest completed run, in item order."""
        results: list[Any] = [None] * count
        for index, (state, output) in self.latest_item_runs(task).items():
            if 0 <= index < count and state in states.COMPLETED:
                results[index] = output
        return results

    def latest_item_runs(self, task: TaskExecution) -> dict[int, tuple[str, Any]]:
        """Map each with-items index to the state and output of its latest run.

        An item runs again after a rerun without reset, so older runs of the
        same index (action executions or sub-workflows) are overridden.
        """
        runs: list[tuple[Any, int, str, Any]] = []
        actions = self.session.execute(
            select(
                ActionExecution.created_at,
                ActionExecution.item_index,
                ActionExecution.state,
                ActionExecution.output,
            ).where(ActionExecution.task_id == task.id)
        )
        for created_at, index, state, output in actions:
            runs.append((created_at, index, state, output))
        children = self.session.execute(
            select(
                Execution.created_at, Execution.params, Execution.state, Execution.output
            ).where(Execution.parent_task_id == task.id)
        )
        for created_at, params, state, output in children:
            runs.append((created_at, (params or {}).get("item_index", 0), state, output))
        runs.sort(key=lambda run: run[0])
        return {index: (state, output) for _, index, state, output in runs}

    # ------------------------------------------------------------ results

    def action_done(
        self, action: ActionExecution, ok: bool, value: Any, error: str | None
    ) -> None:
        """Record an action's outcome and move its task on."""
        task = self.get_task(action.task_id)
        if task is None or task.state not in (states.RUNNING,):
            return
        self.keep(task)
        task_spec = self.spec.tasks[task.name]
        if task_spec.with_items is not None:
            self.item_done(task, task_spec, action.item_index, ok, value, error)
            return
        self.attempt_done(task, task_spec, ok, value, error)

    def child_done(self, task: TaskExecution, child: Execution) -> None:
        """Move a task on after its sub-workflow execution ended."""
        if task.state != states.RUNNING:
            return
        if child.state == states.CANCELLED:
            # Mistral cascades a sub-workflow's cancellation to its parents.
            self.cancel(child.state_info)
            return
        task_spec = self.spec.tasks[task.name]
        ok = child.state == states.SUCCESS
        error = None if ok else child.state_info
        if task_spec.with_items is not None:
            index = (child.params or {}).get("item_index", 0)
            self.item_done(task, task_spec, index, ok, child.output, error)
            return
        self.attempt_done(task, task_spec, ok, child.output, error)

    def attempt_done(
        self,
        task: TaskExecution,
        task_spec: TaskSpec,
        ok: bool,
        value: Any,
        error: str | None,
    ) -> None:
        """Apply the retry policy to one finished attempt of a task."""
        task.result = value
        task.state_info = error
        retry = self.policy(task_spec, "retry")
        if retry is not None:
            try:
                again, delay = self.retry_decision(task, task_spec, retry, ok)
            except TaskFailure as failure:
                self.complete_task(task, task_spec, states.ERROR, value, str(failure))
                return
            if again:
                self._set_runtime(task, retry_no=task.runtime.get("retry_no", 0) + 1)
                if delay > 0:
                    task.state = states.RUNNING_DELAYED
                    self.add_job("retry", task, delay)
                else:
                    self.run_task(task, task_spec)
                return
        state = states.SUCCESS if ok else states.ERROR
        try:
            wait_after = self.eval_policy(task, task_spec, "wait_after")
            seconds = _seconds(wait_after, "wait-after", task.name) if wait_after else 0
        except TaskFailure as failure:
            self.complete_task(task, task_spec, states.ERROR, value, str(failure))
            return
        if seconds > 0:
            self._set_runtime(task, after_wait_state=state)
            task.state = states.RUNNING_DELAYED
            self.add_job("wait_after", task, seconds)
            return
        self.complete_task(task, task_spec, state, value, error)

    def retry_decision(
        self, task: TaskExecution, task_spec: TaskSpec, retry: Any, ok: bool
    ) -> tuple[bool, float]:
        context = self.expression_context(self.inbound_context(task))
        functions = RunFunctions(self, task)
        try:
            count = self.evaluate(retry.count, context, functions)
            delay = self.evaluate(retry.delay, context, functions) or 0
            if ok:
                if retry.continue_on is None:
                    return False, 0
                if not self.evaluate(retry.continue_on, context, functions):
                    return False, 0
            elif retry.break_on is not None and self.evaluate(
                retry.break_on, context, functions
            ):
                return False, 0
        except ExpressionError as error:
            raise TaskFailure(
                f"Failed to evaluate retry of task '{task.name}': {error}"
            ) from error
        done = task.runtime.get("retry_no", 0)
        return done < int(count or 0), _seconds(delay, "retry delay", task.name)

    # ------------------------------------------------------------ completion

    def complete_task(
        self,
        task: TaskExecution,
        task_spec: TaskSpec,
        state: str,
        result: Any,
        state_info: str | None,
    ) -> None:
        """Finish a task: publish, follow transitions, maybe end the workflow."""
        if task.state in states.COMPLETED:
            return
        was_waiting = task.state == states.WAITING
        task.state = state
        task.state_info = state_info
        earlier = (task.runtime or {}).get("results")
        if earlier:
            # A join in its second or later round: Mistral 23 shows the
            # results of all its successful runs.
            result = [*earlier, result]
        keep = task_spec.keep_result
        task.result = result if keep is not False else None
        task.finished_at = utcnow()
        if not was_waiting:
            self.execution.active_tasks -= 1
        self.cancel_jobs(task)
        published_value = result
        if state == states.SUCCESS and task_spec.policies.fail_on is not None:
            self._apply_fail_on(task, task_spec, published_value)
        self.publish(task, task_spec, published_value)
        self.core.notify("task_finished", task)
        if self.execution.state == states.RUNNING:
            task.processed = True
            self.follow_transitions(task, task_spec)
        self.finish_if_done()

    def _apply_fail_on(self, task: TaskExecution, task_spec: TaskSpec, result: Any) -> None:
        try:
            failed = self.eval_policy(task, task_spec, "fail_on")
        except TaskFailure as failure:
            task.state = states.ERROR
            task.state_info = str(failure)
            return
        if failed:
            task.state = states.ERROR
            task.state_info = f"Failed by fail-on policy of task '{task.name}'"

    def publish(self, task: TaskExecution, task_spec: TaskSpec, result: Any) -> None:
        success = task.state == states.SUCCESS
        clauses = self.clauses(task_spec)
        branch: list[Any] = []
        global_: list[Any] = []
        if success:
            branch.append(task_spec.publish)
            clause = clauses["on_success"]
        else:
            branch.append(task_spec.publish_on_error)
            clause = clauses["on_error"]
        for current in (clause, clauses["on_complete"]):
            if current is not None:
                branch.append(current.publish)
                global_.append(current.publish_global)
                branch.append(current.publish_atomic)
        branch = [b for b in branch if b]
        global_ = [g for g in global_ if g]
        if not branch and not global_:
            return
        context = self.expression_context(self.inbound_context(task))
        functions = RunFunctions(self, task)
        published: dict[str, Any] = {}
        try:
            for block in branch:
                published.update(self.evaluate(block, context, functions))
            globals_ = dict(self.execution.globals or {})
            for block in global_:
                globals_.update(self.evaluate(block, context, functions))
        except ExpressionError as error:
            task.state = states.ERROR
            task.state_info = f"Failed to publish from task '{task.name}': {error}"
            return
        task.published = published
        if global_:
            self.execution.globals = globals_

    def clauses(self, task_spec: TaskSpec) -> dict[str, TransitionClause | None]:
        """Return the task's transition clauses, task-defaults filling gaps.

        As in Mistral 23, the task-defaults targets apply when the task's own
        clause names no target (a clause that only publishes included); the
        task's own publish is kept.
        """
        defaults = self.spec.task_defaults
        result: dict[str, TransitionClause | None] = {}
        for name in ("on_success", "on_error", "on_complete"):
            own = getattr(task_spec, name)
            default = without_target(getattr(defaults, name), task_spec.name)
            if own is None:
                result[name] = default
            elif not own.transitions and default is not None and default.transitions:
                result[name] = TransitionClause(
                    transitions=default.transitions,
                    publish=own.publish,
                    publish_global=own.publish_global,
                    publish_atomic=own.publish_atomic,
                )
            else:
                result[name] = own
        return result

    def follow_transitions(self, task: TaskExecution, task_spec: TaskSpec) -> None:
        if self.spec.type == "reverse":
            self.follow_requirements(task)
            return
        clauses = self.clauses(task_spec)
        success = task.state == states.SUCCESS
        chosen: list[TransitionClause | None]
        chosen = [clauses["on_success"] if success else clauses["on_error"]]
        chosen.append(clauses["on_complete"])
        if not success and clauses["on_error"] is not None:
            task.error_handled = True
        outbound: dict[str, Any] | None = None
        functions = RunFunctions(self, task)
        targets: list[Transition] = []
        for clause in chosen:
            if clause is None:
                continue
            for transition in clause.transitions:
                if transition.condition is not None:
                    if outbound is None:
                        outbound = self.expression_context(self.outbound_context(task))
                    try:
                        taken = self.evaluate(transition.condition, outbound, functions)
                    except ExpressionError as error:
                        self.fail_workflow(
                            f"Failed to evaluate the condition of transition "
                            f"'{task.name}' -> '{transition.target}': {error}"
                        )
                        return
                    if not taken:
                        continue
                targets.append(transition)
        taken_names = {t.target for t in targets}
        for transition in targets:
            task.has_next = True
            if transition.is_command:
                if self.run_command(task, transition):
                    return
                continue
            target_spec = self.spec.tasks[transition.target]
            if target_spec.join is not None:
                self.arrive_at_join(task, target_spec)
            else:
                self.schedule_task(target_spec, parents=[task.id])
            if self.execution.state != states.RUNNING:
                return
        for join_name in self.core.join_targets(self.execution.checksum, self.spec, task.name):
            if join_name not in taken_names:
                self.dead_branch(task, self.spec.tasks[join_name])

    def run_command(self, task: TaskExecution, transition: Transition) -> bool:
        """Apply an engine command; return True when the workflow stopped."""
        command = transition.target
        if command == "noop":
            return False
        message = transition.params.get("msg")
        if message is not None:
            try:
                context = self.expression_context(self.outbound_context(task))
                message = self.evaluate(message, context, RunFunctions(self, task))
            except ExpressionError as error:
                message = f"Failed to evaluate the command message: {error}"
        if command == "fail":
            # The output-on-error of a fail command sees the data of the task
            # that ran the command, as in Mistral.
            self.fail_workflow(
                str(message) if message is not None else f"Failed by task '{task.name}'",
                final=self.outbound_context(task),
            )
            return True
        if command == "succeed":
            self.succeed_by_command(task, message)
            return True
        if command == "pause":
            self.pause(str(message) if message is not None else None)
            return True
        return False

    def succeed_by_command(self, task: TaskExecution, message: Any) -> None:
        # Mistral 23 evaluates the output in the task's inbound context, so
        # the task's own published variables are not visible there.
        context = self.expression_context(self.inbound_context(task))
        try:
            output = self.workflow_output(context, self.spec.output)
        except ExpressionError as error:
            task.state = states.ERROR
            task.state_info = str(error)
            self.fail_workflow(f"Failed to evaluate the workflow output: {error}")
            return
        self.end(states.SUCCESS, str(message) if message is not None else None, output)

    # ----------------------------------------------------------------- joins

    def join_required(self, task_spec: TaskSpec) -> int:
        inbound = self.core.inbound_index(self.execution.checksum, self.spec)
        if task_spec.join == "all":
            return len(inbound.get(task_spec.name, ()))
        return int(task_spec.join or 1)

    def waiting_join(self, task_spec: TaskSpec, source: str) -> TaskExecution | None:
        """Return the join's waiting task execution, creating it on first use.

        ``source`` is the name of the inbound task that arrived or ended
        without leading to the join. When the join already ran, a task that
        took part in that round starts another round, because a loop led
        back to it. Returns None for a branch that arrives after a partial
        join (``join: 2`` of three) ran: that branch changes nothing.
        Mistral 23 leaves such a late join waiting forever, so the execution
        never ends there.
        """
        # Joins seen in this transaction, so a wide join costs no query per
        # arriving branch.
        joins = self.session.info.setdefault("joins", {})
        key = (self.execution.id, task_spec.name)
        join = joins.get(key)
        if join is None:
            join = self.latest_task(task_spec.name)
        if join is not None and join.state != states.WAITING:
            runtime = join.runtime or {}
            took_part = source in runtime.get("arrived", ()) or source in runtime.get(
                "dead", ()
            )
            if join.state not in states.COMPLETED or not took_part:
                return None
            self.next_join_round(join)
        if join is None:
            join = self.schedule_task(task_spec, parents=[], state=states.WAITING)
            join.runtime = {"arrived": [], "dead": []}
        joins[key] = join
        return join

    def next_join_round(self, join: TaskExecution) -> None:
        """Set a completed join back to WAITING for the branches of a new round.

        As in Mistral 23, the join keeps its one task execution, and from the
        second run on its result is the list of the results of every run that
        succeeded, oldest first.
        """
        runtime = join.runtime or {}
        results = list(runtime.get("results", ()))
        if join.state == states.SUCCESS:
            # From the second round on, the stored result already is that
            # list with the latest run's result last.
            latest = join.result[-1] if results and join.result else join.result
            results.append(latest)
        join.runtime = {"arrived": [], "dead": [], "results": results}
        join.state = states.WAITING
        join.state_info = None
        join.parents = []
        join.published = {}
        join.processed = False
        join.error_handled = False
        join.has_next = False
        join.finished_at = None
        join.items = None

    def arrive_at_join(self, task: TaskExecution, task_spec: TaskSpec) -> None:
        join = self.waiting_join(task_spec, task.name)
        if join is None:
            return
        # Appended in place and flagged, so a wide join does not copy its
        # growing lists on every arrival.
        arrived = join.runtime.setdefault("arrived", [])
        arrived.append(task.name)
        join.parents.append(task.id)
        flag_modified(join, "runtime")
        flag_modified(join, "parents")
        if len(arrived) >= self.join_required(task_spec):
            self.execution.active_tasks += 1
            join.state = states.RUNNING
            self.begin_task(join, task_spec)

    def dead_branch(self, task: TaskExecution, task_spec: TaskSpec) -> None:
        """Record that ``task`` finished without leading to a join."""
        join = self.waiting_join(task_spec, task.name)
        if join is None:
            return
        dead = [*join.runtime.get("dead", []), task.name]
        self._set_runtime(join, dead=dead)
        inbound = len(self.core.inbound_index(self.execution.checksum, self.spec)
                      .get(task_spec.name, ()))
        if inbound - len(dead) < self.join_required(task_spec):
            self.complete_task(
                join, task_spec, states.ERROR, None, f"Failed by tasks: {dead}"
            )

    def resolve_stuck_joins(self) -> bool:
        """Fail joins that wait for branches that can no longer arrive."""
        query = select(TaskExecution).where(
            TaskExecution.execution_id == self.execution.id,
            TaskExecution.state == states.WAITING,
        )
        stuck = self.session.scalars(query.order_by(TaskExecution.seq)).all()
        for join in stuck:
            spec = self.spec.tasks[join.name]
            inbound = self.core.inbound_index(self.execution.checksum, self.spec)
            missing = sorted(
                set(inbound.get(join.name, ())) - set(join.runtime.get("arrived", []))
            )
            self.complete_task(
                join,
                spec,
                states.ERROR,
                None,
                f"Join of task '{join.name}' can never complete: "
                f"tasks {missing} did not lead to it",
            )
        return bool(stuck)

    # --------------------------------------------------------------- reverse

    def follow_requirements(self, task: TaskExecution) -> None:
        if task.state != states.SUCCESS:
            return
        target = (self.execution.params or {}).get("task_name")
        needed = self.core.reverse_plan(self.execution.checksum, self.spec, target)
        done = self.completed_names()
        for name in needed:
            spec = self.spec.tasks[name]
            requires = self.requires_of(spec)
            if task.name not in requires or name in done:
                continue
            if all(req in done for req in requires):
                parent_ids = [self.latest_task(req).id for req in requires]  # type: ignore[union-attr]
                self.schedule_task(spec, parents=parent_ids)
                task.has_next = True

    def completed_names(self) -> set[str]:
        rows = self.session.scalars(
            select(TaskExecution.name).where(
                TaskExecution.execution_id == self.execution.id,
                TaskExecution.state == states.SUCCESS,
            )
        ).all()
        return set(rows)

    # ------------------------------------------------------- workflow ending

    def finish_if_done(self) -> None:
        execution = self.execution
        if execution.state != states.RUNNING:
            return
        while execution.active_tasks == 0:
            self.session.flush()
            if not self.resolve_stuck_joins():
                break
            if execution.state != states.RUNNING:
                return
        if execution.active_tasks > 0:
            return
        failed = self.session.scalars(
            select(TaskExecution)
            .where(
                TaskExecution.execution_id == execution.id,
                TaskExecution.state == states.ERROR,
                TaskExecution.error_handled.is_(False),
            )
            .order_by(TaskExecution.seq)
        ).all()
        final = self.final_context()
        if failed:
            names = ", ".join(dict.fromkeys(t.name for t in failed))
            lines = [f"Failure caused by error in tasks: {names}", ""]
            for t in failed:
                lines.append(f"  {t.name} [task_ex_id={t.id}] -> {t.state_info}")
            self.fail_workflow("\n".join(lines), final=final)
            return
        try:
            output = self.workflow_output(self.expression_context(final), self.spec.output, final)
        except ExpressionError as error:
            self.fail_workflow(
                f"Failed to evaluate the workflow output: {error}", final=final
            )
            return
        self.end(states.SUCCESS, None, output)

    def final_context(self) -> dict[str, Any]:
        ends = self.session.scalars(
            select(TaskExecution)
            .where(
                TaskExecution.execution_id == self.execution.id,
                TaskExecution.has_next.is_(False),
                TaskExecution.state.in_((states.SUCCESS, states.ERROR)),
            )
            .order_by(TaskExecution.seq)
        ).all()
        context: dict[str, Any] = {}
        for task in ends:
            context = merge(context, self.outbound_context(task))
        return context

    def workflow_output(
        self,
        context: Mapping[str, Any],
        output_spec: Any,
        default: Mapping[str, Any] | None = None,
    ) -> Any:
        if output_spec is None:
            return dict(default or {})
        return self.evaluate(output_spec, context, RunFunctions(self))

    def fail_workflow(
        self,
        message: str,
        *,
        final: Mapping[str, Any] | None = None,
    ) -> None:
        if self.execution.state in states.COMPLETED:
            return
        if final is None:
            final = self.final_context()
        output: dict[str, Any] = {}
        if self.spec.output_on_error is not None:
            try:
                value = self.evaluate(
                    self.spec.output_on_error,
                    self.expression_context(final),
                    RunFunctions(self),
                )
                output = value if isinstance(value, dict) else {"output": value}
            except ExpressionError as error:
                message = f"{message}\nFailed to evaluate output-on-error: {error}"
        else:
            output = dict(final)
        output["result"] = message
        self.end(states.ERROR, message, output)

    def pause(self, message: str | None) -> None:
        """Pause this execution and the sub-workflows its tasks run."""
        self.execution.state = states.PAUSED
        self.execution.state_info = message
        self.core.notify("execution_paused", self.execution)
        for child in self.children(states.RUNNING):
            WorkflowRun(self.core, self.session, child).pause(message)

    def resume(self, env: Mapping[str, Any] | None = None) -> None:
        """Continue a paused execution where it stopped.

        Tasks that finished while it was paused follow their transitions now,
        tasks held by pause-before start, and delayed runs whose timer fired
        during the pause run.
        """
        execution = self.execution
        if execution.state != states.PAUSED:
            return
        execution.state = states.RUNNING
        execution.state_info = None
        if env:
            execution.env = merge(execution.env or {}, env)
        self.core.notify("execution_resumed", execution)
        for child in self.children(states.PAUSED):
            WorkflowRun(self.core, self.session, child).resume(env)
        held = self.session.scalars(
            select(TaskExecution)
            .where(
                TaskExecution.execution_id == execution.id,
                TaskExecution.processed.is_(False),
                TaskExecution.state != states.WAITING,
            )
            .order_by(TaskExecution.seq)
        ).all()
        for task in held:
            if execution.state != states.RUNNING:
                return
            task_spec = self.spec.tasks[task.name]
            if task.state in states.COMPLETED:
                task.processed = True
                self.follow_transitions(task, task_spec)
            elif task.state == states.IDLE:
                self.begin_task(task, task_spec)
            elif task.runtime.get("resume"):
                self._set_runtime(task, resume=None)
                self.run_task(task, task_spec)
        self.finish_if_done()

    def cancel(self, message: str | None = None) -> None:
        """Cancel this execution and its running sub-workflows."""
        execution = self.execution
        if execution.state in states.COMPLETED:
            return
        children = self.children(states.RUNNING, states.PAUSED)
        active = self.session.scalars(
            select(TaskExecution).where(
                TaskExecution.execution_id == execution.id,
                TaskExecution.state.in_(states.ACTIVE),
            )
        ).all()
        for task in active:
            task.state = states.CANCELLED
            task.state_info = message or "Cancelled with the workflow"
            task.finished_at = utcnow()
            self.cancel_jobs(task)
        self.session.execute(
            update(ActionExecution)
            .where(
                ActionExecution.execution_id == execution.id,
                ActionExecution.state.notin_(states.COMPLETED),
            )
            .values(state=states.CANCELLED)
        )
        execution.active_tasks = 0
        self.end(states.CANCELLED, message or "Cancelled", execution.output or {})
        for child in children:
            WorkflowRun(self.core, self.session, child).cancel(message)

    def rerun(
        self,
        task: TaskExecution,
        reset: bool = True,
        env: Mapping[str, Any] | None = None,
        re_resolve: bool = False,
    ) -> None:
        """Run a failed task again inside this execution.

        With ``reset`` false, a with-items task runs only its failed items and
        keeps the results of the others. The execution, and every parent
        execution up the chain, goes back to RUNNING.
        """
        if task.state != states.ERROR:
            raise RerunError(
                f"Task '{task.name}' is {task.state}; only a task in ERROR can "
                "be rerun"
            )
        execution = self.execution
        if env:
            execution.env = merge(execution.env or {}, env)
        if re_resolve and task.name in (execution.resolutions or {}):
            # Choose the action version again, for a cloud or plugin that
            # changed since the first run.
            execution.resolutions = {
                k: v for k, v in execution.resolutions.items() if k != task.name
            }
        self.reopen()
        task.state = states.RUNNING
        task.state_info = None
        task.processed = False
        task.error_handled = False
        task.has_next = False
        task.finished_at = None
        execution.active_tasks += 1
        self.core.notify("task_rerun", task)
        task_spec = self.spec.tasks[task.name]
        runtime = dict(task.runtime or {})
        if task_spec.with_items is not None and not reset and task.items is not None:
            task.runtime = {
                **runtime,
                "retry_no": 0,
                "items_failed": 0,
                "items_running": 0,
                "items_next": runtime["item_count"],
                "items_redo": self.unfinished_items(task, runtime["item_count"]),
            }
            self.core.notify("task_started", task)
            self.start_more_items(task, task_spec)
            return
        task.runtime = {
            key: runtime[key] for key in ("pause_done", "waited") if key in runtime
        }
        self.run_task(task, task_spec)

    def reopen(self) -> None:
        """Set this execution and its parents back to RUNNING for a rerun."""
        execution = self.execution
        execution.state = states.RUNNING
        execution.state_info = None
        execution.finished_at = None
        execution.output = {}
        if execution.parent_task_id is None:
            return
        parent_task = self.session.get(TaskExecution, execution.parent_task_id)
        if parent_task is None:
            return
        parent = self.session.get(Execution, parent_task.execution_id)
        if parent is None:
            return
        parent_run = WorkflowRun(self.core, self.session, parent)
        parent_run.reopen()
        if parent_task.state in states.COMPLETED:
            parent_task.state = states.RUNNING
            parent_task.state_info = None
            parent_task.processed = False
            parent_task.error_handled = False
            parent_task.finished_at = None
            parent.active_tasks += 1

    def unfinished_items(self, task: TaskExecution, count: int) -> list[int]:
        """Return the with-items indexes whose latest run did not succeed."""
        latest = self.latest_item_runs(task)
        return [
            index
            for index in range(count)
            if latest.get(index, (None, None))[0] != states.SUCCESS
        ]

    def children(self, *wanted: str) -> list[Execution]:
        """Sub-workflow executions started by this execution's tasks."""
        task_ids = select(TaskExecution.id).where(
            TaskExecution.execution_id == self.execution.id
        )
        return list(
            self.session.scalars(
                select(Execution).where(
                    Execution.parent_task_id.in_(task_ids),
                    Execution.state.in_(wanted),
                )
            ).all()
        )

    def end(self, state: str, state_info: str | None, output: Any) -> None:
        execution = self.execution
        execution.state = state
        execution.state_info = state_info
        execution.output = output
        execution.finished_at = utcnow()
        self.core.execution_ended(self.session, execution)

    # ------------------------------------------------------------------ jobs

    def add_job(self, kind: str, task: TaskExecution, seconds: float) -> None:
        due = utcnow() + timedelta(seconds=seconds)
        self.session.add(
            Job(kind=kind, execution_id=self.execution.id, task_id=task.id, due_at=due)
        )
        if not task.runtime.get("has_jobs"):
            self._set_runtime(task, has_jobs=True)
        self.core.job_added(due)

    def cancel_jobs(self, task: TaskExecution) -> None:
        """Drop the timers a completed task no longer needs (its timeout)."""
        if task.runtime.get("has_jobs"):
            self.session.execute(delete(Job).where(Job.task_id == task.id))

    def get_task(self, task_id: str) -> TaskExecution | None:
        """Return a task execution, including one created in this transaction.

        ``Session.get`` cannot see rows that are not flushed yet and would
        flush and query for them.
        """
        created = self.session.info.get("tasks", {}).get(task_id)
        if created is not None:
            return created
        return self.session.get(TaskExecution, task_id)

    def keep(self, row: Any) -> None:
        """Hold a row for the rest of the transaction.

        The session's identity map references rows weakly, so a row that no
        code references is loaded again by the next ``session.get``. Keeping a
        bounded number of them saves those queries in long batches.
        """
        keep = self.session.info.setdefault("keep", [])
        if len(keep) < 20_000:
            keep.append(row)

    def _set_runtime(self, task: TaskExecution, **values: Any) -> None:
        # Assign a new dict so SQLAlchemy sees the JSON column change.
        task.runtime = {**(task.runtime or {}), **values}


def without_target(
    clause: TransitionClause | None, name: str
) -> TransitionClause | None:
    """Drop transitions from a task-defaults clause that point at ``name``."""
    if clause is None:
        return None
    kept = tuple(t for t in clause.transitions if t.target != name)
    if len(kept) == len(clause.transitions):
        return clause
    return TransitionClause(
        transitions=kept,
        publish=clause.publish,
        publish_global=clause.publish_global,
        publish_atomic=clause.publish_atomic,
    )


def _seconds(value: Any, what: str, task_name: str) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise TaskFailure(
            f"Invalid {what} of task '{task_name}': {value!r} is not a number "
            "of seconds"
        ) from None
    if seconds < 0:
        raise TaskFailure(
            f"Invalid {what} of task '{task_name}': {value!r} is negative"
        )
    return seconds
