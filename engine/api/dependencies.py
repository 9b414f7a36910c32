"""Values routes receive: the caller's project and the engine.

The project comes from the bearer token: a configured static token, or in
Keystone mode the project a Keystone token is scoped to. Without either the
API is open and every caller works in project "".
"""

from __future__ import annotations

import hmac
import logging
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from engine.api.config import ApiConfig
from engine.api.errors import RETRY_AFTER_SECONDS, ApiError
from engine.api.keystone import KeystoneAuth, KeystoneUnavailable, TokenRejected
from engine.core import EngineCore

log = logging.getLogger(__name__)

_bearer = HTTPBearer(
    auto_error=False,
    description="A token from LEVANTE_API_TOKENS or the --tokens-file of the "
    "service, or a Keystone token when the service runs with --auth keystone; "
    "it selects the project the request works in.",
)

#: Header that OpenStack clients send Keystone tokens in.
AUTH_TOKEN_HEADER = "X-Auth-Token"

_auth_token = APIKeyHeader(
    name=AUTH_TOKEN_HEADER,
    scheme_name="KeystoneToken",
    auto_error=False,
    description="A Keystone token, when the service runs with --auth keystone; "
    "the project it is scoped to is the project the request works in.",
)


def api_config(request: Request) -> ApiConfig:
    config: ApiConfig = request.app.state.config
    return config


def caller_project(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    auth_token: Annotated[str | None, Security(_auth_token)],
) -> str:
    """Return the project of the request's bearer token.

    Raises:
        ApiError: 401 when tokens are configured and the request has no token
            or one that is not configured; in Keystone mode see
            ``keystone_project``.
    """
    config = api_config(request)
    if config.keystone is not None:
        bearer = credentials.credentials if credentials is not None else None
        return keystone_project(auth_token or bearer, config.keystone)
    tokens = config.tokens
    if not tokens:
        return ""
    if credentials is None:
        raise ApiError(
            401,
            "unauthorized",
            "Authentication required: send 'Authorization: Bearer TOKEN'",
            "Authorization",
        )
    presented = credentials.credentials.encode()
    project = None
    for token, candidate in tokens.items():
        # Compare with every token in constant time, so response times do not
        # reveal how much of a token matched.
        if hmac.compare_digest(presented, token.encode()):
            project = candidate
    if project is None:
        raise ApiError(
            401, "unauthorized", "The bearer token is not valid", "Authorization"
        )
    return project


def keystone_project(token: str | None, keystone: KeystoneAuth) -> str:
    """Return the project of a request's Keystone token.

    ``caller_project`` passes the ``X-Auth-Token`` header, else the
    ``Authorization: Bearer`` token.

    Raises:
        ApiError: 401 when the token is missing, invalid, expired or not
            scoped to a project; 403 when it lacks every required role; 503
            when Keystone cannot validate it.
    """
    if not token:
        raise ApiError(
            401,
            "unauthorized",
            "Authentication required: send a Keystone token in "
            f"'{AUTH_TOKEN_HEADER}: TOKEN' or 'Authorization: Bearer TOKEN'",
            AUTH_TOKEN_HEADER,
        )
    try:
        info = keystone.validate(token)
    except TokenRejected as error:
        raise ApiError(401, "unauthorized", str(error), AUTH_TOKEN_HEADER) from None
    except KeystoneUnavailable:
        # KeystoneAuth logs the cause, and repeated Keystone failures at most
        # once a minute.
        raise ApiError(
            503,
            "service_unavailable",
            "The token cannot be validated because Keystone is unavailable; "
            f"retry the request in {RETRY_AFTER_SECONDS} seconds",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from None
    if not keystone.allows(info):
        roles = ", ".join(keystone.required_roles)
        # The error handler logs the response; this line adds the user id.
        log.info(
            "rejected user %s on project %s: none of the required roles %s",
            info.user_id,
            info.project_id,
            roles,
        )
        raise ApiError(
            403,
            "forbidden",
            f"The token has none of the roles this service requires ({roles}) "
            f"on project {info.project_id}; ask an administrator for one",
            AUTH_TOKEN_HEADER,
        )
    return info.project_id


def engine_core(request: Request) -> EngineCore:
    core: EngineCore = request.app.state.core
    return core


#: The caller's project id.
Project = Annotated[str, Depends(caller_project)]

#: The engine shared by all requests.
Core = Annotated[EngineCore, Depends(engine_core)]
