"""Request and response bodies of the REST API.

Request models forbid unknown fields, so a misspelt field is an error that
names it instead of being ignored. Timestamps are UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.api.values import (
    DefinitionText,
    Description,
    JsonObject,
    JsonValue,
    Name,
    Namespace,
    Text,
)


class Request(BaseModel):
    """Base of request bodies: unknown fields are rejected."""

    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    """An error: a stable code, the field at fault and what to fix."""

    code: str = Field(examples=["invalid_definition"])
    field: str | None = Field(
        default=None, description="Request field or parameter at fault, if any."
    )
    message: str


# ------------------------------------------------------------- definitions


class DefinitionBody(Request):
    """A YAML definition to store or validate."""

    definition: DefinitionText = Field(description="The YAML document.")
    namespace: Namespace = ""


class DefinitionIssue(BaseModel):
    """One problem found in a definition; ``line`` is 1-based."""

    message: str
    line: int | None = None
    workflow: str | None = None
    task: str | None = None
    key: str | None = None
    action: str | None = None


class ValidationResult(BaseModel):
    """Outcome of validating a definition without storing it."""

    valid: bool
    workflows: list[str] = Field(default_factory=list)
    issues: list[DefinitionIssue] = Field(default_factory=list)
    warnings: list[DefinitionIssue] = Field(
        default_factory=list,
        description="Findings that leave the definition valid, such as an inline "
        "parameter that is ignored.",
    )


class WorkflowSummary(BaseModel):
    """A stored workflow, without its definition document."""

    id: str
    name: str
    namespace: str
    workbook: str | None = Field(
        default=None, description="Workbook the workflow belongs to, if any."
    )
    tags: list[str]
    input: list[str] = Field(description="Input parameter names.")
    created_at: datetime
    updated_at: datetime


class Workflow(WorkflowSummary):
    """A stored workflow with the document it came from."""

    definition: str


class WorkflowList(BaseModel):
    workflows: list[WorkflowSummary]
    next: str | None = Field(default=None, description="URL of the next page.")


class WorkbookSummary(BaseModel):
    """A stored workbook, without its definition document."""

    id: str
    name: str
    namespace: str
    tags: list[str]
    workflows: list[str]
    actions: list[str]
    created_at: datetime
    updated_at: datetime


class Workbook(WorkbookSummary):
    """A stored workbook with its document."""

    definition: str


class WorkbookList(BaseModel):
    workbooks: list[WorkbookSummary]
    next: str | None = None


class NamespaceList(BaseModel):
    """Namespaces that hold at least one workflow or workbook."""

    namespaces: list[str]


# -------------------------------------------------------------- executions


class ExecutionCreate(Request):
    """Start an execution of a stored workflow, or of a given document.

    Give ``workflow_id``, or ``workflow_name`` (looked up in ``namespace``,
    then in the default namespace), or ``definition`` (with
    ``workflow_name`` when the document has several workflows).
    """

    workflow_name: Name | None = None
    workflow_id: Name | None = None
    definition: DefinitionText | None = Field(
        default=None, description="A YAML document to run without storing it."
    )
    namespace: Namespace = ""
    input: JsonObject = Field(default_factory=dict)
    env: JsonObject | Name | None = Field(
        default=None,
        description="Environment variables, or the name of a stored environment.",
    )
    cloud: Name | None = Field(
        default=None, description="Cloud the actions of this execution target."
    )
    task_name: Name | None = Field(
        default=None, description="Target task of a reverse workflow."
    )
    description: Description = ""
    id: UUID | None = Field(
        default=None,
        description=(
            "Execution id chosen by the client. A start with the id of an "
            "existing execution of the same project returns that execution "
            "(status 200) instead of starting another, so a retried request "
            "never starts the workflow twice."
        ),
    )

    @model_validator(mode="after")
    def _one_source(self) -> ExecutionCreate:
        sources = [
            name
            for name in ("workflow_id", "definition")
            if getattr(self, name) is not None
        ]
        if len(sources) > 1:
            raise ValueError("give either workflow_id or definition, not both")
        if self.workflow_id is not None and self.workflow_name is not None:
            raise ValueError("give either workflow_id or workflow_name, not both")
        if not sources and self.workflow_name is None:
            raise ValueError(
                "give workflow_name or workflow_id of a stored workflow, or a "
                "definition to run"
            )
        return self


class ExecutionUpdate(Request):
    """Change an execution's state or description.

    ``PAUSED`` pauses, ``RUNNING`` resumes a paused execution (merging
    ``env`` into its environment), ``CANCELLED`` cancels with ``state_info``
    as the message.
    """

    state: Literal["PAUSED", "RUNNING", "CANCELLED"] | None = None
    state_info: Text | None = None
    env: JsonObject | None = None
    description: Description | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ExecutionUpdate:
        if self.state is None and self.description is None:
            raise ValueError("give a new state, a description, or both")
        if self.env is not None and self.state != "RUNNING":
            raise ValueError("env is accepted only with state RUNNING (resume)")
        if self.state_info is not None and self.state != "CANCELLED":
            raise ValueError("state_info is accepted only with state CANCELLED")
        return self


class RerunRequest(Request):
    """Run a failed task of an execution again."""

    task_name: Name
    reset: bool = Field(
        default=True,
        description="False reruns only the failed items of a with-items task.",
    )
    env: JsonObject | None = None
    re_resolve: bool = Field(
        default=False,
        description="Choose the action version and microversion again instead "
        "of reusing what the first run of the task used.",
    )


class Lease(BaseModel):
    """The lease of a process on a running action execution."""

    task: str | None = Field(description="Name of the action's task.")
    action_execution_id: str
    action: str = Field(description="Name of the action.")
    held_by: str | None = Field(description="Process that runs the action.")
    until: datetime | None = Field(
        description="When the lease expires unless renewed."
    )


class Execution(BaseModel):
    id: str
    workflow_name: str
    namespace: str
    description: str
    state: str
    state_info: str | None
    input: dict[str, Any]
    env: dict[str, Any]
    params: dict[str, Any]
    cloud: str | None = Field(description="Cloud the actions run against, if any.")
    resolutions: dict[str, Any] = Field(
        description="Per task name: the action version and API microversions "
        "resolved for it."
    )
    leases: list[Lease] = Field(
        description="Running action executions and the process holding each."
    )
    output: Any
    parent_task_id: str | None
    root_execution_id: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class ExecutionList(BaseModel):
    executions: list[Execution]
    next: str | None = None


class Task(BaseModel):
    id: str
    name: str
    execution_id: str
    state: str
    state_info: str | None
    result: Any
    published: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class TaskList(BaseModel):
    tasks: list[Task]
    next: str | None = None


class ActionExecution(BaseModel):
    id: str
    name: str
    version: str | None
    task_id: str
    execution_id: str
    item_index: int
    state: str
    is_async: bool
    input: dict[str, Any]
    output: Any
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class ActionExecutionList(BaseModel):
    action_executions: list[ActionExecution]
    next: str | None = None


class ActionCompletion(Request):
    """The result of an asynchronous action, sent by the system that ran it."""

    state: Literal["SUCCESS", "ERROR"]
    output: JsonValue = Field(
        default=None, description="The result, or the error data on ERROR."
    )
    error: Text | None = Field(default=None, description="Error message on ERROR.")

    @model_validator(mode="after")
    def _error_only_on_failure(self) -> ActionCompletion:
        if self.error is not None and self.state != "ERROR":
            raise ValueError("error is accepted only with state ERROR")
        return self


# ------------------------------------------------------------ environments


class EnvironmentCreate(Request):
    name: Name
    description: Description = ""
    variables: JsonObject = Field(default_factory=dict)


class EnvironmentUpdate(Request):
    """New values for an environment; fields left out keep their value."""

    description: Description | None = None
    variables: JsonObject | None = None


class Environment(BaseModel):
    id: str
    name: str
    description: str
    variables: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class EnvironmentList(BaseModel):
    environments: list[Environment]
    next: str | None = None


# ------------------------------------------------------------------ health


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    database: bool
    engine: bool


# ------------------------------------------------------------------ report


class ReportStep(BaseModel):
    """One node on the path from the top execution to a failure."""

    kind: Literal["execution", "task", "action"]
    id: str
    name: str
    item_index: int | None = None


class ReportCause(BaseModel):
    """A first failure and the path that leads to it."""

    path: list[ReportStep]
    state_info: str | None
    error_data: Any


class ReportNotRun(BaseModel):
    """A task of the workflow that never ran, and why."""

    name: str
    reason: str
    caused_by_failure: bool


class ReportItems(BaseModel):
    """With-items counters of a task."""

    total: int
    started: int
    failed: int


class ReportAction(BaseModel):
    id: str
    action: str
    version: str | None
    item_index: int
    attempt: int
    state: str
    input: dict[str, Any]
    error: str | None
    error_data: Any
    started_at: str | None
    finished_at: str | None
    duration: float | None = Field(description="Seconds from creation to the end.")


class ReportTask(BaseModel):
    id: str
    name: str
    state: str
    state_info: str | None
    error_handled: bool
    error_data: Any
    started_at: str | None
    finished_at: str | None
    duration: float | None
    items: ReportItems | None
    actions: list[ReportAction]
    workflows: list[ReportExecution]


class ReportExecution(BaseModel):
    id: str
    workflow_name: str
    state: str
    state_info: str | None
    item_index: int | None
    input: dict[str, Any]
    started_at: str | None
    finished_at: str | None
    duration: float | None
    tasks: list[ReportTask]
    not_run: list[ReportNotRun]
    truncated: bool = Field(description="True when the depth limit stopped here.")


class Report(BaseModel):
    """Failure analysis of an execution."""

    execution: ReportExecution
    causes: list[ReportCause]


ReportTask.model_rebuild()
