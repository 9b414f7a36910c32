"""The API process responds after its PostgreSQL connections were terminated."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.db.setup import Database
from testing.ha.client import ApiError, RecordingClient
from testing.ha.postgres import terminate_backends
from testing.ha.processes import ProcessGroup

pytestmark = pytest.mark.skipif(
    os.environ.get("CI") != "true"
    and os.environ.get("LEVANTE_HA") != "1"
    and "LEVANTE_TEST_PG" not in os.environ,
    reason="needs PostgreSQL: set CI=true, LEVANTE_HA=1 or LEVANTE_TEST_PG",
)

APPLICATION = "levante_ha_api_drop"


def test_api_responds_after_connections_dropped(
    ha_postgres_url: str, tmp_path: Path
) -> None:
    Database(ha_postgres_url).dispose()
    group = ProcessGroup(ha_postgres_url, ha_postgres_url, tmp_path)
    client: RecordingClient | None = None
    failures: list[str] = []
    try:
        api, base_url = group.start_api(
            "api", db_url=f"{ha_postgres_url}&application_name={APPLICATION}"
        )
        client = RecordingClient(base_url)
        client.list_executions()
        for _ in range(5):
            dropped = terminate_backends(ha_postgres_url, APPLICATION)
            try:
                client.list_executions()
            except ApiError as error:
                failures.append(f"after dropping {dropped} connection(s): {error}")
    finally:
        if client is not None:
            client.close()
        group.stop_all()
    assert failures == [], api.log_tail(60)
