"""Schema migrations: new databases, databases made before migrations, upgrades."""

from __future__ import annotations

import io
import itertools
import os
import re
import shutil
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, make_url, select, text

from engine.db.models import Execution
from engine.db.schema import (
    MIGRATIONS_DIR,
    VERSION_TABLE,
    SchemaMismatch,
    alembic_config,
    default_script,
    schema_status,
    target_metadata,
    upgrade_schema,
    write_upgrade_sql,
)
from engine.db.setup import Database

DATA = Path(__file__).with_name("data")
HEAD = default_script().get_current_head()
ALL_TABLES = {table.name for metadata in target_metadata() for table in metadata.sorted_tables}
REGISTRY_TABLES = {name for name in ALL_TABLES if name.startswith("registry_")}
_schema_numbers = itertools.count()


@pytest.fixture
def empty_url(database: Database, tmp_path: Path) -> Iterator[str]:
    """URL of an empty database on the backend of ``database``.

    A new SQLite file, or a new PostgreSQL schema (dropped afterwards) that
    the URL's search_path selects.
    """
    if database.is_sqlite:
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    schema = f"levante_migrations_{os.getpid()}_{next(_schema_numbers)}"
    server = create_engine(database.engine.url.set(query={}))
    with server.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = database.engine.url.update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with server.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    server.dispose()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def model_differences(engine: Engine) -> list[object]:
    """Return what autogenerate would change to make the database match the models."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, target_metadata()))


def old_schema_statements(dialect: str, *, registry: bool) -> list[str]:
    """Return the statements that created tables before migrations existed."""
    script = (DATA / f"before-migrations.{dialect}.sql").read_text()
    if not registry:
        script = script.split("\n-- registry\n")[0]
    lines = [line for line in script.splitlines() if not line.startswith("--")]
    statements = re.split(r";\s*$", "\n".join(lines), flags=re.MULTILINE)
    return [statement.strip() for statement in statements if statement.strip()]


def create_old_database(
    url: str, *, registry: bool = False, edit: dict[str, str] | None = None
) -> Database:
    """Create the tables the way Levante did before migrations; return it unopened.

    ``edit`` replaces text in the statements, to build a database of some
    other version.
    """
    database = Database(url, create=False)
    with database.engine.begin() as connection:
        for statement in old_schema_statements(database.engine.dialect.name, registry=registry):
            for old, new in (edit or {}).items():
                statement = statement.replace(old, new)
            connection.exec_driver_sql(statement)
    return database


def add_execution(database: Database, execution_id: str) -> None:
    with database.transaction() as session:
        session.add(
            Execution(
                id=execution_id,
                workflow_name="wf",
                definition="version: '2.0'",
                checksum="c",
                state="RUNNING",
                input={"size": 3},
            )
        )


def newer_script(tmp_path: Path, revision_body: str) -> ScriptDirectory:
    """Copy the shipped migrations and add one revision after the head."""
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "versions" / "20990101_a1b2c3d4e5f6_next.py").write_text(
        f'"""A later revision, for tests."""\n\n'
        "import sqlalchemy as sa\n"
        "from alembic import op\n\n"
        'revision = "a1b2c3d4e5f6"\n'
        f"down_revision = {HEAD!r}\n"
        "branch_labels = None\n"
        "depends_on = None\n\n\n"
        f"def upgrade() -> None:\n{revision_body}\n\n"
        "def downgrade() -> None:\n    pass\n"
    )
    return ScriptDirectory(str(folder))


ADD_PRIORITY = """\
    with op.batch_alter_table("executions") as batch_op:
        batch_op.add_column(
            sa.Column("priority", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.alter_column("description", existing_type=sa.Text(), nullable=True)
"""


def test_new_database_reaches_head(empty_url: str) -> None:
    database = Database(empty_url)
    try:
        assert current_revision(database.engine) == HEAD
        assert table_names(database.engine) == ALL_TABLES | {VERSION_TABLE}
        if not database.is_sqlite:
            # The version table lands in the schema that search_path selects.
            schema = make_url(empty_url).query["options"].split("=")[1]
            with database.engine.connect() as connection:
                found = connection.execute(
                    text(
                        "SELECT n.nspname FROM pg_class c JOIN pg_namespace n "
                        "ON n.oid = c.relnamespace WHERE c.oid = to_regclass(:name)"
                    ),
                    {"name": VERSION_TABLE},
                ).scalar_one()
            assert found == schema
    finally:
        database.dispose()


def test_models_match_migrations(empty_url: str) -> None:
    database = Database(empty_url)
    try:
        assert model_differences(database.engine) == []
        with database.engine.connect() as connection:
            # alembic check raises AutoGenerateDiffsDetected, listing the
            # differences, when the models and the migrations disagree.
            command.check(alembic_config(connection))
    finally:
        database.dispose()


def test_reopening_changes_nothing(empty_url: str) -> None:
    Database(empty_url).dispose()
    database = Database(empty_url)
    try:
        status = upgrade_schema(database.engine)
        assert status.state == "current"
        assert status.pending == ()
    finally:
        database.dispose()


def test_create_false_changes_nothing(empty_url: str) -> None:
    database = Database(empty_url, create=False)
    try:
        assert table_names(database.engine) == set()
        assert schema_status(database.engine).state == "empty"
    finally:
        database.dispose()


@pytest.mark.parametrize("registry", [False, True], ids=["engine-tables", "all-tables"])
def test_old_database_is_adopted(empty_url: str, registry: bool) -> None:
    old = create_old_database(empty_url, registry=registry)
    add_execution(old, "e-1")
    assert schema_status(old.engine).state == "unversioned"
    old.dispose()

    database = Database(empty_url)
    try:
        assert current_revision(database.engine) == HEAD
        assert table_names(database.engine) == ALL_TABLES | {VERSION_TABLE}
        with database.sessions() as session:
            row = session.get(Execution, "e-1")
            assert row is not None
            assert row.input == {"size": 3}
        # Constraint and index names too: the naming convention gives the
        # names PostgreSQL chose for the old unnamed constraints.
        assert model_differences(database.engine) == []
    finally:
        database.dispose()


def test_old_database_of_other_version_is_rejected(empty_url: str) -> None:
    old = create_old_database(
        empty_url,
        edit={
            "\trun_input JSON,\n": "",
            "\tcheckpoint VARCHAR(36) NOT NULL,\n": "",
            "\tpayload JSON,": "\tpayload JSON,\n\tattempts INTEGER,",
        },
    )
    old.dispose()
    with pytest.raises(SchemaMismatch) as raised:
        Database(empty_url)
    message = str(raised.value)
    assert "created by another version of Levante" in message
    assert "action_executions lacks run_input" in message
    assert "jobs has unknown columns attempts" in message
    assert "move this one away" in message
    check = Database(empty_url, create=False)
    try:
        # Nothing was created: no version table, no registry tables.
        assert VERSION_TABLE not in table_names(check.engine)
        assert not REGISTRY_TABLES & table_names(check.engine)
    finally:
        check.dispose()


def test_added_column_keeps_rows(empty_url: str, tmp_path: Path) -> None:
    database = Database(empty_url)
    try:
        add_execution(database, "e-1")
        script = newer_script(tmp_path, ADD_PRIORITY)
        before = upgrade_schema(database.engine, script=script)
        assert before.current == HEAD
        assert before.pending == ("a1b2c3d4e5f6",)
        assert current_revision(database.engine) == "a1b2c3d4e5f6"
        with database.engine.connect() as connection:
            row = connection.execute(
                text("SELECT id, workflow_name, state, priority, created_at FROM executions")
            ).one()
        assert row.id == "e-1"
        assert row.workflow_name == "wf"
        assert row.state == "RUNNING"
        assert row.priority == 0
        assert isinstance(row.created_at, datetime | str)
        columns = {c["name"]: c for c in inspect(database.engine).get_columns("executions")}
        assert columns["description"]["nullable"] is True
    finally:
        database.dispose()


def test_newer_revision_is_rejected(empty_url: str, tmp_path: Path) -> None:
    database = Database(empty_url)
    upgrade_schema(database.engine, script=newer_script(tmp_path, ADD_PRIORITY))
    database.dispose()
    with pytest.raises(SchemaMismatch, match="a1b2c3d4e5f6, which this version of Levante"):
        Database(empty_url)


def test_failed_migration_changes_nothing(empty_url: str, tmp_path: Path) -> None:
    database = Database(empty_url)
    try:
        add_execution(database, "e-1")
        failing = ADD_PRIORITY + '    op.execute("SELECT no_such_column FROM executions")\n'
        with pytest.raises(Exception, match="no_such_column"):
            upgrade_schema(database.engine, script=newer_script(tmp_path, failing))
        assert current_revision(database.engine) == HEAD
        columns = {c["name"] for c in inspect(database.engine).get_columns("executions")}
        assert "priority" not in columns
        with database.sessions() as session:
            assert session.scalars(select(Execution.id)).all() == ["e-1"]
    finally:
        database.dispose()


def test_concurrent_startups_all_succeed(empty_url: str) -> None:
    starters = 4
    barrier = threading.Barrier(starters)
    errors: list[BaseException] = []
    opened: list[Database] = []

    def start() -> None:
        barrier.wait()
        try:
            opened.append(Database(empty_url))
        except BaseException as error:  # noqa: BLE001 - reported by the assert below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(starters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert errors == []
        assert len(opened) == starters
        assert current_revision(opened[0].engine) == HEAD
        with opened[0].engine.connect() as connection:
            versions = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
            assert versions.scalars().all() == [HEAD]
    finally:
        for database in opened:
            database.dispose()


def test_upgrade_sql_builds_head(empty_url: str) -> None:
    database = Database(empty_url, create=False)
    try:
        output = io.StringIO()
        status = write_upgrade_sql(database.engine, output)
        assert status.state == "empty"
        sql = output.getvalue()
        assert "CREATE TABLE executions" in sql
        assert table_names(database.engine) == set()
        with database.engine.connect() as connection:
            driver_connection = connection.connection.dbapi_connection
            assert driver_connection is not None
            if database.is_sqlite:
                driver_connection.executescript(sql)  # type: ignore[attr-defined]
            else:
                driver_connection.execute(sql)  # type: ignore[attr-defined]
                driver_connection.commit()
        assert current_revision(database.engine) == HEAD
        assert model_differences(database.engine) == []
    finally:
        database.dispose()


def test_upgrade_sql_rejects_unversioned(empty_url: str) -> None:
    old = create_old_database(empty_url)
    try:
        with pytest.raises(SchemaMismatch, match="without --sql"):
            write_upgrade_sql(old.engine, io.StringIO())
    finally:
        old.dispose()


def test_single_head() -> None:
    script = default_script()
    assert len(script.get_heads()) == 1
    assert len(script.get_bases()) == 1
