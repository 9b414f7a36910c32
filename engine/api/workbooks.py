"""Routes of stored workbooks.

Storing a workbook also stores its workflows under their full names
(``workbook.workflow``), and updating or deleting it replaces or deletes
them, all in one transaction.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine import catalog
from engine.api.dependencies import Core, Project
from engine.api.errors import ERROR_RESPONSES, ApiError
from engine.api.lookups import not_found, utc
from engine.api.paging import PageRequest, fetch_page, page_request
from engine.api.schemas import (
    DefinitionBody,
    ValidationResult,
    WorkbookList,
    WorkbookSummary,
)
from engine.api.schemas import Workbook as WorkbookDocument
from engine.api.values import NO_NUL, PathText
from engine.api.workflows import NamespaceQuery, validation_result
from engine.core import EngineCore, checksum_of
from engine.db.models import WorkflowDefinition
from engine.db.workbooks import Workbook, find_workbook
from engine.spec.model import Definition

router = APIRouter(tags=["workbooks"], responses=ERROR_RESPONSES)


def workbook_summary(core: EngineCore, row: Workbook) -> WorkbookSummary:
    definition = core.definition(row.checksum, row.definition)
    return WorkbookSummary(
        id=row.id,
        name=row.name,
        namespace=row.namespace,
        tags=list(row.tags or []),
        workflows=list(definition.workflows),
        actions=list(definition.actions),
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
    )


def workbook_document(core: EngineCore, row: Workbook) -> WorkbookDocument:
    summary = workbook_summary(core, row)
    return WorkbookDocument(**summary.model_dump(), definition=row.definition)


def parse_workbook(core: EngineCore, text: str) -> tuple[Definition, str]:
    definition = core.definition(checksum_of(text), text)
    if definition.workbook is None:
        raise ApiError(
            400,
            "invalid_definition",
            "The document is a workflow list, not a workbook (a workbook has "
            "'name' and 'workflows' or 'actions'); store workflow lists with "
            "POST /v2/workflows",
            "definition",
        )
    return definition, definition.workbook


def load_workbook(
    session: Session, name: str, namespace: str, project: str
) -> Workbook:
    row = find_workbook(session, name, namespace, project)
    if row is None:
        where = f" in namespace {namespace!r}" if namespace else ""
        raise not_found("Workbook", f"{name}{where}")
    return row


def _delete_workflows(
    core: EngineCore, session: Session, row: Workbook, project: str
) -> None:
    names = list(core.definition(row.checksum, row.definition).workflows)
    session.execute(
        delete(WorkflowDefinition).where(
            WorkflowDefinition.project_id == project,
            WorkflowDefinition.namespace == row.namespace,
            WorkflowDefinition.name.in_(names),
        )
    )
    session.flush()


@router.post("/workbooks", status_code=201)
def create_workbook(
    body: DefinitionBody, core: Core, project: Project
) -> WorkbookDocument:
    """Store a workbook and its workflows."""
    definition, name = parse_workbook(core, body.definition)
    with core.db.transaction() as session:
        if find_workbook(session, name, body.namespace, project) is not None:
            where = f" in namespace {body.namespace!r}" if body.namespace else ""
            raise ApiError(
                409,
                "already_exists",
                f"Workbook {name}{where} already exists; replace it with "
                "PUT /v2/workbooks",
                "definition",
            )
        row = Workbook(
            name=name,
            namespace=body.namespace,
            project_id=project,
            definition=body.definition,
            checksum=checksum_of(body.definition),
            tags=list(definition.tags),
        )
        session.add(row)
        catalog.store_definition(
            session, body.definition, namespace=body.namespace, project_id=project
        )
        session.flush()
        return workbook_document(core, row)


@router.put("/workbooks")
def update_workbook(
    body: DefinitionBody, core: Core, project: Project
) -> WorkbookDocument:
    """Replace a stored workbook and its workflows."""
    definition, name = parse_workbook(core, body.definition)
    with core.db.transaction() as session:
        row = load_workbook(session, name, body.namespace, project)
        _delete_workflows(core, session, row, project)
        catalog.store_definition(
            session, body.definition, namespace=body.namespace, project_id=project
        )
        row.definition = body.definition
        row.checksum = checksum_of(body.definition)
        row.tags = list(definition.tags)
        session.flush()
        return workbook_document(core, row)


@router.post("/workbooks/validate")
def validate_workbook(body: DefinitionBody, project: Project) -> ValidationResult:
    """Check a workbook without storing it."""
    return validation_result(body.definition)


@router.get("/workbooks")
def list_workbooks(
    request: Request,
    core: Core,
    project: Project,
    page: Annotated[PageRequest, Depends(page_request)],
    namespace: Annotated[
        str | None,
        Query(max_length=255, pattern=NO_NUL, description="Only this namespace."),
    ] = None,
) -> WorkbookList:
    """List stored workbooks by namespace and name."""
    query = select(Workbook).where(Workbook.project_id == project)
    if namespace is not None:
        query = query.where(Workbook.namespace == namespace)
    order = [Workbook.namespace, Workbook.name, Workbook.id]
    with core.db.sessions() as session:
        found = fetch_page(session, request, query, order, page)
    return WorkbookList(
        workbooks=[workbook_summary(core, row) for row in found.rows], next=found.next
    )


@router.get("/workbooks/{name}")
def show_workbook(
    name: PathText, core: Core, project: Project, namespace: NamespaceQuery = ""
) -> WorkbookDocument:
    """Show a stored workbook."""
    with core.db.sessions() as session:
        row = load_workbook(session, name, namespace, project)
    return workbook_document(core, row)


@router.delete("/workbooks/{name}", status_code=204)
def delete_workbook(
    name: PathText, core: Core, project: Project, namespace: NamespaceQuery = ""
) -> Response:
    """Delete a workbook and its workflows; running executions keep their copy."""
    with core.db.transaction() as session:
        row = load_workbook(session, name, namespace, project)
        _delete_workflows(core, session, row, project)
        session.delete(row)
    return Response(status_code=204)
