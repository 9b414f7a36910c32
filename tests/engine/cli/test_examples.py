"""The workflows in examples/ run through the CLI with the expected results."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from engine.cli import main

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def run_json(tmp_path: Path, *args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(
        main, ["--db", str(tmp_path / "cli.sqlite"), "run", *args, "-o", "json"]
    )
    assert result.stdout.lstrip().startswith("{"), result.output
    return result.exit_code, json.loads(result.stdout)


def test_rolling_restart_restarts_in_order(tmp_path: Path) -> None:
    code, document = run_json(tmp_path, str(EXAMPLES / "rolling_restart.yaml"))
    assert code == 0, document["state_info"]
    assert document["output"]["restarted"] == [
        "restarted nova-api",
        "restarted nova-scheduler",
        "restarted nova-conductor",
    ]
    assert document["output"]["checked"] == 3


def test_rolling_restart_takes_service_list(tmp_path: Path) -> None:
    code, document = run_json(
        tmp_path,
        str(EXAMPLES / "rolling_restart.yaml"),
        "--input",
        '{"services": ["glance-api"], "pause_seconds": 0}',
    )
    assert code == 0
    assert document["output"] == {"restarted": ["restarted glance-api"], "checked": 1}


def test_health_check_report_joins_branches(tmp_path: Path) -> None:
    code, document = run_json(
        tmp_path, str(EXAMPLES / "health_check_report.yaml"), "-i", "region=RegionTwo"
    )
    assert code == 0, document["state_info"]
    report = document["output"]["report"]
    assert report["region"] == "RegionTwo"
    assert sorted(report["healthy"]) == ["compute", "network"]
    assert report["degraded"] == ["block-storage"]
    assert report["slowest_ms"] == 240
    names = [task["name"] for task in document["tasks"]]
    assert names.count("build_report") == 1


def test_backup_failure_is_cleaned_up(tmp_path: Path) -> None:
    code, document = run_json(tmp_path, str(EXAMPLES / "backup_with_cleanup.yaml"))
    assert code == 0, document["state_info"]
    assert document["state"] == "SUCCESS"
    assert document["output"]["snapshot"] == "snap-vol-0042"
    assert document["output"]["cleaned"] is True
    assert document["output"]["upload_error"] == {
        "code": 507,
        "reason": "object store quota exceeded",
    }
    states = {task["name"]: task["state"] for task in document["tasks"]}
    assert states == {
        "create_snapshot": "SUCCESS",
        "upload_snapshot": "ERROR",
        "delete_snapshot": "SUCCESS",
    }
