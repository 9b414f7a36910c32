"""Routes of executions: start, list, show, change state, rerun, report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import states
from engine.api.dependencies import Core, Project
from engine.api.errors import ERROR_RESPONSES, ApiError
from engine.api.lookups import load_execution, naive_utc, running_leases, utc
from engine.api.paging import PageRequest, fetch_page, page_request
from engine.api.schemas import (
    Execution,
    ExecutionCreate,
    ExecutionList,
    ExecutionUpdate,
    Lease,
    Report,
    RerunRequest,
)
from engine.api.values import NO_NUL, PathText
from engine.core import ControlError, EngineCore, ExecutionExists, StartError
from engine.db.environments import EnvironmentNotFound, find_environment
from engine.db.models import Execution as ExecutionRow
from engine.db.models import TaskExecution, WorkflowDefinition
from engine.masking import mask_secrets
from engine.report import build_report
from registry.errors import CloudNotFound, DiscoveryError

router = APIRouter(tags=["executions"], responses=ERROR_RESPONSES)

State = Literal[
    "IDLE",
    "WAITING",
    "RUNNING",
    "RUNNING_DELAYED",
    "PAUSED",
    "SUCCESS",
    "ERROR",
    "CANCELLED",
]


def execution_document(row: ExecutionRow, leases: list[dict[str, Any]]) -> Execution:
    """Describe an execution, with secrets in input, env and params masked.

    ``leases`` are the execution's running actions (see ``running_leases``).
    """
    return Execution(
        id=row.id,
        workflow_name=row.workflow_name,
        namespace=row.namespace,
        description=row.description or "",
        state=row.state,
        state_info=row.state_info,
        input=mask_secrets(row.input or {}),
        env=mask_secrets(row.env or {}),
        params=mask_secrets(row.params or {}),
        cloud=row.cloud,
        resolutions=row.resolutions or {},
        leases=[Lease.model_validate(lease) for lease in leases],
        output=row.output,
        parent_task_id=row.parent_task_id,
        root_execution_id=row.root_execution_id,
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
        finished_at=utc(row.finished_at),
    )


def documents(session: Session, rows: Sequence[ExecutionRow]) -> list[Execution]:
    """Describe executions, reading the leases of all of them in one query."""
    leases = running_leases(session, [row.id for row in rows])
    return [execution_document(row, leases[row.id]) for row in rows]


def _show(core: EngineCore, execution_id: str, project: str) -> Execution:
    with core.db.sessions() as session:
        return documents(session, [load_execution(session, execution_id, project)])[0]


def _stored_workflow(
    core: EngineCore, body: ExecutionCreate, project: str
) -> WorkflowDefinition:
    with core.db.sessions() as session:
        if body.workflow_id is not None:
            row = session.get(WorkflowDefinition, body.workflow_id)
            if row is None or row.project_id != project:
                raise ApiError(
                    404,
                    "not_found",
                    f"Workflow {body.workflow_id} not found",
                    "workflow_id",
                )
            return row
        for namespace in dict.fromkeys([body.namespace, ""]):
            row = session.scalars(
                select(WorkflowDefinition).where(
                    WorkflowDefinition.project_id == project,
                    WorkflowDefinition.namespace == namespace,
                    WorkflowDefinition.name == body.workflow_name,
                )
            ).first()
            if row is not None:
                return row
    where = f" in namespace {body.namespace!r}" if body.namespace else ""
    raise ApiError(
        404,
        "not_found",
        f"Workflow {body.workflow_name}{where} not found; store it with "
        "POST /v2/workflows or send its definition",
        "workflow_name",
    )


def _environment(
    core: EngineCore, env: Any, project: str
) -> tuple[dict[str, Any], str | None]:
    """Return the variables of ``env`` and the stored environment's name."""
    if not isinstance(env, str):
        return dict(env or {}), None
    with core.db.sessions() as session:
        row = find_environment(session, env, project)
        if row is None:
            raise ApiError(
                404,
                "not_found",
                f"{EnvironmentNotFound(env)}; create it with POST /v2/environments "
                "or give the variables as an object",
                "env",
            )
        return dict(row.variables or {}), row.name


