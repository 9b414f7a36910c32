"""Failure report: the path to the first failure and the tasks that never ran."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import plugins.std
from engine.core import EngineCore
from engine.db.models import Execution, TaskExecution
from engine.db.setup import Database
from engine.report import build_report
from registry.discovery import catalog_from_plugins

THREE_LEVELS = """
version: '2.0'
top:
  tasks:
    call_middle:
      workflow: middle
      input:
        depth: 1
      on-success: never_runs
    never_runs:
      action: std.noop
      on-success: after_never
    after_never:
      action: std.noop
    audit:
      action: std.noop
middle:
  input:
    - depth
  tasks:
    call_bottom:
      workflow: bottom
      input:
        depth: <% $.depth + 1 %>
bottom:
  input:
    - depth
  tasks:
    prepare:
      action: std.echo output="ready"
      on-success: explode
    explode:
      action: std.fail
      input:
        error_data: {depth: <% $.depth %>, password: hunter2}
      on-success: unreachable
    unreachable:
      action: std.noop
"""

WITH_ITEMS = """
version: '2.0'
items:
  tasks:
    each:
      with-items: value in <% [1, 2, 3] %>
      workflow: check
      input:
        value: <% $.value %>
check:
  input:
    - value
  tasks:
    test:
      action: std.echo output=<% $.value %>
      on-success:
        - boom: <% $.value = 2 %>
    boom:
      action: std.fail
"""

HANDLED = """
version: '2.0'
handled:
  tasks:
    first:
      action: std.fail
      on-error: recover
      on-success: happy
    recover:
      action: std.noop
    happy:
      action: std.noop
"""

CONDITIONAL = """
version: '2.0'
branches:
  tasks:
    start:
      action: std.noop
      on-success:
        - left: <% false %>
        - right
    left:
      action: std.noop
    right:
      action: std.noop
