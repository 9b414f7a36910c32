"""Routes of stored environments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select

from engine.api.dependencies import Core, Project
from engine.api.errors import ERROR_RESPONSES
from engine.api.lookups import utc
from engine.api.paging import PageRequest, fetch_page, page_request
from engine.api.schemas import (
    Environment,
    EnvironmentCreate,
    EnvironmentList,
    EnvironmentUpdate,
)
from engine.api.values import PathText
from engine.db.environments import Environment as EnvironmentRow
from engine.db.environments import (
    create_environment,
    delete_environment,
    get_environment,
)
from engine.masking import mask_secrets

router = APIRouter(tags=["environments"], responses=ERROR_RESPONSES)


def environment_document(row: EnvironmentRow) -> Environment:
    """Describe an environment, with secret variables masked."""
    return Environment(
        id=row.id,
        name=row.name,
        description=row.description or "",
        variables=mask_secrets(row.variables or {}),
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
    )


@router.post("/environments", status_code=201)
def create(body: EnvironmentCreate, core: Core, project: Project) -> Environment:
    """Store a new environment."""
    with core.db.transaction() as session:
        row = create_environment(
            session, body.name, project, body.variables, body.description
        )
        return environment_document(row)


@router.get("/environments")
def list_environments(
    request: Request,
    core: Core,
    project: Project,
    page: Annotated[PageRequest, Depends(page_request)],
) -> EnvironmentList:
    """List stored environments by name."""
    query = select(EnvironmentRow).where(EnvironmentRow.project_id == project)
    order = [EnvironmentRow.name, EnvironmentRow.id]
    with core.db.sessions() as session:
        found = fetch_page(session, request, query, order, page)
    return EnvironmentList(
        environments=[environment_document(row) for row in found.rows],
        next=found.next,
    )


@router.get("/environments/{name}")
def show(name: PathText, core: Core, project: Project) -> Environment:
    """Show a stored environment."""
    with core.db.sessions() as session:
        return environment_document(get_environment(session, name, project))


@router.put("/environments/{name}")
def update(
    name: PathText, body: EnvironmentUpdate, core: Core, project: Project
) -> Environment:
    """Change an environment's description or replace its variables."""
    with core.db.transaction() as session:
        row = get_environment(session, name, project)
        if body.description is not None:
            row.description = body.description
        if body.variables is not None:
            row.variables = body.variables
        session.flush()
        return environment_document(row)


@router.delete("/environments/{name}", status_code=204)
def delete(name: PathText, core: Core, project: Project) -> Response:
    """Delete an environment; executions started with it keep their copy."""
    with core.db.transaction() as session:
        delete_environment(session, name, project)
    return Response(status_code=204)