def _existing(core: EngineCore, execution_id: str, project: str) -> Execution | None:
    """Return the execution with a client-chosen id, or None when the id is free.

    Raises ApiError 409 when another project's execution has the id.
    """
    with core.db.sessions() as session:
        row = session.get(ExecutionRow, execution_id)
        if row is None:
            return None
        if row.project_id != project:
            raise ApiError(
                409,
                "already_exists",
                f"Execution id {execution_id} is already in use; choose another id",
                "id",
            )
        return documents(session, [row])[0]


@router.post(
    "/executions",
    status_code=201,
    responses={
        200: {"model": Execution, "description": "An execution with this id existed."}
    },
)
def start_execution(
    body: ExecutionCreate, core: Core, project: Project, response: Response
) -> Execution:
    """Start an execution of a stored workflow or of a given definition.

    With an ``id`` that an execution of this project already has, nothing
    starts and the response is that execution with status 200.
    """
    chosen_id = str(body.id) if body.id is not None else None
    if chosen_id is not None:
        existing = _existing(core, chosen_id, project)
        if existing is not None:
            response.status_code = 200
            return existing
    workflow_name = body.workflow_name
    if body.definition is not None:
        text = body.definition
    else:
        row = _stored_workflow(core, body, project)
        text, workflow_name = row.definition, row.name
    env, env_name = _environment(core, body.env, project)
    params: dict[str, Any] = {}
    if body.task_name is not None:
        params["task_name"] = body.task_name
    if env_name is not None:
        params["env_name"] = env_name
    try:
        execution_id = core.start(
            text,
            workflow_name,
            input=body.input,
            env=env,
            params=params,
            namespace=body.namespace,
            project_id=project,
            description=body.description,
            cloud=body.cloud,
            execution_id=chosen_id,
        )
    except StartError as error:
        raise _start_error(error) from None
    except ExecutionExists as error:
        # A concurrent request with the same id started it first.
        existing = _existing(core, error.execution_id, project)
        if existing is None:
            raise
        response.status_code = 200
        return existing
    return _show(core, execution_id, project)


def _start_error(error: StartError) -> ApiError:
    """Return the API error for a start the engine rejected.

    A cloud missing from clouds.yaml is 404, and a cloud whose services
    cannot be discovered (Keystone or an endpoint unreachable) is 503.
    """
    if isinstance(error.__cause__, CloudNotFound):
        return ApiError(404, "not_found", str(error), error.field)
    if isinstance(error.__cause__, DiscoveryError):
        return ApiError(503, "cloud_unavailable", str(error), error.field)
    return ApiError(400, "invalid_input", str(error), error.field)


@router.get("/executions")
def list_executions(
    request: Request,
    core: Core,
    project: Project,
    page: Annotated[PageRequest, Depends(page_request)],
    state: State | None = None,
    workflow_name: Annotated[str | None, Query(max_length=255, pattern=NO_NUL)] = None,
    namespace: Annotated[str | None, Query(max_length=255, pattern=NO_NUL)] = None,
    created_after: Annotated[
        datetime | None, Query(description="Only executions created at or after.")
    ] = None,
    created_before: Annotated[
        datetime | None, Query(description="Only executions created before.")
    ] = None,
    parent_id: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=NO_NUL,
            description="Only sub-workflows started by this execution.",
        ),
    ] = None,
    top_level: Annotated[
        bool | None, Query(description="True: only executions without a parent.")
    ] = None,
) -> ExecutionList:
    """List executions, newest first."""
    query = select(ExecutionRow).where(ExecutionRow.project_id == project)
    if state is not None:
        query = query.where(ExecutionRow.state == state)
    if workflow_name is not None:
        query = query.where(ExecutionRow.workflow_name == workflow_name)
    if namespace is not None:
        query = query.where(ExecutionRow.namespace == namespace)
    if created_after is not None:
        query = query.where(
            ExecutionRow.created_at >= naive_utc(created_after, "created_after")
        )
    if created_before is not None:
        query = query.where(
            ExecutionRow.created_at < naive_utc(created_before, "created_before")
        )
    if parent_id is not None:
        tasks = select(TaskExecution.id).where(TaskExecution.execution_id == parent_id)
        query = query.where(ExecutionRow.parent_task_id.in_(tasks))
    if top_level is True:
        query = query.where(ExecutionRow.parent_task_id.is_(None))
    elif top_level is False:
        query = query.where(ExecutionRow.parent_task_id.is_not(None))
    order = [ExecutionRow.created_at, ExecutionRow.id]
    with core.db.sessions() as session:
        found = fetch_page(session, request, query, order, page, descending=True)
        return ExecutionList(
            executions=documents(session, found.rows), next=found.next
        )


