"""Scenario families: generated documents, expected counts, committed files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bench.generate import SCENARIO_DIR, stale_files, write_scenarios
from bench.scenarios import (
    BIG_VALUE_BYTES,
    FAMILIES,
    Document,
    Family,
    Scenario,
    all_scenarios,
    build_chain,
    build_join,
    build_mixed,
    build_nested,
    build_publish_fan,
    tiny_scenarios,
)
from engine.spec.parser import parse


def count_tasks(text: str) -> int:
    document = yaml.safe_load(text)
    return sum(
        len(workflow["tasks"]) for key, workflow in document.items() if key != "version"
    )


def test_committed_files_are_current() -> None:
    assert stale_files(all_scenarios(), SCENARIO_DIR) == []


def test_scenario_names_are_unique() -> None:
    names = [scenario.name for scenario in all_scenarios()]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("family", FAMILIES, ids=lambda family: family.name)
def test_headline_sizes_are_measured(family: Family) -> None:
    assert set(family.headline_sizes) <= set(family.sizes)


def test_without_growth_only_headlines() -> None:
    chosen = all_scenarios(growth=False)
    assert all(scenario.headline for scenario in chosen)
    assert {s.name for s in chosen} >= {
        "chain-1000",
        "join-100",
        "join-500",
        "with-items-1000",
        "mixed-100",
    }


@pytest.mark.parametrize("scenario", tiny_scenarios(), ids=lambda s: s.name)
def test_tiny_document_parses(scenario: Scenario) -> None:
    document = scenario.document()
    definition = parse(document.text)
    expected = document.workflow or next(iter(definition.workflows))
    assert expected in definition.workflows


@pytest.mark.parametrize(
    ("build", "size", "tasks", "work_items"),
    [
        (build_chain, 1000, 1000, 1000),
        (build_join, 500, 502, 502),
        (build_publish_fan, 100, 102, 102),
        (build_nested, 10, 30, 1110),
        (build_mixed, 100, 10_002, 10_002),
    ],
)
def test_document_size(
    build: Callable[[int], Document], size: int, tasks: int, work_items: int
) -> None:
    document = build(size)
    assert count_tasks(document.text) == tasks
    assert document.work_items == work_items


def test_publish_fan_expects_sum() -> None:
    assert build_publish_fan(4).output == {"total": 0 + 2 + 4 + 6}


def test_big_value_expects_length() -> None:
    scenario = next(s for s in all_scenarios() if s.family.name == "big-value")
    assert scenario.document().output == {"length": BIG_VALUE_BYTES}


def test_write_scenarios_keeps_current_file(tmp_path: Path) -> None:
    scenarios = tiny_scenarios()[:2]
    first = write_scenarios(scenarios, tmp_path)
    stamps = [path.stat().st_mtime_ns for path in first]
    second = write_scenarios(scenarios, tmp_path)
    assert [path.stat().st_mtime_ns for path in second] == stamps
