"""Routes of stored workflows and namespaces."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import select, union

from engine import catalog
from engine.api.dependencies import Core, Project
from engine.api.errors import ERROR_RESPONSES, ApiError
from engine.api.lookups import load_workflow, utc
from engine.api.paging import PageRequest, fetch_page, page_request
from engine.api.schemas import (
    DefinitionBody,
    DefinitionIssue,
    NamespaceList,
    ValidationResult,
    Workflow,
    WorkflowList,
    WorkflowSummary,
)
from engine.api.values import NO_NUL, PathText
from engine.core import EngineCore, checksum_of
from engine.db.models import WorkflowDefinition
from engine.db.workbooks import Workbook, find_workbook
from engine.spec.errors import DefinitionError, SpecIssue
from engine.spec.model import Definition
from engine.spec.parser import parse

router = APIRouter(tags=["workflows"], responses=ERROR_RESPONSES)

NamespaceQuery = Annotated[
    str,
    Query(
        max_length=255,
        pattern=NO_NUL,
        description="Namespace; empty for the default.",
    ),
]


def workflow_summary(core: EngineCore, row: WorkflowDefinition) -> WorkflowSummary:
    definition = core.definition(row.checksum, row.definition)
    spec = definition.workflows.get(row.name)
    return WorkflowSummary(
        id=row.id,
        name=row.name,
        namespace=row.namespace,
        workbook=definition.workbook,
        tags=list(row.tags or []),
        input=[param.name for param in spec.input] if spec else [],
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
    )


def workflow_document(core: EngineCore, row: WorkflowDefinition) -> Workflow:
    summary = workflow_summary(core, row)
    return Workflow(**summary.model_dump(), definition=row.definition)


def parse_workflow_list(core: EngineCore, text: str) -> Definition:
    """Parse a workflow list; a workbook is rejected with where to send it."""
    definition = core.definition(checksum_of(text), text)
    if definition.workbook is not None:
        raise ApiError(
            400,
            "invalid_definition",
            f"The document is workbook {definition.workbook!r}; store workbooks "
            "with POST /v2/workbooks",
            "definition",
        )
    return definition


def validation_result(text: str) -> ValidationResult:
    """Validate a definition, listing every issue instead of raising."""
    try:
        definition = parse(text)
    except DefinitionError as error:
        return ValidationResult(valid=False, issues=_issue_documents(error.issues))
    return ValidationResult(
        valid=True,
        workflows=list(definition.workflows),
        warnings=_issue_documents(definition.warnings),
    )


def _issue_documents(issues: Iterable[SpecIssue]) -> list[DefinitionIssue]:
    return [
        DefinitionIssue(
            message=issue.message,
            line=issue.line,
            workflow=issue.workflow,
            task=issue.task,
            key=issue.key,
            action=issue.action,
        )
        for issue in issues
    ]


def _store(
    core: EngineCore, project: str, body: DefinitionBody, update: bool
) -> WorkflowList:
    parse_workflow_list(core, body.definition)
    with core.db.transaction() as session:
        stored = catalog.store_definition(
            session,
            body.definition,
            namespace=body.namespace,
            project_id=project,
            update=update,
        )
        rows = [session.get(WorkflowDefinition, item.id) for item in stored]
        return WorkflowList(
            workflows=[workflow_summary(core, row) for row in rows if row is not None]
        )


@router.post("/workflows", status_code=201)
def create_workflows(
    body: DefinitionBody, core: Core, project: Project
) -> WorkflowList:
    """Store every workflow of a workflow list."""
    return _store(core, project, body, update=False)


@router.put("/workflows")
def update_workflows(
    body: DefinitionBody, core: Core, project: Project
) -> WorkflowList:
    """Replace stored workflows with the ones in a workflow list."""
    return _store(core, project, body, update=True)


@router.post("/workflows/validate")
def validate_workflows(body: DefinitionBody, project: Project) -> ValidationResult:
    """Check a definition without storing it."""
    return validation_result(body.definition)


@router.get("/workflows")
def list_workflows(
    request: Request,
    core: Core,
    project: Project,
    page: Annotated[PageRequest, Depends(page_request)],
    namespace: Annotated[
        str | None,
        Query(max_length=255, pattern=NO_NUL, description="Only this namespace."),
    ] = None,
    tag: Annotated[str | None, Query(max_length=255, pattern=NO_NUL)] = None,
) -> WorkflowList:
    """List stored workflows by namespace and name."""
    query = select(WorkflowDefinition).where(WorkflowDefinition.project_id == project)
    if namespace is not None:
        query = query.where(WorkflowDefinition.namespace == namespace)
    order = [
        WorkflowDefinition.namespace,
        WorkflowDefinition.name,
        WorkflowDefinition.id,
    ]
    with core.db.sessions() as session:
        found = fetch_page(session, request, query, order, page)
    rows = found.rows
    if tag is not None:
        # NOTE: the tag filter applies after paging, so a page may be short.
        rows = [row for row in rows if tag in (row.tags or [])]
    return WorkflowList(
        workflows=[workflow_summary(core, row) for row in rows], next=found.next
    )


@router.get("/workflows/{identifier}")
def show_workflow(
    identifier: PathText, core: Core, project: Project, namespace: NamespaceQuery = ""
) -> Workflow:
    """Show a stored workflow, by id or by name in a namespace."""
    with core.db.sessions() as session:
        row = load_workflow(session, identifier, namespace, project)
    return workflow_document(core, row)


@router.delete("/workflows/{identifier}", status_code=204)
def delete_workflow(
    identifier: PathText, core: Core, project: Project, namespace: NamespaceQuery = ""
) -> Response:
    """Delete a stored workflow; running executions keep their copy."""
    with core.db.transaction() as session:
        row = load_workflow(session, identifier, namespace, project)
        workbook = core.definition(row.checksum, row.definition).workbook
        if workbook is not None and find_workbook(
            session, workbook, row.namespace, project
        ):
            raise ApiError(
                409,
                "conflict",
                f"Workflow {row.name} belongs to workbook {workbook!r}; update or "
                "delete the workbook instead",
            )
        session.delete(row)
    return Response(status_code=204)


@router.get("/namespaces")
def list_namespaces(core: Core, project: Project) -> NamespaceList:
    """List the namespaces that hold workflows or workbooks."""
    query = union(
        select(WorkflowDefinition.namespace).where(
            WorkflowDefinition.project_id == project
        ),
        select(Workbook.namespace).where(Workbook.project_id == project),
    )
    with core.db.sessions() as session:
        names = sorted(set(session.scalars(query)))
    return NamespaceList(namespaces=names)
