"""The ``ha.count`` action: sleeps briefly and records each run in a table.

Every run inserts one row into ``ha_action_runs`` in the database named by
``LEVANTE_HA_RUNS_URL`` before it sleeps, so a test can tell how often each
action really ran, also across processes that were killed. The insert is
retried while the database is unavailable, so an outage delays the action
instead of failing it.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    insert,
)
from sqlalchemy.exc import InterfaceError, OperationalError

from action_sdk import RunContext, action, hookimpl

#: Environment variable with the database URL of the runs table.
RUNS_URL_ENV = "LEVANTE_HA_RUNS_URL"

#: Seconds an action keeps retrying its insert while the database is down.
RECORD_RETRY_SECONDS = 120.0

metadata = MetaData()

#: One row per run of ``ha.count``; a rerun of the same action execution
#: gets a new row with the next ``attempt`` number.
action_runs = Table(
    "ha_action_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_key", String(64), nullable=False, index=True),
    Column("execution_id", String(64)),
    Column("task_name", String(255), nullable=False),
    Column("item", Integer),
    Column("action_execution_id", String(64)),
    Column("attempt", Integer, nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", DateTime, nullable=False, server_default=func.now()),
)

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def runs_engine(url: str) -> Engine:
    """Return one shared SQLAlchemy engine per URL for recording runs."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = create_engine(url, pool_pre_ping=True)
            _engines[url] = engine
        return engine


def create_runs_table(url: str) -> None:
    """Create ``ha_action_runs`` in the database at ``url`` if it is missing."""
    metadata.create_all(runs_engine(url))


def record_run(url: str, row: dict[str, Any]) -> None:
    """Insert one run, retrying for up to ``RECORD_RETRY_SECONDS`` on outages."""
    deadline = time.monotonic() + RECORD_RETRY_SECONDS
    pause = 0.2
    while True:
        try:
            with runs_engine(url).begin() as connection:
                earlier = connection.execute(
                    action_runs.select()
                    .with_only_columns(func.count())
                    .where(
                        action_runs.c.action_execution_id == row["action_execution_id"]
                    )
                ).scalar_one()
                connection.execute(
                    insert(action_runs).values(attempt=earlier + 1, **row)
                )
            return
        except (OperationalError, InterfaceError):
            if time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


@action("ha.count")
def count(
    context: RunContext,
    value: Any,
    run_key: str,
    item: int | None = None,
    delay: float = 0.1,
) -> Any:
    """Record this run in ``ha_action_runs``, sleep ``delay`` seconds, return ``value``.

    Args:
        value: Value to return as the action result.
        run_key: Label of the top-level execution, stored with the run.
        item: Index of the with-items item, stored with the run.
        delay: Seconds to sleep after recording the run.
    """
    url = os.environ.get(RUNS_URL_ENV)
    if not url:
        raise RuntimeError(
            f"{RUNS_URL_ENV} is not set: ha.count needs the database URL of "
            "its ha_action_runs table"
        )
    record_run(
        url,
        {
            "run_key": run_key,
            "execution_id": context.execution_id,
            "task_name": context.task_name or "",
            "item": item,
            "action_execution_id": context.action_execution_id,
            "pid": os.getpid(),
        },
    )
    if delay > 0:
        time.sleep(delay)
    return value


class CountingPlugin:
    """Plugin object that contributes ``ha.count``."""

    @hookimpl
    def levante_actions(self) -> list[Any]:
        return [count]
