"""Turning executions into tables, trees and JSON documents."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import states
from engine.db.models import ActionExecution, Execution, TaskExecution
from engine.masking import mask_secrets

STATE_STYLES = {
    states.SUCCESS: "green",
    states.ERROR: "red",
    states.CANCELLED: "yellow",
    states.PAUSED: "yellow",
    states.RUNNING: "cyan",
}


def styled_state(state: str) -> str:
    style = STATE_STYLES.get(state)
    return f"[{style}]{state}[/{style}]" if style else state


def execution_document(
    session: Session, execution: Execution, *, details: bool = False
) -> dict[str, Any]:
    """Build the stable JSON shape of an execution (``-o json``).

    With ``details`` (``executions show``) it also has the cloud, what was
    resolved for each task (``resolutions``) and, for running tasks, which
    process has the lease on each action and until when (``leases``).
    """
    tasks = session.scalars(
        select(TaskExecution)
        .where(TaskExecution.execution_id == execution.id)
        .order_by(TaskExecution.seq)
    ).all()
    document = _base_document(execution, tasks)
    if details:
        document["cloud"] = execution.cloud
        document["resolutions"] = execution.resolutions or {}
        document["leases"] = [
            {
                "task": next((t.name for t in tasks if t.id == row.task_id), None),
                "action_execution_id": row.id,
                "action": row.action,
                "held_by": row.lease_owner,
                "until": row.lease_expires.isoformat() if row.lease_expires else None,
            }
            for row in session.scalars(
                select(ActionExecution)
                .where(
                    ActionExecution.execution_id == execution.id,
                    ActionExecution.state == states.RUNNING,
                )
                .order_by(ActionExecution.created_at, ActionExecution.id)
            )
        ]
    return document


def _base_document(execution: Execution, tasks: Any) -> dict[str, Any]:
    return {
        "id": execution.id,
        "workflow": execution.workflow_name,
        "state": execution.state,
        "state_info": execution.state_info,
        # Masked like the API's documents, so that both modes print the same.
        "input": mask_secrets(execution.input or {}),
        "output": execution.output or {},
        "tasks": [
            {
                "id": task.id,
                "name": task.name,
                "state": task.state,
                "state_info": task.state_info,
                "published": task.published or {},
                "result": task.result,
            }
            for task in tasks
        ],
    }


def dumps(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=False, default=str)


def print_execution(console: Console, document: dict[str, Any]) -> None:
    """Print an execution as a header, a task table and its output."""
    console.print(
        f"Execution [bold]{document['id']}[/bold]  workflow "
        f"[bold]{document['workflow']}[/bold]  state {styled_state(document['state'])}"
    )
    if document["state_info"]:
        console.print(f"State info: {escape(document['state_info'])}", highlight=False)
    if document["tasks"]:
        table = Table(show_header=True, header_style="bold")
        table.add_column("task")
        table.add_column("state")
        table.add_column("published / error", overflow="fold")
        for task in document["tasks"]:
            detail = task["state_info"] if task["state"] == states.ERROR else None
            if detail is not None and not isinstance(detail, str):
                detail = json.dumps(detail, default=str)
            if detail is None and task["published"]:
                detail = json.dumps(task["published"], default=str)
            table.add_row(escape(task["name"]), styled_state(task["state"]), escape(detail or ""))
        console.print(table)
    if document.get("resolutions"):
        table = Table(title="Resolved actions", show_header=True, header_style="bold")
        for column in ("task", "action", "version", "microversions", "cloud"):
            table.add_column(column)
        for task_name, record in document["resolutions"].items():
            services = record.get("services") or {}
            versions = ", ".join(
                f"{name} {choice.get('microversion') or choice.get('major', '')}"
                for name, choice in services.items()
            )
            table.add_row(task_name, record.get("action", ""), record.get("version", ""),
                          versions or "-", record.get("cloud") or "")
        console.print(table)
    for lease in document.get("leases") or []:
        console.print(
            f"Task {lease['task']}: action {lease['action']} held by {lease['held_by']} "
            f"until {lease['until']} UTC",
            highlight=False,
        )
    console.print("Output:")
    console.print_json(json.dumps(document["output"], default=str))
