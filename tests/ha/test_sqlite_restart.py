"""One ``levante serve`` on SQLite, SIGKILLed mid-run and started again."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import func, select

from engine.db.setup import Database
from testing.ha.client import RecordingClient
from testing.ha.counting import action_runs, create_runs_table, runs_engine
from testing.ha.processes import ProcessGroup, wait_for_health
from testing.ha.shapes import SHAPES
from testing.ha.verify import run_baselines, verify, wait_until_finished

#: Seconds each ha.count action sleeps.
DELAY = 0.3


def recorded_runs(url: str) -> int:
    with runs_engine(url).connect() as connection:
        return int(
            connection.execute(
                select(func.count()).select_from(action_runs)
            ).scalar_one()
        )


def test_serve_killed_and_restarted_finishes_all(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'levante.sqlite'}"
    db = Database(url)
    create_runs_table(url)
    group = ProcessGroup(url, url, tmp_path)
    client: RecordingClient | None = None
    try:
        serve, base_url = group.start_api("serve")
        client = RecordingClient(base_url)
        baselines = run_baselines(client, db, SHAPES, DELAY)
        runs_before = recorded_runs(url)
        execution_ids = [
            client.start(shape, f"{shape.name}-{index}", DELAY)
            for index in range(4)
            for shape in SHAPES
        ]
        deadline = time.monotonic() + 30
        while recorded_runs(url) < runs_before + 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        killed_pid = group.kill(serve)
        group.restart(serve)
        wait_for_health(base_url, serve, timeout=30)
        still_active = wait_until_finished(db, execution_ids, timeout=60)
    finally:
        if client is not None:
            client.close()
        exit_codes = group.stop_all()
    verdict = verify(db, url, execution_ids, baselines)
    print(
        f"\nsqlite restart: {len(execution_ids)} executions, killed pid {killed_pid}, "
        f"lost {verdict.lost}, safe reruns {verdict.reruns}, "
        f"duplicates {len(verdict.duplicates)}"
    )
    assert still_active == [], serve.log_tail()
    assert verdict.problems == []
    assert verdict.duplicates == []
    assert verdict.lost + verdict.reruns >= 1, "the kill hit no running action"
    assert list(exit_codes.values()) == [0], serve.log_tail()
    db.dispose()
