"""The FastAPI application: routers, error handlers and settings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import import_module
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError, StatementError

from engine.api import environments, executions, health, tasks, workbooks, workflows
from engine.api.config import ApiConfig
from engine.api.dependencies import caller_project
from engine.api.errors import ApiError, error_response, install_error_handlers
from engine.api.limits import BodySizeLimit
from engine.api.responses import SafeJSONResponse
from engine.core import EngineCore

log = logging.getLogger(__name__)

#: Prefix of every resource route.
API_PREFIX = "/v2"

_DESCRIPTION = """\
Levante runs Mistral v2 workflows. When the service has tokens configured,
every resource route needs a bearer token. The token selects the project,
and resources of other projects are reported as not found. Errors are JSON
objects with a stable `code`, the `field` at fault and a `message`.
"""


def registry_router() -> APIRouter | None:
    """Return the action registry's router, or None when it is not installed."""
    try:
        module = import_module("registry.api")
    except ModuleNotFoundError as error:
        if error.name != "registry.api":
            raise
        return None
    router: APIRouter = module.router
    return router


def create_app(
    core: EngineCore,
    config: ApiConfig | None = None,
    *,
    engine_alive: Callable[[], bool] | None = None,
) -> FastAPI:
    """Build the API application around an engine.

    Args:
        core: the engine that starts and controls executions. The caller
            runs its event loop (``EngineCore.serve``) and closes it.
        config: tokens and limits; the default has no tokens (no
            authentication, project "").
        engine_alive: returns whether the engine loop runs; ``/ready``
            reports not ready without it.
    """
    config = config or ApiConfig()
    app = FastAPI(
        title="Levante",
        version=_version(),
        description=_DESCRIPTION,
        default_response_class=SafeJSONResponse,
    )
    app.add_middleware(BodySizeLimit, max_body_size=config.max_body_size)
    app.state.core = core
    app.state.config = config
    app.state.engine_alive = engine_alive
    install_error_handlers(app)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.include_router(health.router)
    protected = [Depends(caller_project), Depends(reject_unknown_query)]
    for module in (workflows, workbooks, executions, tasks, environments):
        app.include_router(module.router, prefix=API_PREFIX, dependencies=protected)
    registry = registry_router()
    if registry is not None:
        app.include_router(registry, prefix=API_PREFIX, dependencies=protected)
    return app


def query_parameters(dependant: Dependant) -> list[str]:
    """Return the query parameters of a route and of its dependencies.

    These are the ``in: query`` parameters of the route in the OpenAPI
    document, which FastAPI builds from the same dependency tree.
    """
    names: list[str] = []
    pending = [dependant]
    while pending:
        current = pending.pop()
        for field in current.query_params:
            annotation = field.field_info.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                # A model of query parameters: each of its fields is one.
                names.extend(
                    info.alias or name for name, info in annotation.model_fields.items()
                )
            else:
                names.append(field.alias)
        pending.extend(current.dependencies)
    return list(dict.fromkeys(names))


def reject_unknown_query(request: Request) -> None:
    """Reject query parameters that the route does not declare.

    A misspelt filter such as ``?stat=ERROR`` would otherwise be ignored and
    the response would silently list everything.

    Raises:
        ApiError: 422 ``unknown_parameter`` naming the first unknown
            parameter and listing the accepted ones.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed = query_parameters(route.dependant)
    unknown = [name for name in request.query_params if name not in allowed]
    if not unknown:
        return
    unique = list(dict.fromkeys(unknown))
    noun = "parameter" if len(unique) == 1 else "parameters"
    names = ", ".join(repr(name) for name in unique)
    accepted = (
        f"accepted: {', '.join(allowed)}"
        if allowed
        else "this route accepts no query parameters"
    )
    raise ApiError(
        422,
        "unknown_parameter",
        f"Unknown query {noun} {names}; {accepted}",
        unknown[0],
    )


async def _integrity_error(request: Any, error: Exception) -> Any:
    if isinstance(error, StatementError):
        # The text of the error lists the SQL parameters, which may be secrets.
        error.hide_parameters = True
    log.info("conflicting write on %s: %s", request.url.path, error)
    return error_response(
        409,
        "conflict",
        "Another request changed the same item at the same time; retry the request",
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("levante")
    except PackageNotFoundError:
        return "0.0.0"
