"""Values routes receive: the caller's project and the engine.

The project comes from the bearer token. Without configured tokens the API
is open and every caller works in project "".
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from engine.api.config import ApiConfig
from engine.api.errors import ApiError
from engine.core import EngineCore

_bearer = HTTPBearer(
    auto_error=False,
    description="A token from LEVANTE_API_TOKENS or the --tokens-file of the "
    "service; it selects the project the request works in.",
)


def api_config(request: Request) -> ApiConfig:
    config: ApiConfig = request.app.state.config
    return config


def caller_project(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> str:
    """Return the project of the request's bearer token.

    Raises:
        ApiError: 401 when tokens are configured and the request has no token
            or one that is not configured.
    """
    tokens = api_config(request).tokens
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


def engine_core(request: Request) -> EngineCore:
    core: EngineCore = request.app.state.core
    return core


#: The caller's project id.
Project = Annotated[str, Depends(caller_project)]

#: The engine shared by all requests.
Core = Annotated[EngineCore, Depends(engine_core)]
