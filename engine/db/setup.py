"""Database URL selection, connection setup and schema creation."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine as SqlEngine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from engine.db.schema import SchemaMismatch, upgrade_schema

__all__ = [
    "DB_URL_ENV",
    "Database",
    "SchemaMismatch",
    "create_database_engine",
    "default_url",
    "normalize_url",
]

#: Environment variable that selects the database when ``--db`` is not given.
DB_URL_ENV = "LEVANTE_DB_URL"


def default_url() -> str:
    """Return the database URL from LEVANTE_DB_URL or the SQLite default.

    The default file is ``levante.sqlite`` under ``$XDG_DATA_HOME/levante``
    (``~/.local/share/levante``), created on first use.
    """
    url = os.environ.get(DB_URL_ENV)
    if url:
        return url
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local/share")
    folder = data_home / "levante"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'levante.sqlite'}"


def normalize_url(url: str) -> str:
    """Accept a bare file path as a SQLite database and pick psycopg 3 for PG."""
    if url == ":memory:":
        return "sqlite://"
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the CLI, the API) see committed state while the
    # engine writes; NORMAL sync is durable across process crashes in WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A write transaction takes SQLite's write lock at BEGIN IMMEDIATE, so two
    # writers (threads or processes) never both read a row and then both
    # update it: the second one waits for the first to commit. Reads begin
    # DEFERRED and do not wait.
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def create_database_engine(url: str) -> SqlEngine:
    """Create the SQLAlchemy engine for a URL given by ``normalize_url``."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False}
        if url in ("sqlite://", "sqlite:///:memory:"):
            # One shared connection, or every thread would see its own
            # empty in-memory database.
            kwargs["poolclass"] = StaticPool
    if not url.startswith("sqlite"):
        # Check a pooled connection before use: after a database restart
        # or pg_terminate_backend, pooled connections are dead.
        kwargs["pool_pre_ping"] = True
    # Statement parameters carry workflow input and action results, which
    # may hold secrets, so they stay out of SQLAlchemy's error messages.
    kwargs["hide_parameters"] = True
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


class Database:
    """A SQLAlchemy engine plus session factory for one database URL.

    With ``create`` (the default), opening the database creates its tables or
    upgrades them to the newest migration (see ``engine.db.schema``), and
    raises SchemaMismatch for a database that cannot be upgraded. With
    ``create=False`` the schema is neither checked nor changed.
    """

    def __init__(self, url: str | None = None, *, create: bool = True) -> None:
        self.url = normalize_url(url or default_url())
        self.engine: SqlEngine = create_database_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        if create:
            try:
                upgrade_schema(self.engine)
            except BaseException:
                # The caller never gets this engine, so close its connections now.
                self.engine.dispose()
                raise

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Open a session whose work is committed at the end, or rolled back.

        On SQLite the transaction holds the write lock from its start; on
        PostgreSQL, handlers lock the rows they change (``lock_execution``).
        """
        with self.sessions() as session, session.begin():
            if self.is_sqlite:
                session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
