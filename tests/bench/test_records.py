"""Run records built from driver output, problems, and Mistral ratios."""

from __future__ import annotations

from typing import Any

import pytest

from bench.process import ChildRun
from bench.records import compare, make_record, only_capped
from bench.scenarios import FAMILIES, Scenario

PUBLISH_FAN = Scenario(next(f for f in FAMILIES if f.name == "publish-fan"), 3)


def driver_result(**changes: Any) -> dict[str, Any]:
    result = {
        "state": "SUCCESS",
        "state_info": None,
        "capped": False,
        "output": {"total": 6},
        "wall_seconds": 2.0,
        "cpu_seconds": 1.5,
        "setup_seconds": 0.3,
        "baseline_rss_mb": 60.0,
        "peak_rss_mb": 80.0,
        "work_items": 5,
        "rows_by_table": {"executions": 1, "task_executions": 5},
        "database_bytes": 4096,
    }
    return {**result, **changes}


def child(result: dict[str, Any] | None, *, killed: bool = False) -> ChildRun:
    return ChildRun(
        result=result,
        exit_status=0 if result else 1,
        sampled_peak_rss_mb=70.0,
        killed=killed,
        stderr_tail="Traceback\nBoom",
    )


def record(
    engine: str,
    *results: dict[str, Any] | None,
    cap: float = 60.0,
    killed: bool = False,
) -> dict[str, Any]:
    children = [child(result, killed=killed) for result in results]
    return make_record(
        PUBLISH_FAN, PUBLISH_FAN.document(), engine, "sqlite", children, cap
    )


def test_sound_run_has_no_problems() -> None:
    built = record("levante", driver_result())
    assert built["problems"] == []
    assert built["tasks_per_second"] == pytest.approx(2.5)
    assert built["per_task_ms"] == pytest.approx(400.0)
    assert built["rows_written"] == 6


def test_repeats_take_median_and_max() -> None:
    built = record(
        "levante",
        driver_result(wall_seconds=1.0),
        driver_result(wall_seconds=9.0, peak_rss_mb=95.0),
        driver_result(wall_seconds=2.0),
    )
    assert built["wall_seconds"] == 2.0
    assert built["peak_rss_mb"] == 95.0
    assert built["wall_seconds_runs"] == [1.0, 9.0, 2.0]
    assert built["runs"] == 3


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"state": "ERROR", "state_info": "boom\nmore"}, "ended in ERROR: boom"),
        ({"work_items": 4}, "made 4 work items, expected 5"),
        ({"output": {"total": 5}}, "output {'total': 5}, expected {'total': 6}"),
        ({"capped": True, "state": "RUNNING"}, "capped: still RUNNING after 60 s"),
    ],
)
def test_problem_found(changes: dict[str, Any], expected: str) -> None:
    built = record("levante", driver_result(**changes))
    assert built["problems"] == [expected]


def test_missing_result_names_stderr() -> None:
    built = record("levante", None)
    assert built["peak_rss_mb"] == 70.0
    assert built["problems"] == [
        "driver printed no result (exit status 1): Traceback | Boom"
    ]
    assert built["wall_seconds"] is None


def test_ratio_is_mistral_over_levante() -> None:
    pairs = compare(
        [
            record("levante", driver_result(wall_seconds=0.5)),
            record("mistral", driver_result(wall_seconds=10.0)),
        ]
    )
    assert pairs[0]["ratio"] == pytest.approx(20.0)
    assert pairs[0]["ratio_text"] == "20.0x"


def test_capped_mistral_gives_lower_bound() -> None:
    mistral = record("mistral", driver_result(capped=True, state="RUNNING"), cap=30.0)
    pair = compare([record("levante", driver_result(wall_seconds=0.5)), mistral])[0]
    assert only_capped(mistral)
    assert pair["ratio"] == pytest.approx(60.0)
    assert pair["ratio_text"] == "> 60.0x (cap 30 s)"


def test_registration_cap_is_named() -> None:
    stuck = {"state": None, "capped": True, "setup_seconds": None}
    mistral = record("mistral", stuck, cap=30.0)
    pair = compare([record("levante", driver_result(wall_seconds=0.5)), mistral])[0]
    assert pair["ratio_text"] == "> 60.0x (registration cap 30 s)"
    assert only_capped(mistral)


def test_failed_levante_gives_no_ratio() -> None:
    pairs = compare(
        [
            record("levante", driver_result(state="ERROR")),
            record("mistral", driver_result()),
        ]
    )
    assert pairs[0]["ratio"] is None
    assert pairs[0]["ratio_text"] == "n/a"


def test_unpaired_scenario_is_left_out() -> None:
    assert compare([record("levante", driver_result())]) == []
