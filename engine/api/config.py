"""Settings of the REST API, built once at startup and stored on the app."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.api.keystone import KeystoneAuth

#: Environment variable with the API tokens: ``tokA=projA,tokB=projB``.
TOKENS_ENV = "LEVANTE_API_TOKENS"

#: Default limit of a request body, in bytes. Definitions are the largest
#: bodies: a chain of 10,000 ``std.noop`` tasks, one line each for name,
#: action and on-success, is 658 kB of YAML.
DEFAULT_MAX_BODY_SIZE = 16 * 1024 * 1024

_PROJECT = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


class TokenConfigError(ValueError):
    """The token configuration cannot be read."""


@dataclass(frozen=True)
class ApiConfig:
    """Settings of one API application.

    Requests authenticate with the configured ``tokens`` or, when
    ``keystone`` is set, with Keystone tokens; the two modes are exclusive.
    Without either the API is open and every request works in project "".

    Raises:
        TokenConfigError: both tokens and Keystone are configured.
    """

    #: Bearer token to project id. Empty: no static tokens.
    tokens: Mapping[str, str] = field(default_factory=dict)
    #: Largest accepted request body, in bytes.
    max_body_size: int = DEFAULT_MAX_BODY_SIZE
    #: Keystone token validation; the token's project becomes the request's.
    keystone: KeystoneAuth | None = None

    def __post_init__(self) -> None:
        if self.tokens and self.keystone is not None:
            raise TokenConfigError(
                "API tokens and Keystone authentication cannot be combined; "
                f"unset {TOKENS_ENV} and drop --tokens-file, or leave out "
                "--auth keystone"
            )

    @property
    def authenticated(self) -> bool:
        return bool(self.tokens) or self.keystone is not None


def parse_tokens(text: str, source: str) -> dict[str, str]:
    """Read ``token=project`` pairs separated by commas or new lines.

    Blank entries and lines starting with ``#`` are skipped.

    Raises:
        TokenConfigError: an entry is not ``token=project``, a project id has
            characters other than letters, digits and ``_ . : -``, or a
            token is given twice.
    """
    tokens: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith("#"):
            continue
        for entry in line.split(","):
            entry = entry.strip()
            if not entry:
                continue
            token, separator, project = entry.partition("=")
            token, project = token.strip(), project.strip()
            if not separator or not token or not _PROJECT.match(project):
                raise TokenConfigError(
                    f"{source}, line {number}: expected token=project with a "
                    "project id of 1 to 128 letters, digits or _ . : - characters"
                )
            if token in tokens and tokens[token] != project:
                raise TokenConfigError(
                    f"{source}, line {number}: a token is mapped to two projects "
                    f"({tokens[token]} and {project}); give each token once"
                )
            tokens[token] = project
    return tokens


def load_tokens(tokens_file: Path | None = None) -> dict[str, str]:
    """Read tokens from ``tokens_file`` when given, else from LEVANTE_API_TOKENS.

    Raises:
        TokenConfigError: the file cannot be read, an entry is invalid, or
            the file defines no token. An operator who names a tokens file
            expects authentication, so an empty file must not open the API.
    """
    if tokens_file is not None:
        try:
            text = tokens_file.read_text()
        except OSError as error:
            raise TokenConfigError(
                f"cannot read the tokens file {tokens_file}: {error.strerror}"
            ) from None
        tokens = parse_tokens(text, str(tokens_file))
        if not tokens:
            raise TokenConfigError(
                f"the tokens file {tokens_file} defines no token; add "
                "token=project lines, or leave out --tokens-file to run "
                "without authentication"
            )
        return tokens
    return parse_tokens(os.environ.get(TOKENS_ENV, ""), TOKENS_ENV)
