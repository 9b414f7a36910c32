"""Three executors and an API on PostgreSQL under kills, an outage, dropped connections.

Every few seconds one of the four processes, the API included, is killed.

This test stops the shared PostgreSQL server for about 25 s, so it runs only
when CI=true or LEVANTE_HA=1. The server is started again in every case.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path

import pytest

from engine.db.setup import Database
from testing.ha.chaos import Chaos, ChaosLog, ChaosPlan, Submitter
from testing.ha.client import RecordingClient
from testing.ha.counting import create_runs_table
from testing.ha.postgres import (
    PostgresCluster,
    terminate_backends,
    wait_until_reachable,
)
from testing.ha.processes import ProcessGroup
from testing.ha.shapes import SHAPES
from testing.ha.verify import Verdict, run_baselines, verify, wait_until_finished

pytestmark = pytest.mark.skipif(
    os.environ.get("CI") != "true" and os.environ.get("LEVANTE_HA") != "1",
    reason="stops the shared PostgreSQL server for ~25 s; "
    "set CI=true or LEVANTE_HA=1 to run",
)

#: Connections of the executors carry this name, so only they are dropped.
#: The API process is left alone: see test_api_connections.py.
WORKER_APPLICATION = "levante_ha_worker"
API_APPLICATION = "levante_ha_api"
EXECUTIONS = 220
DELAY = 0.2
WORKERS = 3
PLAN = ChaosPlan(
    duration=55.0,
    kill_interval=(3.0, 5.0),
    restart_pause=0.5,
    outage_at=15.0,
    outage_seconds=22.0,
    terminate_interval=6.0,
    seed=7,
)
#: Seconds after the outage during which API errors are still accepted.
API_GRACE_SECONDS = 10.0
#: Seconds around a kill of the API process during which errors are accepted.
API_KILL_GRACE_SECONDS = 2.0


def summary(
    log: ChaosLog, verdict: Verdict, submitter: Submitter, api_errors: int
) -> str:
    recoveries = [
        kill.recovered_after
        for kill in log.kills
        if kill.recovered_after is not None
        and kill.held
        and not log.overlaps_outage(kill)
    ]
    lines = [
        f"executions {verdict.executions}, kills {len(log.kills)}, outage "
        f"{log.outage_seconds:.1f} s, duplicates {len(verdict.duplicates)}, lost "
        f"{verdict.lost}, safe reruns {verdict.reruns}",
        f"connection drops {log.terminated}, restarts that exited again "
        f"{len(log.crashed_restarts)}, API errors {api_errors} (start retries "
        f"{submitter.rejected})",
    ]
    api_downtimes = [end - start for start, end in log.api_down if end is not None]
    if log.api_down:
        lines.append(
            f"API kills {len(log.api_down)}, back after "
            + ", ".join(f"{seconds:.2f} s" for seconds in api_downtimes)
        )
    if recoveries:
        lines.append(
            "recovery after kills that held actions, outage excluded: "
            f"median {statistics.median(recoveries):.2f} s, "
            f"max {max(recoveries):.2f} s"
        )
    for kill in log.kills:
        recovered = (
            "not recovered"
            if kill.recovered_after is None
            else f"{kill.recovered_after:.2f} s"
        )
        when = " (outage)" if log.overlaps_outage(kill) else ""
        lines.append(
            f"  kill {kill.role} pid {kill.pid}{when}: held {kill.held}, "
            f"recovered {recovered}"
        )
    return "\n".join(lines)


def test_workers_survive_kills_and_outage(
    cluster: PostgresCluster, ha_postgres_url: str, tmp_path: Path
) -> None:
    postgres_url = ha_postgres_url
    db = Database(postgres_url)
    create_runs_table(postgres_url)
    group = ProcessGroup(
        f"{postgres_url}&application_name={WORKER_APPLICATION}", postgres_url, tmp_path
    )
    client: RecordingClient | None = None
    exit_codes: dict[str, int | None] = {}
    try:
        workers = [group.start("executor", "--workers", "8") for _ in range(WORKERS)]
        api, base_url = group.start_api(
            "api", db_url=f"{postgres_url}&application_name={API_APPLICATION}"
        )
        client = RecordingClient(base_url)
        baselines = run_baselines(client, db, SHAPES, DELAY)
        submitter = Submitter(client, SHAPES, EXECUTIONS, interval=0.15, delay=DELAY)
        chaos = Chaos(
            group,
            [*workers, api],
            db,
            stop_database=cluster.stop,
            start_database=cluster.start,
            terminate_connections=lambda: terminate_backends(
                postgres_url, WORKER_APPLICATION
            ),
            api_urls={id(api): base_url},
        )
        submitter.start()
        try:
            log = chaos.run(PLAN)
        finally:
            cluster.start()
        wait_until_reachable(postgres_url)
        submitter.join(120)
        chaos.settle()
        execution_ids = [started.execution_id for started in submitter.started]
        still_active = wait_until_finished(db, execution_ids, timeout=90)
    finally:
        cluster.start()
        if client is not None:
            client.close()
        exit_codes = group.stop_all()
    # Pooled connections of this process died in the outage.
    db.dispose()
    verdict = verify(db, postgres_url, execution_ids, baselines)
    db.dispose()
    assert log.outage_started is not None
    window = (log.outage_started - 1.0, (log.outage_ended or 0.0) + API_GRACE_SECONDS)
    api_errors = [call for call in client.calls if not call.ok]
    late_errors = [
        call
        for call in api_errors
        if not window[0] <= call.sent_at <= window[1]
        and not log.api_was_down(call.sent_at, API_KILL_GRACE_SECONDS)
    ]
    print("\n" + summary(log, verdict, submitter, len(api_errors)))
    assert submitter.error is None
    assert len(execution_ids) == EXECUTIONS
    assert still_active == [], api.log_tail()
    assert verdict.problems == []
    assert verdict.duplicates == []
    assert late_errors == []
    assert len(log.kills) >= 5
    assert log.api_down, "no kill hit the API process"
    assert len({started.execution_id for started in submitter.started}) == EXECUTIONS
    assert verdict.lost + verdict.reruns > 0, "no kill hit a running action"
    assert all(kill.recovered_after is not None for kill in log.kills)
    assert set(exit_codes.values()) == {0}, exit_codes
