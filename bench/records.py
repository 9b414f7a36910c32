"""Result records: one per engine run, and the Mistral-to-Levante ratios.

A record is a plain dict so that it goes to JSON unchanged. Its keys are
listed in ``RECORD_FIELDS``; the smoke test checks every record has them.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any

from bench.process import ChildRun
from bench.scenarios import Document, Scenario

#: Keys of every run record.
RECORD_FIELDS = (
    "scenario",
    "family",
    "size",
    "headline",
    "engine",
    "database",
    "state",
    "state_info",
    "runs",
    "capped",
    "cap_seconds",
    "wall_seconds",
    "wall_seconds_runs",
    "cpu_seconds",
    "setup_seconds",
    "work_items",
    "expected_work_items",
    "tasks_per_second",
    "per_task_ms",
    "peak_rss_mb",
    "baseline_rss_mb",
    "rows_written",
    "rows_by_table",
    "database_bytes",
    "output",
    "problems",
)

#: Keys of every comparison entry.
COMPARISON_FIELDS = (
    "scenario",
    "levante_seconds",
    "mistral_seconds",
    "mistral_capped",
    "mistral_setup_seconds",
    "ratio",
    "ratio_text",
    "levante_cpu_seconds",
    "mistral_cpu_seconds",
    "cpu_ratio",
)


def make_record(
    scenario: Scenario,
    document: Document,
    engine: str,
    database: str,
    children: list[ChildRun],
    cap_seconds: float,
) -> dict[str, Any]:
    """Build the record of one scenario on one engine from its repeated runs.

    Times are medians over the runs, peak RSS is the maximum, and row counts
    come from the last run that reported them.
    """
    results = [child.result for child in children if child.result is not None]
    last = results[-1] if results else {}
    wall = _median(result.get("wall_seconds") for result in results)
    work_items = last.get("work_items")
    rows = last.get("rows_by_table") or {}
    failed = [result for result in results if result.get("state") != "SUCCESS"]
    reported = failed[0] if failed else last
    record: dict[str, Any] = {
        "scenario": scenario.name,
        "family": scenario.family.name,
        "size": scenario.size,
        "headline": scenario.headline,
        "engine": engine,
        "database": database,
        "runs": len(children),
        "state": reported.get("state"),
        "state_info": reported.get("state_info"),
        "capped": any(r.get("capped") for r in results)
        or any(c.killed for c in children),
        "cap_seconds": cap_seconds,
        "wall_seconds": wall,
        "wall_seconds_runs": [result.get("wall_seconds") for result in results],
        "cpu_seconds": _median(result.get("cpu_seconds") for result in results),
        "setup_seconds": _median(result.get("setup_seconds") for result in results),
        "work_items": work_items,
        "expected_work_items": document.work_items,
        "tasks_per_second": work_items / wall if wall and work_items else None,
        "per_task_ms": 1000 * wall / work_items if wall and work_items else None,
        "peak_rss_mb": _maximum(_peak_rss(child) for child in children),
        "baseline_rss_mb": last.get("baseline_rss_mb"),
        "rows_written": sum(rows.values()) if rows else None,
        "rows_by_table": rows,
        "database_bytes": last.get("database_bytes"),
        "output": reported.get("output"),
        "problems": [],
    }
    for key in ("mistral_version", "scheduler_delay"):
        if key in last:
            record[key] = last[key]
    problems: list[str] = []
    for child in children:
        for problem in find_problems(record, child.result, document, child):
            if problem not in problems:
                problems.append(problem)
    record["problems"] = problems
    return record


def _peak_rss(child: ChildRun) -> float | None:
    reported = (child.result or {}).get("peak_rss_mb")
    return reported if reported is not None else child.sampled_peak_rss_mb


def _maximum(values: Iterable[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return max(present) if present else None


def _median(values: Iterable[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def find_problems(
    record: dict[str, Any],
    result: dict[str, Any] | None,
    document: Document,
    child: ChildRun,
) -> list[str]:
    """List what makes one run unusable as a measurement; empty when it is sound."""
    if result is None:
        reason = (
            "killed at its deadline"
            if child.killed
            else f"exit status {child.exit_status}"
        )
        tail = child.stderr_tail.strip().splitlines()[-3:]
        return [f"driver printed no result ({reason}): " + " | ".join(tail)]
    if result.get("capped"):
        doing = result.get("state") or "registering the definition"
        return [f"capped: still {doing} after {record['cap_seconds']:g} s"]
    problems = []
    if result.get("state") != "SUCCESS":
        info = (result.get("state_info") or "").splitlines()[:1]
        problems.append(
            f"ended in {result.get('state')}: {' '.join(info)}".rstrip(": ")
        )
    if result.get("work_items") != document.work_items:
        count = result.get("work_items")
        problems.append(f"made {count} work items, expected {document.work_items}")
    if document.output is not None and result.get("output") != document.output:
        problems.append(
            f"output {result.get('output')!r}, expected {document.output!r}"
        )
    return problems


def only_capped(record: dict[str, Any]) -> bool:
    """Tell whether the run's only problem is that it hit its time cap."""
    problems = record["problems"]
    return bool(problems) and all(
        problem.startswith("capped") or "killed at its deadline" in problem
        for problem in problems
    )


