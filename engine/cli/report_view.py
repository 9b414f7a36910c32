"""Printing a failure report (``levante executions report``) as a tree."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from engine import states
from engine.cli.render import styled_state

#: Maximum length of error data or input on one line of the tree, in characters.
MAX_VALUE_WIDTH = 200


def print_report(console: Console, report: dict[str, Any]) -> None:
    """Print the causes first, then the whole tree."""
    causes = report["causes"]
    if causes:
        console.print(f"[bold red]{len(causes)} first failure(s):[/bold red]")
        for cause in causes:
            path = " > ".join(escape(_step_label(step)) for step in cause["path"])
            console.print(f"  {path}", highlight=False)
            if cause["state_info"]:
                console.print(
                    f"    {escape(_first_line(cause['state_info']))}", highlight=False
                )
        console.print()
    else:
        console.print("[green]No failures.[/green]")
    console.print(_execution_tree(report["execution"]))


def _step_label(step: dict[str, Any]) -> str:
    label = step["name"]
    if step.get("item_index") is not None:
        label += f"[{step['item_index']}]"
    return label


def _execution_tree(node: dict[str, Any], tree: Tree | None = None) -> Tree:
    label = (
        f"[bold]{escape(node['workflow_name'])}[/bold] {styled_state(node['state'])}"
        f" [dim]{node['id']}{_duration(node)}[/dim]"
    )
    if node.get("item_index") is not None:
        label = f"item {node['item_index']}: {label}"
    branch = tree.add(label) if tree is not None else Tree(label)
    _add_details(branch, node["state_info"], None, node["input"], node["state"])
    if node["truncated"]:
        branch.add("[dim]... deeper levels left out (--depth)[/dim]")
    for task in node["tasks"]:
        _task_branch(branch, task)
    for item in node["not_run"]:
        mark = (
            "[yellow]not run[/yellow]"
            if item["caused_by_failure"]
            else "[dim]not run[/dim]"
        )
        branch.add(f"{escape(item['name'])} {mark}: {escape(item['reason'])}")
    return branch


def _task_branch(tree: Tree, task: dict[str, Any]) -> None:
    handled = " [dim](error handled)[/dim]" if task["error_handled"] else ""
    label = (
        f"task [bold]{escape(task['name'])}[/bold] {styled_state(task['state'])}"
        f"{handled}[dim]{_duration(task)}[/dim]"
    )
    items = task.get("items")
    if items:
        label += f" [dim]items: {items['total']}, failed {items['failed']}[/dim]"
    branch = tree.add(label)
    _add_details(branch, task["state_info"], task["error_data"], None, task["state"])
    for action in task["actions"]:
        item = f"[{action['item_index']}]" if items else ""
        attempt = f" attempt {action['attempt']}" if action["attempt"] > 1 else ""
        leaf = branch.add(
            f"action {escape(action['action'])}{escape(item)}{attempt} "
            f"{styled_state(action['state'])}[dim]{_duration(action)}[/dim]"
        )
        _add_details(
            leaf,
            action["error"],
            action["error_data"],
            action["input"],
            action["state"],
        )
    for child in task["workflows"]:
        _execution_tree(child, branch)


def _add_details(
    tree: Tree, info: str | None, data: Any, given: Any, state: str
) -> None:
    if state not in (states.ERROR, states.CANCELLED):
        return
    if info:
        tree.add(f"[red]{escape(_first_line(info))}[/red]")
    if data is not None and str(data) != info and _shorten(data) != _shorten(info):
        tree.add(f"error data: {escape(_shorten(data))}")
    if given:
        tree.add(f"[dim]input: {escape(_shorten(given))}[/dim]")


def _duration(node: dict[str, Any]) -> str:
    duration = node.get("duration")
    return f" {duration:.3f}s" if duration is not None else ""


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[0] if lines else ""


def _shorten(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) > MAX_VALUE_WIDTH:
        return text[: MAX_VALUE_WIDTH - 3] + "..."
    return text
