"""A database that cannot be reached gives 503 database_unavailable, not 500.

Outages are made three ways: a SQLite file whose folder was moved away, a
PostgreSQL URL whose loopback port has no listener, and a session factory
whose connections fail the way a dropped connection does.
"""

from __future__ import annotations

import logging
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool
from starlette.testclient import TestClient

import plugins.std
from engine.api import ApiConfig, create_app
from engine.api.errors import (
    RETRY_AFTER_SECONDS,
    OutageLog,
    describe_database_error,
    is_database_unavailable,
)
from engine.core import EngineCore
from engine.db.setup import Database
from registry.discovery import catalog_from_plugins

from .conftest import GREETING

#: Requests that each need the database, one per kind of route.
REQUESTS = [
    ("GET", "/v2/executions", None),
    ("GET", "/v2/workflows", None),
    ("GET", "/v2/environments/prod", None),
    ("POST", "/v2/executions", {"definition": GREETING, "input": {"name": "a"}}),
    ("POST", "/v2/workflows", {"definition": GREETING}),
]

OUTAGE_LOGGER = "engine.api.errors"


def unused_port() -> int:
    """Return a loopback port that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def make_core(database: Database) -> EngineCore:
    return EngineCore(database, catalog_from_plugins({"std": plugins.std.plugin}))


def make_client(core: EngineCore) -> TestClient:
    app = create_app(core, ApiConfig(), engine_alive=lambda: True)
    return TestClient(app, raise_server_exceptions=False)


def assert_unavailable(response: Any) -> None:
    body = response.json()
    assert response.status_code == 503, body
    assert body["code"] == "database_unavailable"
    assert "unreachable" in body["message"]
    assert "retry" in body["message"]
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)


def outage_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.name == OUTAGE_LOGGER and "database unavailable" in record.message
    ]


def failing_factory(error: Exception) -> sessionmaker:
    """Return a session factory whose every connection attempt raises ``error``."""

    def connect() -> Any:
        raise error

    engine = create_engine("sqlite://", creator=connect, poolclass=StaticPool)
    return sessionmaker(engine)


@pytest.fixture
def moved_sqlite(tmp_path: Path) -> Iterator[EngineCore]:
    """An engine whose SQLite file was moved away after the schema was made."""
    folder = tmp_path / "data"
    folder.mkdir()
    core = make_core(Database(f"sqlite:///{folder / 'levante.sqlite'}"))
    core.db.engine.dispose()
    folder.rename(tmp_path / "moved")
    yield core
    core.close()


@pytest.fixture
def refused_postgres() -> Iterator[EngineCore]:
    """An engine whose PostgreSQL URL names a loopback port without a listener.

    No PostgreSQL server is needed: the driver's connection is refused.
    """
    url = (
        f"postgresql+psycopg://levante:not-a-real-secret@127.0.0.1:{unused_port()}/test"
    )
    core = make_core(Database(url, create=False))
    yield core
    core.close()


@pytest.mark.parametrize("method, path, body", REQUESTS)
def test_moved_sqlite_file_is_503(
    moved_sqlite: EngineCore, method: str, path: str, body: Any
) -> None:
    client = make_client(moved_sqlite)
    assert_unavailable(client.request(method, path, json=body))


@pytest.mark.parametrize("method, path, body", REQUESTS)
def test_refused_postgres_is_503(
    refused_postgres: EngineCore, method: str, path: str, body: Any
) -> None:
    client = make_client(refused_postgres)
    assert_unavailable(client.request(method, path, json=body))


def test_refused_postgres_log_hides_password(
    refused_postgres: EngineCore, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(refused_postgres)
    with caplog.at_level(logging.DEBUG):
        assert_unavailable(client.get("/v2/executions"))
        assert client.get("/ready").status_code == 503
    assert len(outage_records(caplog)) == 1
    assert "not-a-real-secret" not in caplog.text


def test_readiness_when_database_is_gone(moved_sqlite: EngineCore) -> None:
    response = make_client(moved_sqlite).get("/ready")
    assert response.status_code == 503
    assert response.json() == {
        "status": "not_ready",
        "database": False,
        "engine": True,
    }


@pytest.mark.parametrize(
    "error",
    [
        OSError("connection refused"),
        sqlite3.OperationalError("unable to open database file"),
    ],
    ids=["os-error", "driver-error"],
)
def test_failing_session_factory_is_503(
    core: EngineCore, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    if isinstance(error, OSError):
        # A dropped connection, as the dialect reports it: invalidated.
        error = OperationalError("SELECT 1", {}, error, connection_invalidated=True)
    monkeypatch.setattr(core.db, "sessions", failing_factory(error))
    client = make_client(core)
    for method, path, body in REQUESTS:
        assert_unavailable(client.request(method, path, json=body))


def test_sqlite_locked_says_busy(
    core: EngineCore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "locked.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    waiter = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    try:
        holder.execute("CREATE TABLE t (x)")
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError) as locked:
            waiter.execute("BEGIN IMMEDIATE")
    finally:
        holder.close()
        waiter.close()
    error = OperationalError("BEGIN IMMEDIATE", {}, locked.value)
    monkeypatch.setattr(core.db, "sessions", failing_factory(error))
    response = make_client(core).get("/v2/executions")
    assert_unavailable(response)
    assert "busy or unreachable" in response.json()["message"]


def test_moved_sqlite_does_not_say_busy(moved_sqlite: EngineCore) -> None:
    response = make_client(moved_sqlite).get("/v2/executions")
    assert_unavailable(response)
    assert "busy" not in response.json()["message"]


def test_pool_timeout_is_503(core: EngineCore, monkeypatch: pytest.MonkeyPatch) -> None:
    timeout = PoolTimeoutError("QueuePool limit of size 5 overflow 10 reached")
    monkeypatch.setattr(core.db, "sessions", failing_factory(timeout))
    assert_unavailable(make_client(core).get("/v2/executions"))


def test_outage_is_logged_once_per_burst(
    moved_sqlite: EngineCore, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(moved_sqlite)
    with caplog.at_level(logging.INFO):
        for _ in range(5):
            assert_unavailable(client.get("/v2/executions"))
        assert client.get("/ready").status_code == 503
    records = outage_records(caplog)
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING
    assert "GET /v2/executions" in records[0].message
    assert "unable to open database file" in records[0].message
    assert not [record for record in caplog.records if record.exc_info]


def test_missing_table_is_still_500(
    core: EngineCore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A database without Levante's tables: a bug or a wrong URL, not an outage.
    empty = create_engine("sqlite://", poolclass=StaticPool)
    monkeypatch.setattr(core.db, "sessions", sessionmaker(empty))
    with caplog.at_level(logging.INFO):
        response = make_client(core).get("/v2/executions")
    empty.dispose()
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "Retry-After" not in response.headers
    assert not outage_records(caplog)


def test_programming_error_is_500(
    core: EngineCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = ProgrammingError("SELECT x", {}, sqlite3.ProgrammingError("bad SQL"))
    monkeypatch.setattr(core.db, "sessions", failing_factory(error))
    response = make_client(core).get("/v2/executions")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"


def test_python_bug_is_500(core: EngineCore, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(core.db, "sessions", broken)
    response = make_client(core).get("/v2/executions")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"


def test_service_recovers_after_outage(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    core = make_core(Database(f"sqlite:///{folder / 'levante.sqlite'}"))
    client = make_client(core)
    try:
        core.db.engine.dispose()
        folder.rename(tmp_path / "moved")
        assert_unavailable(client.get("/v2/executions"))
        (tmp_path / "moved").rename(folder)
        assert client.get("/v2/executions").status_code == 200
        assert client.get("/ready").status_code == 200
    finally:
        core.close()


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (OperationalError("SELECT 1", {}, sqlite3.OperationalError("x")), True),
        (OperationalError("SELECT 1", {}, Exception("x")), True),
        (ProgrammingError("SELECT 1", {}, Exception("x")), False),
        (PoolTimeoutError("pool"), True),
        (RuntimeError("bug"), False),
    ],
    ids=["sqlite-no-code", "client-side", "programming", "pool-timeout", "bug"],
)
def test_unavailable_classification(error: Exception, unavailable: bool) -> None:
    assert is_database_unavailable(error) is unavailable


def test_sqlite_codes_classification(tmp_path: Path) -> None:
    gone = tmp_path / "gone" / "x.sqlite"
    with pytest.raises(sqlite3.OperationalError) as cannot_open:
        sqlite3.connect(gone)
    connection = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.OperationalError) as no_table:
        connection.execute("SELECT * FROM missing")
    connection.close()
    assert is_database_unavailable(OperationalError("", {}, cannot_open.value))
    assert not is_database_unavailable(OperationalError("", {}, no_table.value))


def test_database_error_summary_hides_password() -> None:
    original = Exception('connection to "db" failed for user x password hunter2\nmore')
    error = OperationalError("INSERT ...", {"token": "abc123"}, original)
    summary = describe_database_error(error, "hunter2")
    assert "hunter2" not in summary
    assert "abc123" not in summary
    assert "INSERT" not in summary
    assert "more" not in summary
    assert summary.startswith("Exception: connection")


def test_outage_log_counts_suppressed(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    outages = OutageLog(interval=60.0, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger=OUTAGE_LOGGER):
        assert outages.record("GET /a", "refused")
        now[0] = 30.0
        assert not outages.record("GET /a", "refused")
        assert not outages.record("GET /b", "refused")
        now[0] = 91.0
        assert outages.record("GET /c", "refused")
    records = outage_records(caplog)
    assert len(records) == 2
    assert "similar failures" not in records[0].message
    assert "2 similar failures" in records[1].message


def test_openapi_declares_503(core: EngineCore) -> None:
    document = make_client(core).get("/openapi.json").json()
    responses = document["paths"]["/v2/executions"]["get"]["responses"]
    assert "503" in responses


def test_sqlite_locked_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    waiter = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    try:
        holder.execute("CREATE TABLE t (x)")
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError) as locked:
            waiter.execute("BEGIN IMMEDIATE")
    finally:
        holder.close()
        waiter.close()
    assert "locked" in str(locked.value)
    assert is_database_unavailable(OperationalError("", {}, locked.value))
