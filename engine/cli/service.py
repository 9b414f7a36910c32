"""``levante serve`` (API, engine and executor in one process) and ``levante api``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click

from engine.cli.errors import InvalidInput
from engine.cli.settings import Settings, pass_settings


def service_options(command: Any) -> Any:
    """Add the listening, database and token options shared by serve and api."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


_OPTIONS = [
    click.option(
        "--host",
        default="127.0.0.1",
        show_default=True,
        help="Address to listen on. Without API tokens keep it on 127.0.0.1: "
        "the API is then open to everyone who can reach it.",
    ),
    click.option(
        "--port",
        type=click.IntRange(0, 65535),
        default=8989,
        show_default=True,
        help="TCP port to listen on.",
    ),
    click.option(
        "--db",
        "serve_db_url",
        help="Database URL or SQLite file path; overrides the global --db.",
    ),
    click.option(
        "--tokens-file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="File of token=project lines; replaces LEVANTE_API_TOKENS.",
    ),
    click.option(
        "--max-body-size",
        type=click.IntRange(1),
        default=None,
        help="Largest accepted request body, in bytes (default 16 MiB).",
    ),
]


@click.command()
@service_options
@pass_settings
def serve(
    settings: Settings,
    host: str,
    port: int,
    serve_db_url: str | None,
    tokens_file: Path | None,
    max_body_size: int | None,
) -> None:
    """Run the REST API and the engine in one process until stopped.

    Tokens come from --tokens-file or LEVANTE_API_TOKENS
    ("tokA=projA,tokB=projB"); each token selects a project. With no
    tokens the API needs no authentication and everything is in project "".
    Stops on Ctrl-C or SIGTERM.
    """
    _run(settings, host, port, serve_db_url, tokens_file, max_body_size, executor=True)


@click.command("api")
@service_options
@pass_settings
def api(
    settings: Settings,
    host: str,
    port: int,
    serve_db_url: str | None,
    tokens_file: Path | None,
    max_body_size: int | None,
) -> None:
    """Run the REST API without running actions, until stopped.

    For several processes on one PostgreSQL database: executions started
    here are run by 'levante executor' processes. This process still fires
    timers and takes over abandoned actions, like 'levante engine'.
    """
    _run(settings, host, port, serve_db_url, tokens_file, max_body_size, executor=False)


def _run(
    settings: Settings,
    host: str,
    port: int,
    serve_db_url: str | None,
    tokens_file: Path | None,
    max_body_size: int | None,
    *,
    executor: bool,
) -> None:
    from engine.api.config import ApiConfig, TokenConfigError, load_tokens
    from engine.api.service import ServiceOptions, run_service

    try:
        tokens = load_tokens(tokens_file)
    except TokenConfigError as error:
        raise InvalidInput(str(error)) from None
    config = ApiConfig(tokens=tokens)
    if max_body_size is not None:
        config = ApiConfig(tokens=tokens, max_body_size=max_body_size)
    root = logging.getLogger()
    if root.level > logging.INFO:
        root.setLevel(logging.INFO)
    db_url = serve_db_url or settings.db_url
    options = ServiceOptions(host=host, port=port, db_url=db_url, executor=executor)
    run_service(options, config)
