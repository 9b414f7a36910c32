"""Tables of the engine's state.

A workflow execution owns its task executions; a task execution owns the
action executions (or the child workflow executions) it started. Scheduled
work that must survive a restart (action runs, timers) lives in ``jobs``.
Timestamps are naive UTC. Rows refer to each other by id without foreign
key constraints: the engine writes parents before children in the same
transaction and deletes whole executions at once.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from registry.models import NAMING_CONVENTION


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON(none_as_null=True), Any: JSON()}


class WorkflowDefinition(Base):
    """A stored definition text: one workflow list or one workbook."""

    __tablename__ = "workflow_definitions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    #: Full workflow name (``workbook.wf`` for a workbook's workflow).
    name: Mapped[str] = mapped_column(String(255))
    namespace: Mapped[str] = mapped_column(String(255), default="")
    project_id: Mapped[str] = mapped_column(String(128), default="")
    #: The whole document the workflow came from, so siblings resolve.
    definition: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    tags: Mapped[Any] = mapped_column(JSON, default=list, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_wf_def_name", "project_id", "namespace", "name", unique=True),
    )


class Execution(Base):
    """One run of a workflow, top-level or started by a parent task."""

    __tablename__ = "executions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    workflow_name: Mapped[str] = mapped_column(String(255))
    namespace: Mapped[str] = mapped_column(String(255), default="")
    project_id: Mapped[str] = mapped_column(String(128), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    #: The definition document, kept with the execution so that a later
    #: change of the stored workflow does not change a running one.
    definition: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20), index=True)
    state_info: Mapped[str | None] = mapped_column(Text, default=None)
    input: Mapped[Any] = mapped_column(JSON, default=dict, nullable=True)
    env: Mapped[Any] = mapped_column(JSON, default=dict, nullable=True)
    params: Mapped[Any] = mapped_column(JSON, default=dict, nullable=True)
    #: Input merged with the evaluated ``vars``: the start tasks' context.
    context: Mapped[Any] = mapped_column(JSON, default=dict, nullable=True)
    #: Variables published with the ``global`` scope.
    globals: Mapped[Any] = mapped_column(JSON, default=dict, nullable=True)
    output: Mapped[Any] = mapped_column(JSON, default=dict, nullable=True)
    #: Name of the cloud (clouds.yaml) the actions run against, if any.
    cloud: Mapped[str | None] = mapped_column(String(255), default=None)
    #: Per task name: the action version and microversions resolved for it.
    resolutions: Mapped[Any] = mapped_column(JSON, default=dict, nullable=True)
    parent_task_id: Mapped[str | None] = mapped_column(String(36), default=None)
    root_execution_id: Mapped[str | None] = mapped_column(String(36), default=None)
    #: Task executions not yet completed; the workflow may finish at zero.
    active_tasks: Mapped[int] = mapped_column(Integer, default=0)
    #: Counter giving task executions their creation order.
    task_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_exec_parent", "parent_task_id"),)


class TaskExecution(Base):
    """One run of a task. A task reached twice (a loop) has two rows."""

    __tablename__ = "task_executions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    execution_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(255))
    seq: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))
    state_info: Mapped[str | None] = mapped_column(Text, default=None)
    #: Ids of the task executions whose transitions led here, in arrival
    #: order; the inbound context is merged from theirs.
    parents: Mapped[Any] = mapped_column(JSON, default=list, nullable=True)
    published: Mapped[Any] = mapped_column(JSON, default=dict, nullable=True)
    result: Mapped[Any] = mapped_column(JSON, default=None, nullable=True)
    #: Evaluated with-items values, one mapping of variables per item.
    items: Mapped[Any] = mapped_column(JSON, default=None, nullable=True)
    #: Counters and flags of policies and with-items (retry number, items
    #: started, join arrivals, ...).
    runtime: Mapped[Any] = mapped_column(JSON, default=dict, nullable=True)
    #: Whether this task's transitions have been evaluated.
    processed: Mapped[bool] = mapped_column(default=False)
    #: Whether an ERROR of this task is handled by an ``on-error`` clause.
    error_handled: Mapped[bool] = mapped_column(default=False)
    #: Whether the task led to another task or command (not an end task).
    has_next: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (
        Index("ix_task_exec", "execution_id", "seq"),
        Index("ix_task_exec_name", "execution_id", "name"),
    )


class ActionExecution(Base):
    """One call of an action for a task (one per with-items item and retry)."""

    __tablename__ = "action_executions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    task_id: Mapped[str] = mapped_column(String(36), index=True)
    execution_id: Mapped[str] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(255))
    action_version: Mapped[str | None] = mapped_column(String(64), default=None)
    #: Position in the with-items list, 0 for a plain task.
    item_index: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20))
    #: Input as shown (API, CLI, report): secret parameters redacted.
    input: Mapped[Any] = mapped_column(JSON, default=dict, nullable=True)
    #: The input the action runs with, kept only when it contains secret
    #: parameters; never returned by the API or the CLI.
    run_input: Mapped[Any] = mapped_column(JSON, default=None, nullable=True)
    output: Mapped[Any] = mapped_column(JSON, default=None, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    is_async: Mapped[bool] = mapped_column(default=False)
    #: Which executor holds the run, and until when (a lease).
    lease_owner: Mapped[str | None] = mapped_column(String(128), default=None)
    lease_expires: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_action_exec_state", "state"),)


class Job(Base):
    """Scheduled engine work that must survive a restart (timers)."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    execution_id: Mapped[str] = mapped_column(String(36), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36), default=None)
    due_at: Mapped[datetime] = mapped_column(index=True)
    payload: Mapped[Any] = mapped_column(JSON, default=dict, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(128), default=None)
    lease_expires: Mapped[datetime | None] = mapped_column(default=None)
