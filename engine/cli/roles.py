"""Process roles for running Levante as several processes on one database.

``levante executor`` runs actions: it claims idle action runs from the
database, runs them and handles their results (the engine work of those
events). ``levante engine`` runs no actions; it fires timers and takes over
actions whose executor stopped renewing its lease. Either may run many times
against one PostgreSQL database; no process is special.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from typing import Any

import click

from engine.db.setup import DB_URL_ENV

log = logging.getLogger(__name__)


def run_until_signalled(core: Any, role: str) -> None:
    """Run the engine loop until SIGTERM or SIGINT, then stop cleanly."""
    stop = threading.Event()

    def request_stop(signum: int, _frame: Any) -> None:
        log.info("%s %s stopping on signal %d", role, core.owner, signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    log.info("%s %s started", role, core.owner)
    left_running = 0
    try:
        core.serve(stop)
    finally:
        # Record the results of actions that finish within the grace period;
        # the others are handed over through their leases.
        left_running = core.drain()
        core.close()
        log.info("%s %s stopped", role, core.owner)
    if left_running:
        # Their worker threads would hold the interpreter until they end.
        logging.shutdown()
        os._exit(0)


def connect_with_retry(url: str | None, role: str) -> Any:
    """Open the database, waiting with a growing pause while it is unreachable.

    A process started during a database outage waits instead of exiting, so
    a supervisor need not restart it in a loop. SIGTERM stops the wait.
    """
    from engine.cli.settings import DatabaseUnreachable, open_database

    pause = 0.5
    while True:
        try:
            # An invalid or unsupported URL raises at once (exit status 2).
            return open_database(url)
        except DatabaseUnreachable as error:
            log.warning(
                "%s: database unavailable, retrying in %.1f s: %s", role, pause, error.message
            )
            time.sleep(pause)
            pause = min(pause * 2, 10.0)


def _database_url(db_url: str | None) -> str | None:
    """Prefer the command's --db, then the top-level --db, then the default."""
    if db_url:
        return db_url
    root = click.get_current_context().find_root().obj
    return getattr(root, "db_url", None)


@click.command("executor")
@click.option(
    "--db", "db_url", envvar=DB_URL_ENV, help="Database URL (PostgreSQL for several processes)."
)
@click.option("--workers", type=click.IntRange(1, 256), default=16, show_default=True,
              help="Actions run at the same time in this process.")
def executor_command(db_url: str | None, workers: int) -> None:
    """Run actions taken from the database until stopped (SIGTERM)."""
    from engine.core import EngineCore
    database = connect_with_retry(_database_url(db_url), "executor")
    core = EngineCore(database, max_workers=workers, executor=True)
    run_until_signalled(core, "executor")


@click.command("engine")
@click.option(
    "--db", "db_url", envvar=DB_URL_ENV, help="Database URL (PostgreSQL for several processes)."
)
def engine_command(db_url: str | None) -> None:
    """Fire timers and take over abandoned actions until stopped (SIGTERM)."""
    from engine.core import EngineCore

    core = EngineCore(connect_with_retry(_database_url(db_url), "engine"), executor=False)
    run_until_signalled(core, "engine")