@router.get("/executions/{execution_id}")
def show_execution(execution_id: PathText, core: Core, project: Project) -> Execution:
    """Show one execution."""
    return _show(core, execution_id, project)


def _change(core: EngineCore, execution_id: str, body: ExecutionUpdate) -> None:
    if body.state == states.PAUSED:
        core.pause(execution_id)
    elif body.state == states.RUNNING:
        core.resume(execution_id, body.env)
    elif body.state == states.CANCELLED:
        core.cancel(execution_id, body.state_info)


def _update(
    core: EngineCore, execution_id: str, body: ExecutionUpdate, project: str
) -> Execution:
    with core.db.sessions() as session:
        load_execution(session, execution_id, project)
    _change(core, execution_id, body)
    if body.description is not None:
        with core.db.transaction() as session:
            load_execution(
                session, execution_id, project
            ).description = body.description
    return _show(core, execution_id, project)


@router.put("/executions/{execution_id}")
def update_execution(
    execution_id: PathText, body: ExecutionUpdate, core: Core, project: Project
) -> Execution:
    """Pause, resume or cancel an execution, or change its description."""
    return _update(core, execution_id, body, project)


@router.patch("/executions/{execution_id}")
def patch_execution(
    execution_id: PathText, body: ExecutionUpdate, core: Core, project: Project
) -> Execution:
    """Same as PUT: fields left out keep their value."""
    return _update(core, execution_id, body, project)


@router.post("/executions/{execution_id}/rerun")
def rerun_task(
    execution_id: PathText, body: RerunRequest, core: Core, project: Project
) -> Execution:
    """Run a failed task again; the execution continues from there."""
    with core.db.sessions() as session:
        execution = load_execution(session, execution_id, project)
        definition = core.definition(execution.checksum, execution.definition)
        spec = definition.workflows.get(execution.workflow_name)
    if spec is not None and body.task_name not in spec.tasks:
        raise ApiError(
            400,
            "invalid_input",
            f"Workflow {spec.name} has no task {body.task_name!r}; its tasks: "
            f"{', '.join(spec.tasks)}",
            "task_name",
        )
    try:
        core.rerun(
            execution_id,
            body.task_name,
            reset=body.reset,
            env=body.env,
            re_resolve=body.re_resolve,
        )
    except ControlError as error:
        raise ApiError(409, "invalid_state_change", str(error), "task_name") from None
    return _show(core, execution_id, project)


@router.get("/executions/{execution_id}/report")
def report_execution(
    execution_id: PathText,
    core: Core,
    project: Project,
    depth: Annotated[
        int | None,
        Query(ge=0, le=1000, description="Levels of sub-workflows to walk into."),
    ] = None,
    errors_only: Annotated[
        bool, Query(description="Keep only failures and what they prevented.")
    ] = False,
) -> Report:
    """Explain a failure: the path to each first failure, and tasks not run."""
    with core.db.sessions() as session:
        execution = load_execution(session, execution_id, project)
        document = build_report(
            session,
            execution,
            depth=depth,
            errors_only=errors_only,
            load_definition=core.definition,
        )
    return Report.model_validate(document)
