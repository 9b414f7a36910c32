"""``levante executions``: list, show, report and control executions."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select

from engine import states
from engine.cli.arguments import load_mapping
from engine.cli.errors import (
    SHOWN_MATCHES,
    Conflict,
    InvalidInput,
    ambiguous_execution_prefix,
    execution_id_prefix,
    execution_not_found,
)
from engine.cli.render import dumps, execution_document, print_execution, styled_state
from engine.cli.running import drive, drive_remote
from engine.cli.settings import OUTPUT_FORMATS, Settings, pass_settings
from engine.db.models import Execution


@click.group()
def executions() -> None:
    """Inspect and control workflow executions."""


#: States ``executions list --state`` accepts, in any letter case.
EXECUTION_STATES = (
    states.IDLE,
    states.WAITING,
    states.RUNNING,
    states.RUNNING_DELAYED,
    states.PAUSED,
    states.SUCCESS,
    states.ERROR,
    states.CANCELLED,
)

#: Narrowest widths of the columns that shrink in ``executions list``: the
#: workflow name wraps (see ``wrap_name``), and the creation time wraps
#: after its date.
_MIN_WORKFLOW_WIDTH = len("workflow")
_MIN_CREATED_WIDTH = len("2026-01-01")
_FULL_CREATED_WIDTH = len("2026-01-01 00:00:00")


def _state_option(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    """Check ``--state`` before any request, and return it in upper case."""
    if value is None:
        return None
    if value.upper() not in EXECUTION_STATES:
        raise click.BadParameter(
            f"unknown state {value!r}; allowed states: {', '.join(EXECUTION_STATES)}",
            ctx,
            param,
        )
    return value.upper()


@executions.command("list")
@click.option(
    "--state",
    callback=_state_option,
    metavar="STATE",
    help=f"Only executions in this state: {', '.join(EXECUTION_STATES)} "
    "(any letter case).",
)
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table")
@pass_settings
def executions_list(
    settings: Settings, state: str | None, limit: int, output_format: str
) -> None:
    """List top-level executions, newest first."""
    remote = settings.remote()
    if remote is not None:
        documents = remote.list_executions(state, limit)
    else:
        documents = _local_executions(settings, state, limit)
    if output_format == "json":
        click.echo(dumps(documents))
        return
    _print_executions(Console(), documents)


def _print_executions(console: Console, documents: list[dict[str, Any]]) -> None:
    """Print executions as a table, or one block each when the table cannot fit.

    Ids are never shortened or split: only the workflow and creation time
    columns wrap, and a terminal too narrow for the table gets one block of
    name-value lines per execution instead.
    """
    rows = []
    for document in documents:
        created = datetime.fromisoformat(document["created_at"])
        duration = ""
        if document["finished_at"]:
            finished = datetime.fromisoformat(document["finished_at"])
            duration = f"{(finished - created).total_seconds():.2f}s"
        rows.append(
            (
                document["id"],
                document["workflow"],
                document["state"],
                created.strftime("%Y-%m-%d %H:%M:%S"),
                duration,
            )
        )
    headers = ("id", "workflow", "state", "created (UTC)", "duration")
    fixed = [max([len(headers[i])] + [len(row[i]) for row in rows]) for i in (0, 2, 4)]
    # Columns are two characters apart and the table has no outer border.
    needed = sum(fixed) + _MIN_WORKFLOW_WIDTH + _MIN_CREATED_WIDTH + 2 * 4
    if console.width < needed:
        for row in rows:
            for header, value in zip(headers, row, strict=True):
                text = styled_state(value) if header == "state" else escape(value)
                # soft_wrap leaves an id line wider than the terminal to the
                # terminal to wrap, so the id stays one piece of text.
                console.print(
                    f"[bold]{header:<14}[/bold]{text}",
                    highlight=False,
                    soft_wrap=header == "id",
                )
            console.print()
        return
    # The creation time takes one line (19 characters) or wraps after its
    # date (10), so the workflow column gets the rest of the width.
    free = console.width - sum(fixed) - 2 * 4
    longest = max([len(headers[1])] + [len(row[1]) for row in rows])
    if free >= longest + _FULL_CREATED_WIDTH:
        workflow_width, created_width = longest, _FULL_CREATED_WIDTH
    else:
        workflow_width, created_width = free - _MIN_CREATED_WIDTH, _MIN_CREATED_WIDTH
    table = Table(
        show_header=True, header_style="bold", box=None, padding=(0, 1), pad_edge=False
    )
    table.add_column("id", no_wrap=True, min_width=fixed[0])
    table.add_column("workflow", overflow="fold", width=workflow_width)
    table.add_column("state", no_wrap=True, min_width=fixed[1])
    table.add_column("created (UTC)", width=created_width)
    table.add_column("duration", no_wrap=True, min_width=fixed[2])
    for execution_id, workflow, state, created_text, duration in rows:
        table.add_row(
            execution_id,
            escape(wrap_name(workflow, workflow_width)),
            styled_state(state),
            created_text,
            duration,
        )
    console.print(table)


#: Characters after which a workflow name may break across lines.
_NAME_BREAKS = re.compile(r"(?<=[_.\-/:])")


def wrap_name(name: str, width: int) -> str:
    """Break a name into lines of at most ``width`` characters.

    Lines end after a ``_``, ``.``, ``-``, ``/`` or ``:``, so that the words
    of ``health_check_report`` stay whole. Only a part longer than
    ``width`` between two such characters is cut inside.
    """
    lines: list[str] = []
    line = ""
    for part in _NAME_BREAKS.split(name):
        while len(part) > width:
            if line:
                lines.append(line)
                line = ""
            lines.append(part[:width])
            part = part[width:]
        if len(line) + len(part) > width:
            lines.append(line)
            line = ""
        line += part
    if line or not lines:
        lines.append(line)
    return "\n".join(lines)


def _local_executions(
    settings: Settings, state: str | None, limit: int
) -> list[dict[str, Any]]:
    with settings.database().sessions() as session:
        query = select(Execution).where(Execution.parent_task_id.is_(None))
        if state:
            query = query.where(Execution.state == state)
        query = query.order_by(Execution.created_at.desc()).limit(limit)
        rows = session.scalars(query).all()
    return [
        {
            "id": row.id,
            "workflow": row.workflow_name,
            "state": row.state,
            "created_at": row.created_at.isoformat(),
            "finished_at": row.finished_at.isoformat() if row.finished_at else None,
        }
        for row in rows
    ]


@executions.command("show")
@click.argument("execution_id")
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table")
@pass_settings
def executions_show(settings: Settings, execution_id: str, output_format: str) -> None:
    """Show one execution with its tasks, published values and errors."""
    remote = settings.remote()
    if remote is not None:
        document = remote.execution_document(
            remote.resolve_execution_id(execution_id), details=True
        )
    else:
        with settings.database().sessions() as session:
            execution = _find_execution(session, execution_id)
            document = execution_document(session, execution, details=True)
    if output_format == "json":
        click.echo(dumps(document))
    else:
        print_execution(Console(), document)


@executions.command("report")
@click.argument("execution_id")
@click.option("--depth", type=click.IntRange(0, 1000), default=None,
              help="Levels of sub-workflows to walk into (default: all).")
@click.option("--errors-only", is_flag=True,
              help="Show only failures and the tasks they kept from running.")
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table")
@pass_settings
def executions_report(
    settings: Settings, execution_id: str, depth: int | None, errors_only: bool,
    output_format: str,
) -> None:
    """Explain an execution's failure: the path down to each failed action.

    Walks through sub-workflows and with-items items to the action
    executions that failed first, and lists the tasks that never ran.
    """
    from engine.cli.report_view import print_report
    from engine.report import build_report

    remote = settings.remote()
    if remote is not None:
        full_id = remote.resolve_execution_id(execution_id)
        report = remote.report(full_id, depth, errors_only)
    else:
        with settings.database().sessions() as session:
            execution = _find_execution(session, execution_id)
            report = build_report(
                session, execution, depth=depth, errors_only=errors_only
            )
    if output_format == "json":
        click.echo(dumps(report))
    else:
        print_report(Console(), report)


def _find_execution(session: Any, execution_id: str) -> Execution:
    """Find an execution by its id or an unambiguous prefix of it, in any case."""
    execution_id = execution_id_prefix(execution_id)
    execution = session.get(Execution, execution_id)
    if execution is not None:
        return execution
    return _find_by_prefix(session, execution_id)


def _find_by_prefix(session: Any, prefix: str) -> Execution:
    # Newest first, the order of the service's listing, so that an
    # ambiguous prefix names the same ids locally and remotely.
    matches = session.scalars(
        select(Execution)
        .where(Execution.id.startswith(prefix, autoescape=True))
        .order_by(Execution.created_at.desc(), Execution.id.desc())
        .limit(SHOWN_MATCHES + 1)
    ).all()
    if not matches:
        raise execution_not_found(prefix)
    if len(matches) > 1:
        raise ambiguous_execution_prefix(prefix, [row.id for row in matches])
    return matches[0]


def _resolve(settings: Settings, execution_id: str) -> str:
    """Return the full id of the execution given by id or unambiguous prefix."""
    remote = settings.remote()
    if remote is not None:
        return remote.resolve_execution_id(execution_id)
    with settings.database().sessions() as session:
        return str(_find_execution(session, execution_id).id)


def _control(settings: Settings, action: Any) -> None:
    from engine.core import EngineCore

    core = EngineCore(settings.database())
    try:
        _checked(lambda: action(core))
    finally:
        core.close()


@executions.command("pause")
@click.argument("execution_id")
@pass_settings
def executions_pause(settings: Settings, execution_id: str) -> None:
    """Pause a running execution (and its sub-workflows)."""
    execution_id = _resolve(settings, execution_id)
    remote = settings.remote()
    if remote is not None:
        remote.change_state(execution_id, {"state": states.PAUSED})
    else:
        _control(settings, lambda core: core.pause(execution_id))
    click.echo(f"Execution {execution_id} paused")


@executions.command("cancel")
@click.argument("execution_id")
@click.option("--message", help="State info recorded with the cancellation.")
@pass_settings
def executions_cancel(settings: Settings, execution_id: str, message: str | None) -> None:
    """Cancel a running or paused execution (and its sub-workflows)."""
    execution_id = _resolve(settings, execution_id)
    remote = settings.remote()
    if remote is not None:
        body: dict[str, Any] = {"state": states.CANCELLED}
        if message is not None:
            body["state_info"] = message
        remote.change_state(execution_id, body)
    else:
        _control(settings, lambda core: core.cancel(execution_id, message))
    click.echo(f"Execution {execution_id} cancelled")


@executions.command("resume")
@click.argument("execution_id")
@click.option("--env", "env_text", help="Values merged into the environment: JSON or @file.")
@click.option(
    "--no-wait", is_flag=True, help="Only change the state; do not run the workflow here."
)
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Stop waiting after this many seconds (the execution is left "
              "to 'levante serve' or an executor).")
@pass_settings
def executions_resume(
    settings: Settings, execution_id: str, env_text: str | None, no_wait: bool,
    output_format: str, timeout: float | None,
) -> None:
    """Resume a paused execution and run it to its end in this process.

    With --url the service runs it, and the command follows it to its end.
    """
    env = load_mapping(env_text, "--env")
    execution_id = _resolve(settings, execution_id)
    remote = settings.remote()
    if remote is not None:
        body = {"state": states.RUNNING, "env": env}
        if no_wait:
            remote.change_state(execution_id, body)
            click.echo(f"Execution {execution_id} resumed")
            return
        drive_remote(
            remote, execution_id, output_format, timeout,
            change=lambda: remote.change_state(execution_id, body),
        )
        return
    if no_wait:
        _control(settings, lambda core: core.resume(execution_id, env))
        click.echo(f"Execution {execution_id} resumed")
        return

    def begin(core: Any) -> str:
        _checked(lambda: core.resume(execution_id, env))
        return execution_id

    drive(settings, output_format, timeout, begin, execution_id)


@executions.command("rerun")
@click.argument("execution_id")
@click.option("--task", "task_name", required=True, help="Name of the failed task to run again.")
@click.option("--reset/--no-reset", default=True, show_default=True,
              help="--no-reset runs only the failed with-items items.")
@click.option("--env", "env_text", help="Values merged into the environment: JSON or @file.")
@click.option("--re-resolve", is_flag=True,
              help="Resolve the action version again instead of reusing the first run's.")
@click.option("--no-wait", is_flag=True, help="Only schedule the rerun; do not run it here.")
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Stop waiting after this many seconds (the execution is left "
              "to 'levante serve' or an executor).")
@pass_settings
def executions_rerun(
    settings: Settings, execution_id: str, task_name: str, reset: bool,
    env_text: str | None, re_resolve: bool, no_wait: bool, output_format: str,
    timeout: float | None,
) -> None:
    """Rerun a failed task; the execution continues from there.

    The task keeps the action version and microversion resolved for its
    first run unless --re-resolve is given.
    """
    env = load_mapping(env_text, "--env")
    execution_id = _resolve(settings, execution_id)
    remote = settings.remote()
    if remote is not None:
        body = {
            "task_name": task_name, "reset": reset, "env": env, "re_resolve": re_resolve
        }
        if no_wait:
            remote.rerun(execution_id, body)
            click.echo(f"Task {task_name} of execution {execution_id} rescheduled")
            return
        drive_remote(
            remote, execution_id, output_format, timeout,
            change=lambda: remote.rerun(execution_id, body),
        )
        return

    _check_task_name(settings, execution_id, task_name)

    def rerun(core: Any) -> None:
        core.rerun(execution_id, task_name, reset=reset, env=env, re_resolve=re_resolve)

    if no_wait:
        _control(settings, rerun)
        click.echo(f"Task {task_name} of execution {execution_id} rescheduled")
        return

    def begin(core: Any) -> str:
        _checked(lambda: rerun(core))
        return execution_id

    drive(settings, output_format, timeout, begin, execution_id)


def _check_task_name(settings: Settings, execution_id: str, task_name: str) -> None:
    """Reject a task name that the execution's workflow does not define.

    The service makes the same check, with the same message.
    """
    from engine.spec.parser import parse

    with settings.database().sessions() as session:
        execution = session.get(Execution, execution_id)
        text, workflow_name = execution.definition, execution.workflow_name
    spec = parse(text).workflows.get(workflow_name)
    if spec is not None and task_name not in spec.tasks:
        raise InvalidInput(
            f"Workflow {spec.name} has no task {task_name!r}; its tasks: "
            f"{', '.join(spec.tasks)}"
        )


def _checked(call: Any) -> None:
    """Run an engine control call, turning its errors into CLI errors."""
    from engine.core import ControlError, ExecutionNotFound

    try:
        call()
    except ExecutionNotFound as error:
        raise execution_not_found(str(error)) from None
    except ControlError as error:
        raise Conflict(str(error)) from None
