"""``levante db current`` and ``levante db upgrade``."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main
from engine.db.schema import default_script

HEAD = default_script().get_current_head()


def invoke(database: Path, *args: str) -> object:
    return CliRunner().invoke(main, ["--db", str(database), "db", *args])


def table_names(database: Path) -> set[str]:
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}
    finally:
        connection.close()


def test_upgrade_creates_then_reports_current(tmp_path: Path) -> None:
    database = tmp_path / "levante.sqlite"
    before = invoke(database, "current", "-o", "json")
    assert before.exit_code == 0, before.output
    assert json.loads(before.output)["state"] == "empty"

    created = invoke(database, "upgrade")
    assert created.exit_code == 0, created.output
    assert f"Created the tables at revision {HEAD}" in created.output
    assert "executions" in table_names(database)

    again = invoke(database, "upgrade")
    assert again.exit_code == 0, again.output
    assert "nothing to do" in again.output

    after = invoke(database, "current", "-o", "json")
    document = json.loads(after.output)
    assert document["state"] == "current"
    assert document["current"] == HEAD
    assert document["pending"] == []


def test_current_table_output(tmp_path: Path) -> None:
    database = tmp_path / "levante.sqlite"
    result = invoke(database, "current")
    assert result.exit_code == 0, result.output
    assert f"Newest:   {HEAD}" in result.output
    assert "Revision: -" in result.output
    assert "no Levante tables yet" in result.output


def test_upgrade_sql_runs_nothing(tmp_path: Path) -> None:
    database = tmp_path / "levante.sqlite"
    result = invoke(database, "upgrade", "--sql")
    assert result.exit_code == 0, result.output
    assert "CREATE TABLE executions" in result.output
    assert "INSERT INTO alembic_version" in result.output
    assert table_names(database) == set()


def test_upgrade_rejects_other_version(tmp_path: Path) -> None:
    database = tmp_path / "old.sqlite"
    connection = sqlite3.connect(database)
    connection.execute("CREATE TABLE executions (id VARCHAR(36) PRIMARY KEY)")
    connection.commit()
    connection.close()

    status = invoke(database, "current", "-o", "json")
    assert json.loads(status.output)["state"] == "unversioned"
    result = invoke(database, "upgrade")
    assert result.exit_code == 6
    assert "created by another version of Levante" in result.output
    assert "executions lacks" in result.output
    sql = invoke(database, "upgrade", "--sql")
    assert sql.exit_code == 6
    assert "executions lacks" in sql.output


@pytest.mark.parametrize("command", [["current"], ["upgrade"], ["upgrade", "--sql"]])
def test_db_commands_reject_unsupported_url(command: list[str]) -> None:
    result = CliRunner().invoke(main, ["--db", "foo://bar", "db", *command])
    assert result.exit_code == 2
    assert "unsupported database URL foo://bar" in result.output
