"""fleet.pick_hosts: pure logic, run without a cloud."""

from __future__ import annotations

import pytest
from capacity_reports import CAPACITY

from action_sdk import ActionInputError
from testing import ActionRunner

pytestmark = pytest.mark.levante_action("fleet.pick_hosts@1")


@pytest.mark.parametrize(
    ("request_input", "expected"),
    [
        ({"vcpus": 1, "memory_mb": 1024, "count": 3}, ["large", "medium", "small"]),
        ({"vcpus": 4, "memory_mb": 8192}, ["large"]),
        ({"vcpus": 4, "memory_mb": 8192, "count": 2}, ["large", "medium"]),
        ({"vcpus": 1, "memory_mb": 1024, "disk_gb": 500}, ["large"]),
    ],
)
def test_pick_order(
    action_runner: ActionRunner, request_input: dict[str, int], expected: list[str]
) -> None:
    run = action_runner.run("fleet.pick_hosts", {"capacity": CAPACITY, **request_input})
    assert run.result == expected


def test_shortage_error_data(action_runner: ActionRunner) -> None:
    run = action_runner.run(
        "fleet.pick_hosts",
        {"capacity": CAPACITY, "vcpus": 8, "memory_mb": 16384, "count": 3},
    )
    assert run.state == "ERROR"
    assert run.error is not None
    assert run.error.data == {
        "requested": 3,
        "needed": {"vcpus": 8, "memory_mb": 16384, "disk_gb": 0},
        "fitting": ["large", "medium"],
    }


def test_zero_count_fails(action_runner: ActionRunner) -> None:
    run = action_runner.run(
        "fleet.pick_hosts", {"capacity": [], "vcpus": 1, "memory_mb": 1, "count": 0}
    )
    assert run.error is not None
    assert "count must be at least 1" in run.error.message


def test_missing_input_rejected(action_runner: ActionRunner) -> None:
    with pytest.raises(ActionInputError) as caught:
        action_runner.run("fleet.pick_hosts", {"capacity": []})
    assert caught.value.missing == ["vcpus", "memory_mb"]
