"""CLI errors that know their exit status."""

from __future__ import annotations

import click

#: Exit statuses of ``levante run``: the workflow's outcome, or bad input.
EXIT_SUCCESS = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_PAUSED = 3


class InvalidInput(click.ClickException):
    """A definition, argument or input file is invalid (exit status 2)."""

    exit_code = EXIT_INVALID
