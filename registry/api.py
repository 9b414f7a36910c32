"""REST resources of the registry: actions, resolution, plugins, clouds.

``router`` is one FastAPI ``APIRouter``; the engine's application includes it
and may override ``get_registry`` through ``app.dependency_overrides``.
``create_app`` builds a standalone application for ``levante registry serve``.

Errors carry a stable code: the router raises ``HTTPException`` whose detail
is ``{"code", "message", "details"}``, and ``install_error_handlers`` turns
that (and request validation errors) into the body ``{"error": {...}}``.

============================  ======  ==================================
code                          status  when
============================  ======  ==================================
action_not_found              404     no installed action has the name
cloud_not_found               404     no configuration has the cloud name
invalid_pin                   400     the version pin cannot be parsed
invalid_service_version       400     a ``service=`` value is malformed
invalid_marker                400     a paging marker names no listed action
invalid_paging                400     both offset and marker were given
missing_target                400     neither cloud nor service was given
no_fitting_version            409     no installed version fits
discovery_failed              502     authentication or catalog failed
invalid_request               422     a parameter has the wrong type
============================  ======  ==================================
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from registry.errors import (
    ActionNotFound,
    CloudNotFound,
    DiscoveryError,
    InvalidPin,
    InvalidServiceVersion,
)
from registry.registry import Registry, default_registry
from registry.resolution import ResolutionError
from registry.versions import explicit_versions

router = APIRouter(tags=["registry"])


def get_registry() -> Registry:
    """Return the registry that requests use; override it in tests and apps."""
    return default_registry()


RegistryDependency = Annotated[Registry, Depends(get_registry)]


@router.get("/actions")
def list_actions(
    request: Request,
    registry: RegistryDependency,
    prefix: Annotated[
        str | None, Query(description="Only names that start with it.")
    ] = None,
    service: Annotated[
        str | None, Query(description="Only actions that require this service type.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[
        int, Query(ge=0, description="Number of matching actions to skip.")
    ] = 0,
    marker: Annotated[
        str | None,
        Query(description="Name of the last action of the previous page."),
    ] = None,
) -> dict[str, Any]:
    """List actions sorted by name, with their versions, services and deprecation.

    ``next`` is the URL of the following page, or None on the last page. It
    carries ``marker``, the name of this page's last action, in place of
    ``offset``.
    """
    summaries = registry.store.list_actions(prefix=prefix, service=service)
    start = offset
    if marker is not None:
        if offset:
            raise HTTPException(
                400,
                detail=_detail(
                    "invalid_paging",
                    "give either offset or marker, not both; the 'next' URL "
                    "carries the marker",
                ),
            )
        names = [summary.name for summary in summaries]
        if marker not in names:
            raise HTTPException(
                400,
                detail=_detail(
                    "invalid_marker",
                    f"marker {marker!r} is not the name of an action of this list; "
                    "take the marker from the 'next' URL of the previous page",
                ),
            )
        start = names.index(marker) + 1
    page = summaries[start : start + limit]
    next_url = None
    if start + limit < len(summaries):
        url = request.url.remove_query_params("offset")
        next_url = str(url.include_query_params(marker=page[-1].name))
    return {
        "actions": [summary.to_dict() for summary in page],
        "total": len(summaries),
        "limit": limit,
        "offset": offset,
        "next": next_url,
    }


@router.get("/actions/{name}")
def show_action(name: str, registry: RegistryDependency) -> dict[str, Any]:
    """Show every version of an action: schema, requirements, deprecation."""
    with _registry_errors():
        versions = registry.store.show_action(name)
    return {"name": name, "versions": [version.to_dict() for version in versions]}


@router.get("/actions/{name}/resolve")
def resolve_action(
    name: str,
    registry: RegistryDependency,
    cloud: Annotated[
        str | None, Query(description="Named cloud to resolve for.")
    ] = None,
    service: Annotated[
        list[str] | None,
        Query(description="Given service version, such as compute=2.60; repeatable."),
    ] = None,
    release: Annotated[
        str | None, Query(description="OpenStack release of the given versions.")
    ] = None,
) -> dict[str, Any]:
    """Resolve ``name`` (optionally ``name@pin``) for a cloud or given versions."""
    with _registry_errors():
        if cloud is not None and service:
            raise InvalidServiceVersion("give either cloud or service, not both")
        if cloud is not None:
            target: Any = cloud
        elif service:
            target = explicit_versions(service, release=release)
        else:
            raise HTTPException(
                400,
                detail=_detail(
                    "missing_target",
                    "give cloud=NAME or one or more service=TYPE=VERSION",
                ),
            )
        return registry.resolve(name, target).to_dict()


@router.get("/plugins")
def list_plugins(registry: RegistryDependency) -> dict[str, Any]:
    """List loaded plugins and the plugins that failed to load, with the error."""
    records = registry.store.plugins()
    return {
        "plugins": [
            {
                "name": record.name,
                "target": record.target,
                "distribution": record.distribution,
                "version": record.version,
                "actions": sorted(
                    name
                    for name, versions in registry.catalog.actions.items()
                    if any(d.plugin == record.name for d in versions)
                ),
            }
            for record in records
            if record.status == "loaded"
        ],
        "failures": [
            {"name": record.name, "target": record.target, "error": record.error}
            for record in records
            if record.status == "failed"
        ],
    }


@router.post("/clouds/{cloud}/discover")
def discover_cloud(
    cloud: str,
    registry: RegistryDependency,
    refresh: Annotated[bool, Query(description="Ignore cached versions.")] = True,
) -> dict[str, Any]:
    """Discover the API versions of a cloud (no credentials in the result)."""
    with _registry_errors():
        return registry.clouds.versions(cloud, refresh=refresh).to_dict()


def install_error_handlers(app: FastAPI) -> None:
    """Make errors of the router and request validation ``{"error": {...}}``."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        detail: Any = exc.detail
        if not isinstance(detail, dict):
            detail = _detail("http_error", str(detail))
        return JSONResponse({"error": detail}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(
        request: Request, exc: RequestValidationError
    ) -> JSONResponse:
        problems = [
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        ]
        body = _detail("invalid_request", "; ".join(problems))
        return JSONResponse({"error": body}, status_code=422)


def create_app(registry: Registry | None = None) -> FastAPI:
    """Build a standalone application serving the registry router."""
    app = FastAPI(title="Levante registry")
    app.include_router(router)
    install_error_handlers(app)
    if registry is not None:
        app.dependency_overrides[get_registry] = lambda: registry
    return app


@contextmanager
def _registry_errors() -> Iterator[None]:
    try:
        yield
    except ActionNotFound as exc:
        raise HTTPException(404, detail=_detail("action_not_found", str(exc))) from None
    except CloudNotFound as exc:
        raise HTTPException(404, detail=_detail("cloud_not_found", str(exc))) from None
    except InvalidPin as exc:
        raise HTTPException(400, detail=_detail("invalid_pin", str(exc))) from None
    except InvalidServiceVersion as exc:
        raise HTTPException(
            400, detail=_detail("invalid_service_version", str(exc))
        ) from None
    except ResolutionError as exc:
        raise HTTPException(
            409, detail=_detail("no_fitting_version", str(exc), exc.to_dict())
        ) from None
    except DiscoveryError as exc:
        raise HTTPException(502, detail=_detail("discovery_failed", str(exc))) from None


def _detail(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details}
