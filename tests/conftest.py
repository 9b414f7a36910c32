"""Fixtures shared by the project's tests: databases and shared test data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from engine.db.models import Base
from engine.db.setup import Database

#: The shared folder beside the checkout: conformance cases and fixtures.
SHARED = Path(os.environ.get("LEVANTE_SHARED", Path(__file__).resolve().parents[2] / "shared"))

#: PostgreSQL used when CI=true (or LEVANTE_TEST_PG is set): trust auth on
#: loopback, database "test".
PG_URL = os.environ.get("LEVANTE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def postgres_enabled() -> bool:
    return os.environ.get("CI") == "true" or "LEVANTE_TEST_PG" in os.environ


def database_backends() -> list[str]:
    return ["sqlite", "postgresql"] if postgres_enabled() else ["sqlite"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Return a URL of the test PostgreSQL with a schema of this run's own.

    Fails (never skips) when PostgreSQL is unreachable. The schema keeps
    concurrent test runs on one server apart; it is dropped at the end.
    """
    schema = f"levante_test_{os.getpid()}"
    probe = create_engine(PG_URL)
    try:
        with probe.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        pytest.fail(f"PostgreSQL at {PG_URL} is required when CI=true: {error}")
    probe.dispose()
    separator = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    # A fresh engine: tests may have restarted PostgreSQL meanwhile.
    cleanup = create_engine(PG_URL, pool_pre_ping=True)
    with cleanup.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    cleanup.dispose()


@pytest.fixture(params=database_backends())
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh, empty database: a SQLite file, or the test PostgreSQL."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'levante.sqlite'}")
    else:
        url = request.getfixturevalue("postgres_url")
        db = Database(url, create=False)
        Base.metadata.drop_all(db.engine)
        Base.metadata.create_all(db.engine)
    yield db
    db.dispose()
