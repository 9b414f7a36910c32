"""Schema migrations: create a new database and upgrade an existing one.

The engine tables (``engine.db``) and the registry tables (``registry.models``)
share one Alembic version history in ``engine/db/migrations``.
``upgrade_schema``, which ``Database(url)`` calls when a process opens its
database, brings the schema to the newest revision:

- a new database gets every migration;
- a database with an ``alembic_version`` table is upgraded from its revision;
- a database made by ``create_all`` before the migrations existed (Levante
  tables but no ``alembic_version``) is adopted when its engine tables have
  the columns of the baseline revision. Its registry tables, a cache, are
  dropped. The baseline then creates the tables it lacks and records its
  revision, and the later migrations run. Otherwise SchemaMismatch is
  raised and nothing changes.

The checks and the migrations run in one transaction. On PostgreSQL it first
takes a transaction-level advisory lock, so processes that start at once
(several executors and the API) take turns: the first upgrades and the
others find the newest revision. On SQLite the transaction takes the write
lock at ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import ResolutionError
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, MetaData, create_engine, inspect, text
from sqlalchemy.pool import NullPool, StaticPool

log = logging.getLogger(__name__)

#: The Alembic environment: env.py, the revision template and versions/.
MIGRATIONS_DIR = Path(__file__).with_name("migrations")

#: Table in which Alembic records the revision of the schema (its default).
VERSION_TABLE = "alembic_version"

#: Key of the PostgreSQL advisory lock held while a process checks and
#: upgrades the schema: the ASCII bytes of "levante" as an integer. The lock
#: is per PostgreSQL database, so Levante schemas in one database take turns.
MIGRATION_LOCK_KEY = int.from_bytes(b"levante", "big")

#: Prefix of the registry tables, which a database made before the
#: migrations gets anew (see ``_drop_cache_tables``).
CACHE_TABLE_PREFIX = "registry_"

#: File names of new revisions: creation date, revision id, message.
FILE_TEMPLATE = "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s"


class SchemaMismatch(RuntimeError):
    """The database was created by a Levante whose tables differ from this one."""


@dataclass(frozen=True)
class SchemaStatus:
    """The revision of a database's schema, compared with this Levante's migrations."""

    #: Revision recorded in the database, or None without a version table.
    current: str | None
    #: Newest revision of this Levante.
    head: str
    #: Revisions that an upgrade would run, oldest first; empty when the
    #: current revision is unknown.
    pending: tuple[str, ...]
    #: Levante tables present without a version table: made before migrations.
    unversioned_tables: tuple[str, ...]
    #: Whether the current revision is one of this Levante's migrations. A
    #: newer Levante may have upgraded the database past them.
    known: bool

    @property
    def state(self) -> str:
        """The status in one word.

        "current" (at the newest revision), "outdated" (migrations pending),
        "empty" (no Levante tables), "unversioned" (made before migrations
        existed) or "unknown" (at a revision of a newer Levante).
        """
        if not self.known:
            return "unknown"
        if self.current is None:
            return "unversioned" if self.unversioned_tables else "empty"
        return "outdated" if self.pending else "current"


def target_metadata() -> list[MetaData]:
    """Return the metadata of every Levante table, engine and registry."""
    # Importing the package registers every engine model (environments and
    # workbooks live in modules of their own).
    import engine.db  # noqa: F401
    from engine.db.models import Base
    from registry.models import RegistryBase

    return [Base.metadata, RegistryBase.metadata]


def alembic_config(
    connection: Connection | None = None,
    *,
    script: ScriptDirectory | None = None,
    dialect_name: str | None = None,
    output: TextIO | None = None,
) -> Config:
    """Build the Alembic configuration in code; no alembic.ini is read.

    ``connection`` is the connection env.py migrates. Without it env.py
    writes SQL for ``dialect_name`` to ``output`` (offline mode).
    """
    config = Config(output_buffer=output)
    location = script.dir if script is not None else str(MIGRATIONS_DIR)
    config.set_main_option("script_location", location)
    config.set_main_option("file_template", FILE_TEMPLATE)
    config.attributes["connection"] = connection
    config.attributes["dialect_name"] = dialect_name
    return config


@functools.cache
def default_script() -> ScriptDirectory:
    """Return the migrations shipped with this Levante, read once per process."""
    return ScriptDirectory(str(MIGRATIONS_DIR), file_template=FILE_TEMPLATE.replace("%%", "%"))


def run_environment(context: EnvironmentContext) -> None:
    """Configure and run a migration context: the body of env.py.

    Levante passes the connection (or, for SQL output, the dialect name) in
    ``config.attributes``. Alembic's own command line passes neither and
    reads the database URL from ``sqlalchemy.url`` or LEVANTE_DB_URL.
    """
    options: dict[str, Any] = {
        "target_metadata": target_metadata(),
        "version_table": VERSION_TABLE,
        # SQLite cannot ALTER most things, so migrations use batch operations,
        # which copy the table on SQLite and emit plain ALTERs elsewhere.
        "render_as_batch": True,
    }
    attributes = context.config.attributes
    if context.is_offline_mode():
        context.configure(
            dialect_name=attributes.get("dialect_name"),
            url=context.config.get_main_option("sqlalchemy.url"),
            literal_binds=True,
            **options,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    # Alembic's command line, used to write new revisions. It skips the
    # adoption checks and the lock of upgrade_schema.
    from engine.db.setup import default_url, normalize_url

    url = context.config.get_main_option("sqlalchemy.url") or default_url()
    engine = create_engine(normalize_url(url), poolclass=NullPool)
    try:
        with engine.connect() as own_connection:
            context.configure(connection=own_connection, **options)
            with context.begin_transaction():
                context.run_migrations()
            own_connection.commit()
    finally:
        engine.dispose()


def upgrade_schema(engine: Engine, *, script: ScriptDirectory | None = None) -> SchemaStatus:
    """Bring the database to the newest revision; return the status before.

    Raises:
        SchemaMismatch: the database has Levante tables that differ from the
            baseline and no version table, or a revision this Levante does
            not know.
    """
    script = script or default_script()
    with _migration_transaction(engine) as connection:
        status = _status(connection, script)
        _check_upgradable(connection, status, script)
        if status.pending:
            log.info(
                "upgrading the schema of %s from %s to %s",
                _display_url(engine),
                status.current or "an empty database",
                status.head,
            )
            _drop_cache_tables(connection, status)
            _run_migrations(connection, script)
        return status


def schema_status(engine: Engine, *, script: ScriptDirectory | None = None) -> SchemaStatus:
    """Read the database's revision and what an upgrade would run; change nothing."""
    with engine.connect() as connection:
        return _status(connection, script or default_script())