def compare(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pair Levante and Mistral runs of each scenario and compute the ratio.

    The ratio is Mistral's wall time over Levante's. When Mistral hit its cap
    the ratio is a lower bound, reported as ``> N``. Mistral's time to register
    the definition is not in its wall time (Levante's wall time does include
    parsing) and is listed apart. The CPU ratio compares the
    engines' CPU time over the same spans, which other load on the machine
    disturbs less than wall time.
    """
    by_scenario: dict[str, dict[str, dict[str, Any]]] = {}
    for record in records:
        by_scenario.setdefault(record["scenario"], {})[record["engine"]] = record
    pairs = []
    for name, engines in by_scenario.items():
        if "levante" not in engines or "mistral" not in engines:
            continue
        pairs.append(compare_pair(name, engines["levante"], engines["mistral"]))
    return pairs


def compare_pair(
    name: str, levante: dict[str, Any], mistral: dict[str, Any]
) -> dict[str, Any]:
    """Compute the ratio entry of one scenario."""
    entry: dict[str, Any] = {
        "scenario": name,
        "levante_seconds": levante["wall_seconds"],
        "mistral_seconds": mistral["wall_seconds"],
        "mistral_capped": mistral["capped"],
        "mistral_setup_seconds": mistral["setup_seconds"],
        "ratio": None,
        "ratio_text": "n/a",
        "levante_cpu_seconds": levante["cpu_seconds"],
        "mistral_cpu_seconds": mistral["cpu_seconds"],
        "cpu_ratio": None,
    }
    if levante["problems"] or not levante["wall_seconds"]:
        return entry
    if not mistral["problems"] and mistral["cpu_seconds"] and levante["cpu_seconds"]:
        entry["cpu_ratio"] = mistral["cpu_seconds"] / levante["cpu_seconds"]
    if mistral["capped"]:
        bound = mistral["cap_seconds"] / levante["wall_seconds"]
        entry["mistral_seconds"] = None
        entry["ratio"] = bound
        # Without a setup time Mistral was still registering the definition.
        phase = "cap" if mistral["setup_seconds"] is not None else "registration cap"
        entry["ratio_text"] = f"> {bound:.1f}x ({phase} {mistral['cap_seconds']:g} s)"
    elif not mistral["problems"] and mistral["wall_seconds"]:
        ratio = mistral["wall_seconds"] / levante["wall_seconds"]
        entry["ratio"] = ratio
        entry["ratio_text"] = f"{ratio:.1f}x"
    return entry
