"""Turning executions into tables, trees and JSON documents."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import states
from engine.db.models import Execution, TaskExecution

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


def execution_document(session: Session, execution: Execution) -> dict[str, Any]:
    """Build the stable JSON shape of an execution (``-o json``)."""
    tasks = session.scalars(
        select(TaskExecution)
        .where(TaskExecution.execution_id == execution.id)
        .order_by(TaskExecution.seq)
    ).all()
    return {
        "id": execution.id,
        "workflow": execution.workflow_name,
        "state": execution.state,
        "state_info": execution.state_info,
        "input": execution.input or {},
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
        console.print(f"State info: {document['state_info']}", highlight=False)
    if document["tasks"]:
        table = Table(show_header=True, header_style="bold")
        table.add_column("task")
        table.add_column("state")
        table.add_column("published / error", overflow="fold")
        for task in document["tasks"]:
            detail = task["state_info"] if task["state"] == states.ERROR else None
            if detail is None and task["published"]:
                detail = json.dumps(task["published"], default=str)
            table.add_row(task["name"], styled_state(task["state"]), detail or "")
        console.print(table)
    console.print("Output:")
    console.print_json(json.dumps(document["output"], default=str))
