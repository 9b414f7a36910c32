"""``levante db``: show and upgrade the schema of the database.

Every Levante process upgrades its database to the newest schema when it
opens it. These commands are for operators who upgrade before they start
the new version, or who review the SQL of an upgrade first.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TypeVar

import click

from engine.cli.errors import InvalidInput, Unavailable
from engine.cli.render import dumps
from engine.cli.settings import (
    OUTPUT_FORMATS,
    SUPPORTED_DATABASES,
    Settings,
    describe_url,
    pass_settings,
)
from engine.db.setup import DB_URL_ENV, Database

Result = TypeVar("Result")

#: Explanation of each ``SchemaStatus.state``, with the next step to take.
STATE_TEXT = {
    "current": "up to date",
    "outdated": "{count} migration(s) pending; run 'levante db upgrade', or start Levante, "
    "which upgrades the database when it opens it",
    "empty": "no Levante tables yet; 'levante db upgrade' or any Levante command creates them",
    "unversioned": "created before Levante had migrations; 'levante db upgrade' adopts it "
    "when its tables match the first revision",
    "unknown": "at a revision that this Levante does not know: a newer Levante upgraded it",
}


@click.group("db")
def database_group() -> None:
    """Show and upgrade the schema of the database (--db)."""


@database_group.command("current")
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table")
@pass_settings
def db_current(settings: Settings, output_format: str) -> None:
    """Show the schema revision of the database and the newest one of this Levante."""
    from engine.db.schema import schema_status

    database = _open(settings.db_url)
    try:
        status = _run(database, lambda: schema_status(database.engine))
    finally:
        database.dispose()
    url = database.engine.url.render_as_string(hide_password=True)
    if output_format == "json":
        click.echo(
            dumps(
                {
                    "database": url,
                    "state": status.state,
                    "current": status.current,
                    "head": status.head,
                    "pending": list(status.pending),
                }
            )
        )
        return
    click.echo(f"Database: {url}")
    click.echo(f"Revision: {status.current or '-'}")
    click.echo(f"Newest:   {status.head}")
    click.echo(f"State:    {STATE_TEXT[status.state].format(count=len(status.pending))}")


@database_group.command("upgrade")
@click.option(
    "--sql",
    is_flag=True,
    help="Print the SQL of the upgrade to standard output instead of running it.",
)
@pass_settings
def db_upgrade(settings: Settings, sql: bool) -> None:
    """Upgrade the database to the newest schema of this Levante.

    A new database gets all tables. The upgrade runs in one transaction, so
    a failed migration changes nothing.
    """
    from engine.db.schema import upgrade_schema, write_upgrade_sql

    database = _open(settings.db_url)
    try:
        if sql:
            script = io.StringIO()
            status = _run(database, lambda: write_upgrade_sql(database.engine, script))
            click.echo(script.getvalue(), nl=False)
            if not status.pending:
                click.echo(f"-- The database is at the newest revision, {status.head}.")
            return
        status = _run(database, lambda: upgrade_schema(database.engine))
    finally:
        database.dispose()
    if not status.pending:
        click.echo(f"The database is at the newest revision, {status.head}; nothing to do.")
    elif status.current is None and status.unversioned_tables:
        click.echo(
            f"Adopted the existing tables, made before migrations, at revision "
            f"{status.head}; their rows are kept."
        )
    elif status.current is None:
        click.echo(f"Created the tables at revision {status.head}.")
    else:
        click.echo(
            f"Upgraded the database from revision {status.current} to {status.head} "
            f"({len(status.pending)} migration(s))."
        )


def _open(url: str | None) -> Database:
    """Return the database of ``url`` without touching its schema.

    Raises InvalidInput (exit status 2) for a malformed or unsupported URL.
    """
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        return Database(url, create=False)
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as error:
        # ImportError: SQLAlchemy has the dialect, such as mysql://, but
        # its driver is not installed.
        raise InvalidInput(
            f"unsupported database URL {describe_url(url)} ({type(error).__name__}: "
            f"{str(error).splitlines()[0]}); use {SUPPORTED_DATABASES}"
        ) from None


def _run(database: Database, operation: Callable[[], Result]) -> Result:
    """Run ``operation``, turning database errors into the CLI's exit status 6."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    from engine.db.schema import SchemaMismatch

    try:
        return operation()
    except SchemaMismatch as error:
        raise Unavailable(str(error)) from None
    except (OperationalError, InterfaceError) as error:
        reason = str(error.orig).splitlines()[0] if error.orig else str(error)
        raise Unavailable(
            f"cannot connect to the database {database.engine.url.render_as_string()}: "
            f"{reason}; check --db (or {DB_URL_ENV}) and that the database server runs"
        ) from None
