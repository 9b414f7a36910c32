"""Health and readiness probes; neither needs a token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from engine.api.dependencies import Core
from engine.api.errors import OutageLog, describe_database_error
from engine.api.responses import SafeJSONResponse
from engine.api.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> Health:
    """Report that the process is up."""
    return Health(status="ok")


@router.get(
    "/ready",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready"}},
)
def ready(request: Request, core: Core) -> SafeJSONResponse:
    """Report whether the database responds and the engine loop is alive."""
    try:
        with core.db.sessions() as session:
            session.execute(text("SELECT 1"))
        database = True
    except SQLAlchemyError as error:
        outages: OutageLog = request.app.state.database_outages
        password = core.db.engine.url.password
        summary = describe_database_error(error, str(password) if password else None)
        outages.record("readiness check", summary)
        database = False
    engine_alive = request.app.state.engine_alive
    engine = bool(engine_alive is not None and engine_alive())
    body = Readiness(
        status="ready" if database and engine else "not_ready",
        database=database,
        engine=engine,
    )
    return SafeJSONResponse(
        body.model_dump(), status_code=200 if body.status == "ready" else 503
    )
