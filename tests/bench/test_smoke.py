"""Every scenario, at a tiny size, through the runner on SQLite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bench.page import render
from bench.records import RECORD_FIELDS
from bench.run import TINY_PREFIX, Options, failed_runs, run_suite
from bench.scenarios import FAMILIES

MACHINE_FIELDS = (
    "cpu_model",
    "cpu_cores",
    "memory_gib",
    "python",
    "sqlite",
    "postgresql",
    "levante_commit",
)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    folder = tmp_path_factory.mktemp("bench")
    with (folder / "console.txt").open("w") as stream:
        document = run_suite(
            Options(tiny=True, repeat=1, results_dir=folder, name="smoke"),
            Console(file=stream, width=150),
        )
    return document, folder


def test_every_family_runs(tiny_run: tuple[dict[str, Any], Path]) -> None:
    document, _ = tiny_run
    families = [record["family"] for record in document["results"]]
    assert families == [family.name for family in FAMILIES]


@pytest.mark.parametrize("family", [family.name for family in FAMILIES])
def test_tiny_scenario_succeeds(
    tiny_run: tuple[dict[str, Any], Path], family: str
) -> None:
    document, _ = tiny_run
    record = next(r for r in document["results"] if r["family"] == family)
    assert record["state"] == "SUCCESS", record["state_info"]
    assert record["problems"] == []
    assert record["work_items"] == record["expected_work_items"]
    assert record["wall_seconds"] > 0
    assert record["peak_rss_mb"] > 0
    assert record["rows_written"] > 0


def test_tiny_run_has_no_failures(tiny_run: tuple[dict[str, Any], Path]) -> None:
    document, _ = tiny_run
    assert failed_runs(document) == []


def test_json_has_every_field(tiny_run: tuple[dict[str, Any], Path]) -> None:
    _, folder = tiny_run
    written = json.loads((folder / "smoke.json").read_text())
    for record in written["results"]:
        missing = [key for key in RECORD_FIELDS if key not in record]
        assert missing == [], record["scenario"]
    for key in MACHINE_FIELDS:
        assert key in written["machine"]
    assert written["files"] == [str(folder / "smoke.json")]


def test_tiny_scenarios_removed(tiny_run: tuple[dict[str, Any], Path]) -> None:
    document, _ = tiny_run
    folder = Path(document["scenario_folder"])
    assert folder.name.startswith(TINY_PREFIX)
    assert not folder.exists()


def test_tiny_run_leaves_latest_alone(tiny_run: tuple[dict[str, Any], Path]) -> None:
    _, folder = tiny_run
    assert not (folder / "latest.json").exists()


def test_page_lists_every_scenario(tiny_run: tuple[dict[str, Any], Path]) -> None:
    document, _ = tiny_run
    page = render(document)
    for record in document["results"]:
        assert f"| {record['scenario']} | levante | SUCCESS |" in page