def write_upgrade_sql(
    engine: Engine, output: TextIO, *, script: ScriptDirectory | None = None
) -> SchemaStatus:
    """Write the SQL that upgrades the database to ``output``; run nothing.

    Raises:
        SchemaMismatch: as ``upgrade_schema``, and for a database made before
            the migrations, whose adoption depends on the tables it has.
    """
    script = script or default_script()
    with engine.connect() as connection:
        status = _status(connection, script)
        _check_upgradable(connection, status, script)
    if status.unversioned_tables:
        raise SchemaMismatch(
            f"The database {_display_url(engine)} has Levante tables but no "
            f"{VERSION_TABLE} table: it was created before Levante had migrations. "
            "Run 'levante db upgrade' without --sql once to adopt it."
        )
    if status.pending:
        config = alembic_config(script=script, dialect_name=engine.dialect.name, output=output)
        destination = status.head
        starting = status.current

        def upgrade(revision: Any, context: MigrationContext) -> Any:
            # The same call alembic.command.upgrade makes.
            return script._upgrade_revs(destination, revision)

        with EnvironmentContext(
            config,
            script,
            fn=upgrade,
            as_sql=True,
            starting_rev=starting,
            destination_rev=destination,
        ):
            script.run_env()
    return status


@contextmanager
def _migration_transaction(engine: Engine) -> Iterator[Connection]:
    """Open a transaction that no other process runs migrations alongside."""
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                    )
                yield connection
            return
        # A batch migration copies a table and drops the old one. With foreign
        # keys on, that drop would delete the rows referring to it, so they are
        # off while migrating. SQLite ignores the pragma inside a transaction,
        # so it goes through the driver's connection, outside SQLAlchemy's.
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        foreign_keys = cursor.execute("PRAGMA foreign_keys").fetchone()[0]
        cursor.execute("PRAGMA foreign_keys=OFF")
        try:
            connection.execution_options(sqlite_begin="IMMEDIATE")
            with connection.begin():
                yield connection
                violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if violations:
                    raise SchemaMismatch(
                        f"The migrations left rows of {_display_url(engine)} that refer "
                        f"to missing rows ({violations[:5]}); nothing was changed."
                    )
        finally:
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            cursor.close()


