"""Options every command shares, and how commands reach state.

``Settings`` contains the global options: the database for local commands, and
the service URL and token for commands that work against a running service.
"""

from __future__ import annotations

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
            from sqlalchemy.exc import OperationalError

            from engine.db.setup import SchemaMismatch

            try:
                self._database = Database(self.db_url)
            except SchemaMismatch as error:
                raise Unavailable(str(error)) from None
            except OperationalError as error:
                reason = str(error.orig).splitlines()[0]
                raise Unavailable(
                    f"cannot connect to the database: {reason}; check --db "
                    f"(or {DB_URL_ENV}) and that the database server runs"
                ) from None
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
