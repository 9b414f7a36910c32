"""The place_server workflow, run in-process with a canned capacity report."""

from __future__ import annotations

from pathlib import Path

import pytest
from capacity_reports import CAPACITY

from testing import WorkflowRunner, assert_output, assert_succeeded, assert_task

WORKFLOW = Path(__file__).parents[1] / "workflows" / "place_server.yaml"

pytestmark = pytest.mark.levante_action("fleet.pick_hosts@1")


def test_workflow_picks_hosts(workflow_runner: WorkflowRunner) -> None:
    workflow_runner.replace("fleet.hypervisor_capacity", result=CAPACITY)
    run = workflow_runner.run(
        WORKFLOW, input={"vcpus": 4, "memory_mb": 8192, "count": 2}
    )
    assert_succeeded(run)
    assert_output(run, {"hosts": ["large", "medium"]})
    assert run.calls["fleet.hypervisor_capacity"] == [{"include_disabled": False}]


def test_workflow_fails_on_shortage(workflow_runner: WorkflowRunner) -> None:
    workflow_runner.replace("fleet.hypervisor_capacity", result=CAPACITY)
    run = workflow_runner.run(WORKFLOW, input={"vcpus": 64, "memory_mb": 1024})
    assert run.state == "ERROR"
    assert_task(
        run,
        "pick",
        state="ERROR",
        result={
            "requested": 1,
            "needed": {"vcpus": 64, "memory_mb": 1024, "disk_gb": 0},
            "fitting": [],
        },
    )