def _status(connection: Connection, script: ScriptDirectory) -> SchemaStatus:
    migration = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    current = migration.get_current_revision()
    head = script.get_current_head()
    assert head is not None, "the migrations folder has no revision"
    unversioned: tuple[str, ...] = ()
    if current is None:
        existing = set(inspect(connection).get_table_names())
        unversioned = tuple(sorted(existing & _baseline_columns(script).keys()))
    try:
        pending = tuple(
            reversed([rev.revision for rev in script.iterate_revisions(head, current or "base")])
        )
        known = True
    except (CommandError, ResolutionError):
        pending, known = (), False
    return SchemaStatus(
        current=current, head=head, pending=pending, unversioned_tables=unversioned, known=known
    )


def _check_upgradable(
    connection: Connection, status: SchemaStatus, script: ScriptDirectory
) -> None:
    url = _display_url(connection.engine)
    if not status.known:
        raise SchemaMismatch(
            f"The database {url} is at schema revision {status.current}, which this "
            f"version of Levante does not know (its newest is {status.head}): a newer "
            "Levante upgraded it. Run that version or a newer one."
        )
    if not status.unversioned_tables:
        return
    baseline = _baseline_columns(script)
    columns_by_table = inspect(connection)
    problems = []
    for table in status.unversioned_tables:
        if table.startswith(CACHE_TABLE_PREFIX):
            continue
        present = {column["name"] for column in columns_by_table.get_columns(table)}
        missing = sorted(baseline[table] - present)
        unknown = sorted(present - baseline[table])
        if missing:
            problems.append(f"{table} lacks {', '.join(missing)}")
        if unknown:
            problems.append(f"{table} has unknown columns {', '.join(unknown)}")
    if problems:
        raise SchemaMismatch(
            f"The database {url} was created by another version of Levante "
            f"({'; '.join(problems)}) and has no {VERSION_TABLE} table, so it cannot "
            "be upgraded. Use a new database file (--db or LEVANTE_DB_URL), or move "
            "this one away."
        )


def _drop_cache_tables(connection: Connection, status: SchemaStatus) -> None:
    """Drop the registry tables of a database made before the migrations.

    They only cache the installed plugins and discovered clouds, which every
    process stores again, so the baseline creates them anew instead of
    adopting them. That way their constraints get the names of the naming
    convention, which SQLite cannot add to existing tables.
    """
    names = [name for name in status.unversioned_tables if name.startswith(CACHE_TABLE_PREFIX)]
    if names:
        cached = MetaData()
        cached.reflect(connection, only=names)
        cached.drop_all(connection)


def _run_migrations(
    connection: Connection, script: ScriptDirectory, destination: str = "head"
) -> None:
    config = alembic_config(connection, script=script)

    def upgrade(revision: Any, context: MigrationContext) -> Any:
        # The same call alembic.command.upgrade makes.
        return script._upgrade_revs(destination, revision)

    with EnvironmentContext(config, script, fn=upgrade, destination_rev=destination):
        script.run_env()


@functools.cache
def _baseline_columns(script: ScriptDirectory) -> dict[str, frozenset[str]]:
    """Return the tables and columns that the baseline revision creates.

    The baseline runs on an in-memory SQLite database, so the result comes
    from the migration itself and needs no second list to keep in step.
    """
    base = script.get_base()
    assert base is not None, "the migrations folder has no revision"
    engine = create_engine("sqlite://", poolclass=StaticPool)
    try:
        with engine.begin() as connection:
            _run_migrations(connection, script, base)
            inspector = inspect(connection)
            return {
                table: frozenset(column["name"] for column in inspector.get_columns(table))
                for table in inspector.get_table_names()
                if table != VERSION_TABLE
            }
    finally:
        engine.dispose()


def _display_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)
