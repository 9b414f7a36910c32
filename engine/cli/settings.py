"""Options every command shares, and how commands reach state.

``Settings`` contains the global options: the database for local commands, and
the service URL and token for commands that work against a running service.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from engine.cli.errors import InvalidInput, Unavailable
from engine.cli.remote import RemoteService, open_client
from engine.db.setup import DB_URL_ENV, Database

OUTPUT_FORMATS = click.Choice(["table", "json"])


class Settings:
    """Options of the top-level group, shared by every command."""

    def __init__(
        self, db_url: str | None, url: str | None = None, token: str | None = None
    ) -> None:
        self.db_url = db_url
        self.url = url
        self.token = token
        self._database: Database | None = None
        self._remote: RemoteService | None = None

    def database(self) -> Database:
        if self._database is None:
            self._database = open_database(self.db_url)
            # Close the pooled connections when the command ends, instead of
            # leaving them to the garbage collector.
            click.get_current_context().call_on_close(self._database.dispose)
        return self._database

    def remote(self) -> RemoteService | None:
        """Return the client of the service given by --url, or None."""
        if self.url is None:
            return None
        if self._remote is None:
            self._remote = RemoteService(open_client(self.url, self.token))
            click.get_current_context().call_on_close(self._remote.close)
        return self._remote


pass_settings = click.make_pass_decorator(Settings)

#: The database URLs Levante accepts, for error messages.
SUPPORTED_DATABASES = (
    "a SQLite file path, sqlite:///PATH, or postgresql://USER[:PASSWORD]@HOST[:PORT]/NAME"
)


class DatabaseUnreachable(Unavailable):
    """The database server refused or lost the connection, or the file cannot be opened."""


def open_database(url: str | None) -> Database:
    """Open the database of ``url``, or of LEVANTE_DB_URL or the default file.

    Raises:
        InvalidInput: the URL is malformed or names a database Levante does
            not support (exit status 2).
        DatabaseUnreachable: the database cannot be reached or opened
            (exit status 6).
        Unavailable: the file is not a database, or the database has the
            schema of another Levante version (exit status 6).
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import (
        ArgumentError,
        DatabaseError,
        NoSuchModuleError,
        OperationalError,
    )

    from engine.db.setup import SchemaMismatch, default_url, normalize_url

    display_url = describe_url(url)
    try:
        make_url(normalize_url(url or default_url()))
    except (ArgumentError, ValueError) as error:
        raise InvalidInput(
            f"invalid database URL {display_url} ({_first_line(error)}); use "
            f"{SUPPORTED_DATABASES}"
        ) from None
    except OSError as error:
        # default_url() creates the folder of the default SQLite file.
        raise Unavailable(
            f"cannot create the database folder: {error}; give --db (or {DB_URL_ENV})"
        ) from None
    try:
        return Database(url)
    except (ArgumentError, NoSuchModuleError, ImportError) as error:
        # ImportError: SQLAlchemy has the dialect, such as mysql://, but its
        # driver is not installed.
        raise InvalidInput(
            f"unsupported database URL {display_url} ({type(error).__name__}: "
            f"{_first_line(error)}); use {SUPPORTED_DATABASES}"
        ) from None
    except SchemaMismatch as error:
        raise Unavailable(str(error)) from None
    except OperationalError as error:
        raise DatabaseUnreachable(describe_database_failure(display_url, error)) from None
    except DatabaseError as error:
        raise Unavailable(describe_database_failure(display_url, error)) from None


def describe_database_failure(display_url: str, error: BaseException) -> str:
    """Return the message of a database that failed to open, with what to check."""
    from sqlalchemy.exc import OperationalError

    reason = _first_line(getattr(error, "orig", None) or error)
    if not isinstance(error, OperationalError):
        # sqlite3 raises DatabaseError "file is not a database" for a file
        # of another format, such as a YAML file given by mistake.
        return (
            f"cannot open the database {display_url}: {reason}; --db (or {DB_URL_ENV}) "
            f"must be {SUPPORTED_DATABASES}"
        )
    folder = _sqlite_folder(display_url)
    if folder is None:
        hint = f"check --db (or {DB_URL_ENV}) and that the database server runs"
    elif not folder.is_dir():
        hint = f"the folder {folder} does not exist; create it or fix --db (or {DB_URL_ENV})"
    else:
        hint = f"check --db (or {DB_URL_ENV}) and the file's permissions"
    return f"cannot connect to the database {display_url}: {reason}; {hint}"


def describe_url(url: str | None) -> str:
    """Return the database URL as the user gave it, with the password hidden."""
    from engine.db.setup import default_url

    try:
        text = url or default_url()
    except OSError:
        return "(default SQLite file)"
    return _PASSWORD_IN_URL.sub(r"\1***@", text)


#: The password part of ``scheme://user:password@host``. A password
#: containing ``@`` or ``/`` must be percent-encoded in a URL.
_PASSWORD_IN_URL = re.compile(r"(://[^:/@]*:)[^@/]*@")


def _sqlite_folder(display_url: str) -> Path | None:
    if display_url.startswith("sqlite:///"):
        path = display_url.removeprefix("sqlite:///")
    elif "://" not in display_url and display_url != ":memory:":
        path = display_url
    else:
        return None
    return Path(path).resolve().parent


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def read_definition(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"{path} is not UTF-8 text (byte {error.start}); a workflow definition "
            "must be a UTF-8 YAML file"
        ) from None
