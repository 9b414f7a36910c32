"""Checks on the database after an HA run: outcomes, duplicates, stuck work.

An execution passes when it succeeded with the output of an undisturbed run
of its workflow, except that a ``once_*`` task whose executor was lost may
publish ``"lost"`` instead of its value. ``ha_action_runs`` then shows how
often each action really ran: a ``once_*`` action more than once is a
duplicate, a ``safe_*`` action more than once is an allowed rerun.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from engine import states
from engine.core import DB_UNAVAILABLE
from engine.db.models import ActionExecution, Execution, TaskExecution
from engine.db.setup import Database
from testing.ha.client import RecordingClient
from testing.ha.counting import action_runs, runs_engine
from testing.ha.shapes import LOST, Shape

#: Text of the state info of a task whose executor stopped renewing its lease.
LOST_EXECUTOR_TEXT = "was lost"


@dataclass
class Verdict:
    """What the database shows after a run."""

    executions: int = 0
    #: ``once_*`` tasks that failed because their executor was lost.
    lost: int = 0
    #: Action executions of ``once_*`` tasks that ran more than once.
    duplicates: list[str] = field(default_factory=list)
    #: Extra runs of ``safe_*`` actions (allowed).
    reruns: int = 0
    #: Every rule that was broken, one sentence each.
    problems: list[str] = field(default_factory=list)


def verify(
    db: Database, runs_url: str, root_ids: list[str], baselines: Mapping[str, Any]
) -> Verdict:
    """Check every execution in ``root_ids`` against its workflow's baseline output.

    ``baselines`` maps a workflow name to the output of its undisturbed run.
    """
    verdict = Verdict(executions=len(root_ids))
    with db.sessions() as session:
        executions = list(session.scalars(select(Execution)))
        tasks = list(session.scalars(select(TaskExecution)))
        actions = list(session.scalars(select(ActionExecution)))
    with runs_engine(runs_url).connect() as connection:
        runs = list(connection.execute(select(action_runs)).mappings())

    by_id = {execution.id: execution for execution in executions}
    roots = {
        execution.id: execution.root_execution_id or execution.id
        for execution in executions
    }
    lost_names: dict[str, set[str]] = {}
    _check_states(executions, tasks, actions, verdict)
    for task in tasks:
        if task.state != states.ERROR:
            continue
        if task.name.startswith("once_") and LOST_EXECUTOR_TEXT in (
            task.state_info or ""
        ):
            verdict.lost += 1
            lost_names.setdefault(roots.get(task.execution_id, ""), set()).add(
                task.name
            )
        else:
            verdict.problems.append(
                f"task {task.name} ({task.id}) of execution {task.execution_id} "
                f"failed for another reason than a lost executor: {task.state_info}"
            )
    for root_id in root_ids:
        execution = by_id.get(root_id)
        if execution is None:
            verdict.problems.append(f"execution {root_id} not found in the database")
            continue
        if execution.state != states.SUCCESS:
            verdict.problems.append(
                f"execution {root_id} ({execution.workflow_name}) ended "
                f"{execution.state}, "
                f"expected SUCCESS: {execution.state_info}"
            )
            continue
        expected = baselines[execution.workflow_name]
        mismatches = compare_output(
            expected, execution.output, lost_names.get(root_id, set())
        )
        verdict.problems += [f"execution {root_id}: {text}" for text in mismatches]
    _check_runs(actions, runs, verdict)
    return verdict


def compare_output(
    expected: Any, actual: Any, lost: set[str], path: str = "output"
) -> list[str]:
    """List where ``actual`` differs from ``expected``.

    A value under a key named after a task in ``lost`` may be ``"lost"``.
    """
    if isinstance(expected, dict) and isinstance(actual, dict):
        problems = []
        if set(expected) != set(actual):
            problems.append(
                f"{path} has keys {sorted(actual)}, expected {sorted(expected)}"
            )
        for key in expected.keys() & actual.keys():
            if actual[key] == LOST and key in lost:
                continue
            problems += compare_output(
                expected[key], actual[key], lost, f"{path}.{key}"
            )
        return problems
    if expected != actual:
        return [f"{path} is {actual!r}, expected {expected!r}"]
    return []


def _check_states(
    executions: list[Execution],
    tasks: list[TaskExecution],
    actions: list[ActionExecution],
    verdict: Verdict,
) -> None:
    for execution in executions:
        if execution.state in states.ACTIVE:
            verdict.problems.append(
                f"execution {execution.id} is stuck in {execution.state}"
            )
    for task in tasks:
        if task.state in states.ACTIVE:
            verdict.problems.append(
                f"task {task.name} ({task.id}) of execution {task.execution_id} is "
                f"stuck in {task.state}"
            )
    for action in actions:
        if action.state in states.ACTIVE:
            verdict.problems.append(
                f"action execution {action.id} ({action.action}) is stuck in "
                f"{action.state}, lease owner {action.lease_owner}"
            )


def _check_runs(
    actions: list[ActionExecution], runs: list[Mapping[str, Any]], verdict: Verdict
) -> None:
    per_action = Counter(row["action_execution_id"] for row in runs)
    task_of = {row["action_execution_id"]: row["task_name"] for row in runs}
    for action_id, count in per_action.items():
        if count < 2:
            continue
        if task_of[action_id].startswith("once_"):
            verdict.duplicates.append(action_id)
            verdict.problems.append(
                f"action execution {action_id} of task {task_of[action_id]} is not "
                f"safe-rerun but ran {count} times"
            )
        else:
            verdict.reruns += count - 1
    per_item = Counter(
        (row["execution_id"], row["task_name"], row["item"])
        for row in runs
        if row["task_name"].startswith("once_")
    )
    for (execution_id, task_name, item), count in per_item.items():
        if count > 1 and not any(
            per_action[a] > 1 for a, t in task_of.items() if t == task_name
        ):
            verdict.problems.append(
                f"task {task_name} item {item} of execution {execution_id} ran {count} "
                "times under different action executions"
            )
    for action in actions:
        if (
            action.action == "ha.count"
            and action.state == states.SUCCESS
            and per_action[action.id] == 0
        ):
            verdict.problems.append(
                f"action execution {action.id} succeeded but ha_action_runs "
                "has no run of it"
            )


def wait_until_finished(
    db: Database, execution_ids: list[str], timeout: float
) -> list[str]:
    """Wait until no execution in ``execution_ids`` is active; return the active ones.

    Database errors while waiting (such as right after an outage) are retried.
    """
    deadline = time.monotonic() + timeout
    active = list(execution_ids)
    while active and time.monotonic() < deadline:
        try:
            with db.sessions() as session:
                rows = session.execute(
                    select(Execution.id, Execution.state).where(
                        Execution.id.in_(active)
                    )
                ).all()
        except DB_UNAVAILABLE:
            time.sleep(0.5)
            continue
        finished = {row.id for row in rows if row.state not in states.ACTIVE}
        active = [
            execution_id for execution_id in active if execution_id not in finished
        ]
        if active:
            time.sleep(0.2)
    return active


def run_baselines(
    client: RecordingClient,
    db: Database,
    shapes: tuple[Shape, ...],
    delay: float,
    timeout: float = 60.0,
) -> dict[str, Any]:
    """Run each shape once undisturbed; return its output by workflow name.

    Raises:
        AssertionError: a baseline run did not succeed within ``timeout``.
    """
    started = {
        shape.workflow: client.start(shape, f"baseline-{shape.name}", delay)
        for shape in shapes
    }
    left = wait_until_finished(db, list(started.values()), timeout)
    assert not left, f"baseline executions still running after {timeout} s: {left}"
    outputs: dict[str, Any] = {}
    with db.sessions() as session:
        for workflow, execution_id in started.items():
            execution = session.get(Execution, execution_id)
            assert execution is not None and execution.state == states.SUCCESS, (
                f"baseline run of {workflow} did not succeed: "
                f"{execution.state if execution else 'missing'} "
                f"{execution.state_info if execution else ''}"
            )
            outputs[workflow] = execution.output
    return outputs
