"""``levante serve`` (API, engine and executor in one process) and ``levante api``."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from engine.cli.errors import InvalidInput, Unavailable
from engine.cli.settings import DatabaseUnreachable, Settings, open_database, pass_settings

if TYPE_CHECKING:
    from engine.api.config import ApiConfig
    from engine.db.setup import Database

log = logging.getLogger(__name__)


def service_options(command: Any) -> Any:
    """Add the listening, database and authentication options of serve and api."""
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
        "--db-wait",
        type=click.IntRange(0),
        default=30,
        show_default=True,
        metavar="SECONDS",
        help="Maximum time, in seconds, to wait at start-up for a PostgreSQL "
        "database that cannot be reached, retrying with a growing pause. A "
        "SQLite file that cannot be opened fails at once. 0: fail at once.",
    ),
    click.option(
        "--tokens-file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="File of token=project lines; replaces LEVANTE_API_TOKENS.",
    ),
    click.option(
        "--auth",
        type=click.Choice(["tokens", "keystone"]),
        default="tokens",
        show_default=True,
        envvar="LEVANTE_API_AUTH",
        help="How requests authenticate: 'tokens' checks --tokens-file or "
        "LEVANTE_API_TOKENS (none configured: open API); 'keystone' validates "
        "Keystone tokens and uses each token's project. The two are exclusive. "
        "Environment: LEVANTE_API_AUTH.",
    ),
    click.option(
        "--keystone-url",
        metavar="URL",
        envvar="LEVANTE_KEYSTONE_URL",
        help="Keystone that validates tokens, such as "
        "https://keystone.example.org:5000/v3; defaults to the auth URL of the "
        "service credentials. Environment: LEVANTE_KEYSTONE_URL.",
    ),
    click.option(
        "--keystone-cloud",
        metavar="NAME",
        help="clouds.yaml entry with the service's own credentials, which "
        "Keystone requires to validate tokens; defaults to OS_CLOUD, else the "
        "OS_* variables.",
    ),
    click.option(
        "--keystone-role",
        "keystone_roles",
        metavar="ROLE",
        multiple=True,
        help="Role a token needs on its project, compared case-insensitively; "
        "repeat to accept any of several roles. Default: any role.",
    ),
    click.option(
        "--keystone-cache-seconds",
        type=click.IntRange(0),
        default=300,
        show_default=True,
        help="Maximum time, in seconds, a validated Keystone token is reused "
        "without asking Keystone; a revoked token keeps working this long. "
        "Tokens are never reused within 30 s of their expiry. 0 turns the cache off.",
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
    db_wait: int,
    tokens_file: Path | None,
    max_body_size: int | None,
    **auth: Any,
) -> None:
    """Run the REST API and the engine in one process until stopped.

    Tokens come from --tokens-file or LEVANTE_API_TOKENS
    ("tokA=projA,tokB=projB"); each token selects a project. With no
    tokens the API needs no authentication and everything is in project "".
    With --auth keystone, Keystone validates each request's X-Auth-Token
    and the token's project is the request's project.
    Stops on Ctrl-C or SIGTERM.
    """
    _log_at_info_level()
    config = api_config(tokens_file, max_body_size, **auth)
    _run(settings, host, port, serve_db_url, db_wait, config, executor=True)


@click.command("api")
@service_options
@pass_settings
def api(
    settings: Settings,
    host: str,
    port: int,
    serve_db_url: str | None,
    db_wait: int,
    tokens_file: Path | None,
    max_body_size: int | None,
    **auth: Any,
) -> None:
    """Run the REST API without running actions, until stopped.

    For several processes on one PostgreSQL database: executions started
    here are run by 'levante executor' processes. This process still fires
    timers and takes over abandoned actions, like 'levante engine'.
    """
    _log_at_info_level()
    config = api_config(tokens_file, max_body_size, **auth)
    _run(settings, host, port, serve_db_url, db_wait, config, executor=False)


def api_config(
    tokens_file: Path | None,
    max_body_size: int | None,
    *,
    auth: str = "tokens",
    keystone_url: str | None = None,
    keystone_cloud: str | None = None,
    keystone_roles: tuple[str, ...] = (),
    keystone_cache_seconds: int = 300,
) -> ApiConfig:
    """Build the API settings from the options of serve and api.

    Raises:
        InvalidInput: the token configuration is invalid, Keystone options
            are given without --auth keystone, static tokens are given with
            it, or the Keystone URL or service credentials are unusable.
    """
    from engine.api.config import TOKENS_ENV, ApiConfig, TokenConfigError, load_tokens

    try:
        tokens = load_tokens(tokens_file)
    except TokenConfigError as error:
        raise InvalidInput(str(error)) from None
    sizes = {} if max_body_size is None else {"max_body_size": max_body_size}
    if auth != "keystone":
        if keystone_url or keystone_cloud or keystone_roles:
            raise InvalidInput(
                "--keystone-url, LEVANTE_KEYSTONE_URL, --keystone-cloud and "
                "--keystone-role need --auth keystone"
            )
        return ApiConfig(tokens=tokens, **sizes)
    if tokens or tokens_file is not None:
        source = f"--tokens-file {tokens_file}" if tokens_file else TOKENS_ENV
        raise InvalidInput(
            f"--auth keystone cannot be combined with static tokens from "
            f"{source}; remove them or use --auth tokens"
        )
    from engine.api.keystone import KeystoneConfigError, build_keystone_auth

    cloud = keystone_cloud or os.environ.get("OS_CLOUD") or None
    try:
        keystone = build_keystone_auth(
            keystone_url,
            cloud,
            required_roles=keystone_roles,
            cache_seconds=keystone_cache_seconds,
        )
    except KeystoneConfigError as error:
        raise InvalidInput(str(error)) from None
    roles = ", ".join(keystone.required_roles) or "any role"
    log.info(
        "API authentication: Keystone tokens validated at %s, required role: %s",
        keystone.url,
        roles,
    )
    return ApiConfig(keystone=keystone, **sizes)


def _log_at_info_level() -> None:
    root = logging.getLogger()
    if root.level > logging.INFO:
        root.setLevel(logging.INFO)


def _run(
    settings: Settings,
    host: str,
    port: int,
    serve_db_url: str | None,
    db_wait: int,
    config: ApiConfig,
    *,
    executor: bool,
) -> None:
    from engine.api.service import ServiceOptions, ServiceStartError, run_service

    db_url = serve_db_url or settings.db_url
    database = open_service_database(db_url, db_wait)
    options = ServiceOptions(host=host, port=port, db_url=db_url, executor=executor)
    try:
        run_service(options, config, database=database)
    except ServiceStartError as error:
        raise Unavailable(str(error)) from None


#: Seconds between two attempts to reach the database at start-up, first
#: and at most; the pause doubles after each attempt.
DB_RETRY_PAUSE = (0.5, 10.0)


def open_service_database(url: str | None, wait_seconds: float) -> Database:
    """Open the service's database, waiting up to ``wait_seconds`` for PostgreSQL.

    An operator may start the service before the database server, so a
    PostgreSQL connection failure is retried and logged. A SQLite file
    that cannot be opened is a wrong path and fails at once.

    Raises:
        InvalidInput: the URL is invalid or not supported.
        Unavailable: the database cannot be used, or stayed unreachable for
            ``wait_seconds``.
    """
    from engine.db.setup import default_url, normalize_url

    deadline = time.monotonic() + wait_seconds
    pause = DB_RETRY_PAUSE[0]
    while True:
        try:
            return open_database(url)
        except DatabaseUnreachable as error:
            if normalize_url(url or default_url()).startswith("sqlite"):
                raise
            left = deadline - time.monotonic()
            if left <= 0:
                if wait_seconds > 0:
                    error.message += f"; still unreachable after {wait_seconds:g} s (--db-wait)"
                raise
            pause = min(pause, left)
            log.warning(
                "database unreachable, retrying in %.1f s for up to %.0f s more: %s",
                pause,
                left,
                error.message,
            )
            time.sleep(pause)
            pause = min(pause * 2, DB_RETRY_PAUSE[1])