"""


@pytest.fixture
def run(database: Database) -> Iterator[Callable[..., str]]:
    catalog = catalog_from_plugins({"std": plugins.std.plugin})
    core = EngineCore(database, catalog)

    def start(text: str, workflow: str, **kwargs: Any) -> str:
        execution_id = core.start(text, workflow, **kwargs)
        core.run(execution_id, timeout=30)
        return execution_id

    yield start
    core.close()


def report_of(database: Database, execution_id: str, **options: Any) -> dict[str, Any]:
    with database.sessions() as session:
        execution = session.get(Execution, execution_id)
        assert execution is not None
        return build_report(session, execution, **options)


def path_names(cause: dict[str, Any]) -> list[str]:
    return [step["name"] for step in cause["path"]]


def test_report_path_through_three_levels(
    run: Callable[..., str], database: Database
) -> None:
    execution_id = run(THREE_LEVELS, "top")
    report = report_of(database, execution_id)
    paths = [path_names(cause) for cause in report["causes"]]
    assert [
        "top",
        "call_middle",
        "middle",
        "call_bottom",
        "bottom",
        "explode",
        "std.fail",
    ] in paths
    assert len(paths) == 1


def test_report_cause_carries_error_data(
    run: Callable[..., str], database: Database
) -> None:
    report = report_of(database, run(THREE_LEVELS, "top"))
    deepest = max(report["causes"], key=lambda cause: len(cause["path"]))
    assert deepest["error_data"] == {"depth": 2, "password": "***"}
    assert [step["kind"] for step in deepest["path"]][-3:] == [
        "execution",
        "task",
        "action",
    ]


def test_report_tree_nodes_have_timing_and_masked_input(
    run: Callable[..., str], database: Database
) -> None:
    report = report_of(database, run(THREE_LEVELS, "top"))
    top = report["execution"]
    call_middle = [t for t in top["tasks"] if t["name"] == "call_middle"][0]
    middle = call_middle["workflows"][0]
    bottom = middle["tasks"][0]["workflows"][0]
    explode = [t for t in bottom["tasks"] if t["name"] == "explode"][0]
    action = explode["actions"][0]
    assert top["state"] == "ERROR"
    assert call_middle["error_handled"] is False
    assert middle["input"] == {"depth": 1}
    assert action["input"]["error_data"]["password"] == "***"
    assert action["duration"] is not None
    assert action["started_at"] is not None
    assert explode["state_info"]


def test_report_masks_error_data_in_tree(
    run: Callable[..., str], database: Database
) -> None:
    report = report_of(database, run(THREE_LEVELS, "top"))
    call_middle = report["execution"]["tasks"][0]
    bottom = call_middle["workflows"][0]["tasks"][0]["workflows"][0]
    explode = [t for t in bottom["tasks"] if t["name"] == "explode"][0]
    assert explode["error_data"] == {"depth": 2, "password": "***"}
    assert explode["actions"][0]["error_data"] == {"depth": 2, "password": "***"}
    with database.sessions() as session:
        stored = session.get(TaskExecution, explode["id"])
        assert stored is not None
        assert stored.result == {"depth": 2, "password": "hunter2"}


def test_report_lists_tasks_not_run(
    run: Callable[..., str], database: Database
) -> None:
    report = report_of(database, run(THREE_LEVELS, "top"))
    not_run = {item["name"]: item for item in report["execution"]["not_run"]}
    assert set(not_run) == {"never_runs", "after_never"}
    assert "'call_middle' failed" in not_run["never_runs"]["reason"]
    assert not_run["never_runs"]["caused_by_failure"] is True
    assert "'never_runs' never ran" in not_run["after_never"]["reason"]
    assert not_run["after_never"]["caused_by_failure"] is True
    bottom = report["execution"]["tasks"][0]["workflows"][0]["tasks"][0]["workflows"][0]
    assert [item["name"] for item in bottom["not_run"]] == ["unreachable"]


def test_report_errors_only_drops_successes(
    run: Callable[..., str], database: Database
) -> None:
    report = report_of(database, run(THREE_LEVELS, "top"), errors_only=True)
    names = [task["name"] for task in report["execution"]["tasks"]]
    assert names == ["call_middle"]
    bottom = report["execution"]["tasks"][0]["workflows"][0]["tasks"][0]["workflows"][0]
    assert [task["name"] for task in bottom["tasks"]] == ["explode"]


def test_report_depth_truncates(run: Callable[..., str], database: Database) -> None:
    report = report_of(database, run(THREE_LEVELS, "top"), depth=0)
    middle = report["execution"]["tasks"][0]["workflows"][0]
    assert middle["truncated"] is True
    assert middle["tasks"] == []
    assert ["top", "call_middle", "middle"] in [
        path_names(cause) for cause in report["causes"]
    ]


def test_report_with_items_names_failed_item(
    run: Callable[..., str], database: Database
) -> None:
    report = report_of(database, run(WITH_ITEMS, "items"))
    each = report["execution"]["tasks"][0]
    assert each["items"]["total"] == 3
    failed = [w for w in each["workflows"] if w["state"] == "ERROR"]
    assert [w["item_index"] for w in failed] == [1]
    assert [path_names(c) for c in report["causes"]] == [
        ["items", "each", "check", "boom", "std.fail"]
    ]
    assert report["causes"][0]["path"][2]["item_index"] == 1
    assert report["causes"][0]["path"][4]["item_index"] is None


def test_report_handled_error_is_no_cause(
    run: Callable[..., str], database: Database
) -> None:
    report = report_of(database, run(HANDLED, "handled"))
    assert report["execution"]["state"] == "SUCCESS"
    assert report["causes"] == []
    not_run = report["execution"]["not_run"]
    assert [item["name"] for item in not_run] == ["happy"]
    assert not_run[0]["caused_by_failure"] is True


def test_report_false_condition_is_not_a_failure(
    run: Callable[..., str], database: Database
) -> None:
    report = report_of(database, run(CONDITIONAL, "branches"))
    assert report["execution"]["not_run"] == [
        {
            "name": "left",
            "reason": "the condition of 'start' on-success was false",
            "caused_by_failure": False,
        }
    ]
    filtered = report_of(database, report["execution"]["id"], errors_only=True)
    assert filtered["execution"]["not_run"] == []
