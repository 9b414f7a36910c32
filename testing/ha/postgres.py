"""Control of the local PostgreSQL cluster for outage tests.

The cluster is stopped and started with ``pg_ctlcluster`` (Debian's
postgresql-common). ``PostgresCluster.outage`` always starts it again, and
``ensure_running_at_exit`` covers an interpreter that stops in between.
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import create_engine, text


@dataclass(frozen=True)
class PostgresCluster:
    """A Debian PostgreSQL cluster, such as version "15" named "main"."""

    version: str
    name: str = "main"

    @classmethod
    def find(cls, name: str = "main") -> PostgresCluster:
        """Return the newest installed cluster called ``name``.

        Raises:
            RuntimeError: pg_lsclusters is missing or lists no such cluster.
        """
        if shutil.which("pg_lsclusters") is None:
            raise RuntimeError(
                "pg_lsclusters not found: install postgresql-common, which "
                "stops and starts PostgreSQL clusters"
            )
        listing = subprocess.run(
            ["pg_lsclusters", "--no-header"], check=True, capture_output=True, text=True
        ).stdout
        versions = [
            line.split()[0]
            for line in listing.splitlines()
            if line.split()[1:2] == [name]
        ]
        if not versions:
            raise RuntimeError(f"no PostgreSQL cluster named {name!r} in:\n{listing}")
        return cls(max(versions, key=float), name)

    def _ctl(self, verb: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                "pg_ctlcluster",
                "--skip-systemctl-redirect",
                self.version,
                self.name,
                verb,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )

    def running(self) -> bool:
        return self._ctl("status").returncode == 0

    def stop(self) -> None:
        result = self._ctl("stop")
        if result.returncode != 0 and self.running():
            raise RuntimeError(
                f"stopping PostgreSQL {self.version}/{self.name} failed: "
                f"{result.stderr}"
            )

    def start(self) -> None:
        """Start the cluster unless it runs; raise when it does not come up."""
        if self.running():
            return
        result = self._ctl("start")
        if result.returncode != 0 and not self.running():
            raise RuntimeError(
                f"starting PostgreSQL {self.version}/{self.name} failed: "
                f"{result.stderr}"
            )

    @contextmanager
    def outage(self) -> Iterator[None]:
        """Stop the cluster for the body of the ``with`` block, then start it."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def ensure_running_at_exit(self) -> None:
        """Start the cluster when the interpreter exits, should it be down."""
        atexit.register(self.start)


def wait_until_reachable(url: str, timeout: float = 60.0) -> float:
    """Wait until ``SELECT 1`` works at ``url``; return the seconds waited."""
    started = time.monotonic()
    engine = create_engine(url)
    try:
        while True:
            try:
                with engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
                return time.monotonic() - started
            except Exception:
                if time.monotonic() - started > timeout:
                    raise
                time.sleep(0.2)
    finally:
        engine.dispose()


def terminate_backends(admin_url: str, application_name: str) -> int:
    """Close every server connection of ``application_name``; return how many."""
    engine = create_engine(admin_url)
    try:
        with engine.begin() as connection:
            return len(
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": application_name},
                ).all()
            )
    finally:
        engine.dispose()
