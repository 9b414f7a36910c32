"""``levante serve``: the REST API and the engine in one process."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from engine.cli.errors import InvalidInput
from engine.cli.settings import Settings, pass_settings


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Without API tokens keep it on 127.0.0.1: "
    "the API is then open to everyone who can reach it.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8989,
    show_default=True,
    help="TCP port to listen on.",
)
@click.option(
    "--db",
    "serve_db_url",
    help="Database URL or SQLite file path; overrides the global --db.",
)
@click.option(
    "--tokens-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File of token=project lines; replaces LEVANTE_API_TOKENS.",
)
@click.option(
    "--max-body-size",
    type=click.IntRange(1),
    default=None,
    help="Largest accepted request body, in bytes (default 16 MiB).",
)
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
    options = ServiceOptions(host=host, port=port, db_url=db_url)
    run_service(options, config)
