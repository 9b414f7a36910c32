"""CLI errors that know their exit status.

The statuses are the same whether a command works on the database or
against a service (``--url``). Status 1 is only for a followed workflow
that ended in ERROR or CANCELLED, so a script can tell a failed workflow
from a failed command.
"""

from __future__ import annotations

import re

import click

#: Exit statuses of the engine commands (``run``, ``executions``,
#: ``workflows``, ``validate``).
EXIT_SUCCESS = 0
#: The followed workflow ended in ERROR or CANCELLED.
EXIT_FAILED = 1
#: Invalid definition, input or argument (click's usage errors use 2 too).
EXIT_INVALID = 2
#: The followed workflow paused.
EXIT_PAUSED = 3
#: No execution or stored workflow has that id or name (HTTP 404).
EXIT_NOT_FOUND = 4
#: The current state does not allow the request, e.g. pausing a finished
#: execution or creating a workflow that exists (HTTP 409).
EXIT_CONFLICT = 5
#: The service or database cannot be used: unreachable, token rejected,
#: server error, or a database schema of another Levante version.
EXIT_UNAVAILABLE = 6
#: ``--timeout`` passed before the workflow ended, which goes on running.
EXIT_TIMEOUT = 7


class InvalidInput(click.ClickException):
    """A definition, argument or input file is invalid (exit status 2)."""

    exit_code = EXIT_INVALID


class NotFound(click.ClickException):
    """An execution or stored workflow does not exist (exit status 4)."""

    exit_code = EXIT_NOT_FOUND


class Conflict(click.ClickException):
    """The request does not fit the current state (exit status 5)."""

    exit_code = EXIT_CONFLICT


class Unavailable(click.ClickException):
    """The service or database cannot be used (exit status 6)."""

    exit_code = EXIT_UNAVAILABLE


class TimedOut(click.ClickException):
    """The workflow did not end within ``--timeout`` (exit status 7)."""

    exit_code = EXIT_TIMEOUT


#: Matching ids an ambiguous-prefix error lists at most.
SHOWN_MATCHES = 5


def execution_not_found(id_or_prefix: str) -> NotFound:
    return NotFound(
        f"execution {id_or_prefix} not found; 'levante executions list' shows the "
        "latest ones"
    )


def ambiguous_execution_prefix(prefix: str, matches: list[str]) -> InvalidInput:
    """Build the error for an id prefix that several executions share.

    ``matches`` are the matching ids, newest first, and the message names at
    most ``SHOWN_MATCHES`` of them.
    """
    listed = ", ".join(matches[:SHOWN_MATCHES])
    if len(matches) > SHOWN_MATCHES:
        listed += " and more"
    return InvalidInput(
        f"execution id prefix {prefix!r} is ambiguous: it matches {listed}; "
        "give more characters of the id"
    )


#: Characters of execution ids (UUIDs in any letter case) and their prefixes.
_EXECUTION_ID_TEXT = re.compile(r"[0-9a-fA-F-]+")


def execution_id_prefix(id_or_prefix: str) -> str:
    """Check an execution id or id prefix and return it in lower case.

    Execution ids are lower-case UUIDs, so the id is matched in any letter
    case. The check runs before any lookup, so that text such as
    ``<id>/tasks`` never reaches the service as another route.

    Raises:
        InvalidInput: the argument is empty.
        NotFound: the argument has a character that no execution id has.
    """
    if not id_or_prefix:
        raise InvalidInput(
            "execution id is empty; give an execution id or a prefix of one"
        )
    if _EXECUTION_ID_TEXT.fullmatch(id_or_prefix) is None:
        raise NotFound(
            f"execution {id_or_prefix} not found: execution ids contain only hex "
            "digits and '-'; 'levante executions list' shows the latest ones"
        )
    return id_or_prefix.lower()
