"""Fixtures of the HA tests: the PostgreSQL cluster and a schema of their own."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from testing.ha.postgres import PostgresCluster

#: PostgreSQL of the HA tests: trust auth on loopback, database "test".
PG_URL = os.environ.get(
    "LEVANTE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def ha_enabled() -> bool:
    return os.environ.get("CI") == "true" or os.environ.get("LEVANTE_HA") == "1"


def run_sql(statement: str) -> None:
    # A fresh engine each time: pooled connections do not survive an outage.
    engine = create_engine(PG_URL)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    """The local PostgreSQL cluster, started again after the test in every case."""
    found = PostgresCluster.find()
    found.ensure_running_at_exit()
    try:
        yield found
    finally:
        found.start()


@pytest.fixture
def ha_postgres_url() -> Iterator[str]:
    """Return a URL of the test PostgreSQL with an empty schema of this test's own.

    Fails (never skips) when PostgreSQL is unreachable.
    """
    schema = f"levante_ha_{os.getpid()}"
    try:
        run_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        run_sql(f'CREATE SCHEMA "{schema}"')
    except Exception as error:
        pytest.fail(f"PostgreSQL at {PG_URL} is required for the HA tests: {error}")
    separator = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    run_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
