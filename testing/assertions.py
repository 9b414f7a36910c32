"""Assertions on workflow runs whose failures say which task and what differs."""

from __future__ import annotations

from typing import Any

from testing.workflows import WorkflowRun

_UNSET: Any = object()


def assert_succeeded(run: WorkflowRun) -> None:
    """Fail unless the workflow ended in SUCCESS, showing why it did not."""
    if run.state == "SUCCESS":
        return
    failed = [t for t in run.tasks if t.state == "ERROR"]
    lines = [f"workflow '{run.workflow}' ended in {run.state}, expected SUCCESS"]
    if run.state_info:
        lines.append(f"state info: {run.state_info}")
    for task in failed:
        lines.append(f"task '{task.name}' ERROR: {task.state_info}")
    raise AssertionError("\n".join(lines))


def assert_task(
    run: WorkflowRun,
    name: str,
    *,
    state: str | None = None,
    published: dict[str, Any] | None = None,
    result: Any = _UNSET,
    runs: int | None = None,
) -> None:
    """Check one task's last run: state, published values, result, run count."""
    task = run.task(name)
    problems = []
    if runs is not None and len(run.runs_of(name)) != runs:
        problems.append(f"ran {len(run.runs_of(name))} times, expected {runs}")
    if state is not None and task.state != state:
        detail = f" (state info: {task.state_info})" if task.state_info else ""
        problems.append(f"state is {task.state}, expected {state}{detail}")
    if published is not None and task.published != published:
        problems.append(f"published {task.published!r}, expected {published!r}")
    if result is not _UNSET and task.result != result:
        problems.append(f"result is {task.result!r}, expected {result!r}")
    if problems:
        raise AssertionError(f"task '{name}': " + "; ".join(problems))


def assert_output(run: WorkflowRun, expected: Any) -> None:
    """Check the workflow output, naming the keys that differ."""
    if run.output == expected:
        return
    if isinstance(run.output, dict) and isinstance(expected, dict):
        keys = sorted(set(run.output) | set(expected))
        diffs = [
            f"{key}: {run.output.get(key, '<missing>')!r} != expected "
            f"{expected.get(key, '<missing>')!r}"
            for key in keys
            if run.output.get(key, _UNSET) != expected.get(key, _UNSET)
        ]
        raise AssertionError(f"workflow '{run.workflow}' output differs: " + "; ".join(diffs))
    raise AssertionError(
        f"workflow '{run.workflow}' output is {run.output!r}, expected {expected!r}"
    )
