"""Commands: ``run``, ``validate``, ``executions``, ``plugins``."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from engine import states
from engine.cli.arguments import load_mapping, parse_pairs
from engine.cli.errors import EXIT_FAILED, EXIT_PAUSED, EXIT_SUCCESS, InvalidInput
from engine.cli.render import dumps, execution_document, print_execution, styled_state
from engine.db.models import Execution
from engine.db.setup import DB_URL_ENV, Database

OUTPUT_FORMATS = click.Choice(["table", "json"])


class Settings:
    """Options of the top-level group, shared by every command."""

    def __init__(self, db_url: str | None) -> None:
        self.db_url = db_url
        self._database: Database | None = None

    def database(self) -> Database:
        if self._database is None:
            self._database = Database(self.db_url)
        return self._database


pass_settings = click.make_pass_decorator(Settings)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_url",
    envvar=DB_URL_ENV,
    help="Database URL or SQLite file path (default: "
    "~/.local/share/levante/levante.sqlite; also read from LEVANTE_DB_URL).",
)
@click.option("-v", "--verbose", count=True, help="Log more (-v info, -vv debug).")
@click.version_option(package_name="levante")
@click.pass_context
def main(ctx: click.Context, db_url: str | None, verbose: int) -> None:
    """Levante: run Mistral v2 workflows."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = Settings(db_url)


def read_definition(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror}") from None


def progress_printer(console: Console) -> Any:
    def on_event(event: str, subject: Any) -> None:
        if event == "task_started" and subject.state == states.RUNNING:
            console.print(f"  [cyan]>[/cyan] {subject.name}", highlight=False)
        elif event == "task_finished":
            mark = "[green]ok[/green]" if subject.state == states.SUCCESS else "[red]!![/red]"
            line = f"  {mark} {subject.name} {styled_state(subject.state)}"
            if subject.state == states.ERROR and subject.state_info:
                line += f": {subject.state_info.splitlines()[0]}"
            console.print(line, highlight=False)

    return on_event


@main.command()
@click.argument("source", metavar="FILE_OR_NAME")
@click.option("--workflow", "-w", "workflow_name", help="Workflow to start when FILE has several.")
@click.option("--input", "input_text", help="Workflow input: a JSON object or @file.json|yaml.")
@click.option("-i", "input_pairs", multiple=True, metavar="KEY=VALUE",
              help="One input value (read as YAML: 3 is a number); repeatable.")
@click.option("--env", "env_text", help="Execution environment: a JSON object or @file.")
@click.option("--task", "task_name", help="Target task of a reverse workflow.")
@click.option("--namespace", default="", help="Namespace of a stored workflow.")
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table",
              show_default=True, help="Result format.")
@click.option("--timeout", type=float, default=None, help="Give up after this many seconds.")
@pass_settings
def run(
    settings: Settings,
    source: str,
    workflow_name: str | None,
    input_text: str | None,
    input_pairs: tuple[str, ...],
    env_text: str | None,
    task_name: str | None,
    namespace: str,
    output_format: str,
    timeout: float | None,
) -> None:
    """Run a workflow to its end and print the result.

    FILE_OR_NAME is a definition file, or the name of a workflow stored with
    'levante workflows create'. Exit status: 0 SUCCESS, 1 ERROR or CANCELLED,
    2 invalid definition or input, 3 PAUSED.
    """
    from engine.core import StartError
    from engine.spec.parser import DefinitionError

    if Path(source).exists() or source.endswith((".yaml", ".yml")):
        text = read_definition(source)
    else:
        from engine import catalog

        with settings.database().sessions() as session:
            row = catalog.find(session, source, namespace)
            if row is None:
                raise InvalidInput(
                    f"{source} is neither a file nor a stored workflow in namespace "
                    f"{namespace!r}; 'levante workflows list' shows the stored ones"
                )
            text = row.definition
        workflow_name = workflow_name or source
    workflow_input = load_mapping(input_text, "--input")
    workflow_input.update(parse_pairs(input_pairs, "-i"))
    env = load_mapping(env_text, "--env")
    params = {"task_name": task_name} if task_name else {}

    def start(core: Any) -> str:
        try:
            return core.start(
                text, workflow_name, input=workflow_input, env=env, params=params,
                namespace=namespace,
            )
        except DefinitionError as error:
            raise InvalidInput(f"invalid definition in {source}:\n{error}") from None
        except StartError as error:
            raise InvalidInput(str(error)) from None

    drive(settings, output_format, timeout, start)


def drive(
    settings: Settings,
    output_format: str,
    timeout: float | None,
    begin: Any,
) -> None:
    """Start or continue an execution in this process and run it to its end.

    ``begin`` receives the engine and returns the execution id to follow.
    Prints progress and the result, then exits with the workflow's status.
    """
    from engine.core import EngineCore

    console = Console(stderr=output_format == "json")
    listener = progress_printer(console) if output_format == "table" else None
    core = EngineCore(settings.database(), listener=listener)
    try:
        execution_id = begin(core)
        try:
            execution = core.run(execution_id, timeout=timeout)
        except TimeoutError:
            raise click.ClickException(
                f"execution {execution_id} did not finish within {timeout} s; it "
                "stays in the database and 'levante executions show' follows it"
            ) from None
        with settings.database().sessions() as session:
            document = execution_document(session, execution)
    finally:
        core.close()
    if output_format == "json":
        click.echo(dumps(document))
    else:
        print_execution(Console(), document)
    sys.exit(exit_status(document["state"]))


def exit_status(state: str) -> int:
    if state == states.SUCCESS:
        return EXIT_SUCCESS
    if state == states.PAUSED:
        return EXIT_PAUSED
    return EXIT_FAILED


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check workflow definitions without running them."""
    from engine.spec.parser import DefinitionError, parse

    failed = False
    for file in files:
        try:
            definition = parse(read_definition(file), source=file)
        except DefinitionError as error:
            click.echo(f"{file}: invalid\n{error}", err=True)
            failed = True
            continue
        names = ", ".join(definition.workflows) or "no workflows"
        click.echo(f"{file}: valid ({names})")
    if failed:
        raise SystemExit(2)


@main.group()
def executions() -> None:
    """Inspect workflow executions."""


@executions.command("list")
@click.option("--state", help="Only executions in this state (SUCCESS, ERROR, ...).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table")
@pass_settings
def executions_list(
    settings: Settings, state: str | None, limit: int, output_format: str
) -> None:
    """List top-level executions, newest first."""
    with settings.database().sessions() as session:
        query = select(Execution).where(Execution.parent_task_id.is_(None))
        if state:
            query = query.where(Execution.state == state.upper())
        rows = session.scalars(query.order_by(Execution.created_at.desc()).limit(limit)).all()
    if output_format == "json":
        click.echo(dumps([
            {
                "id": row.id,
                "workflow": row.workflow_name,
                "state": row.state,
                "created_at": row.created_at.isoformat(),
                "finished_at": row.finished_at.isoformat() if row.finished_at else None,
            }
            for row in rows
        ]))
        return
    table = Table(show_header=True, header_style="bold")
    for column in ("id", "workflow", "state", "created (UTC)", "duration"):
        table.add_column(column)
    for row in rows:
        duration = ""
        if row.finished_at:
            duration = f"{(row.finished_at - row.created_at).total_seconds():.2f}s"
        table.add_row(row.id, row.workflow_name, styled_state(row.state),
                      row.created_at.strftime("%Y-%m-%d %H:%M:%S"), duration)
    Console().print(table)


@executions.command("show")
@click.argument("execution_id")
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table")
@pass_settings
def executions_show(settings: Settings, execution_id: str, output_format: str) -> None:
    """Show one execution with its tasks, published values and errors."""
    with settings.database().sessions() as session:
        execution = session.get(Execution, execution_id)
        if execution is None:
            execution = _find_by_prefix(session, execution_id)
        document = execution_document(session, execution)
    if output_format == "json":
        click.echo(dumps(document))
    else:
        print_execution(Console(), document)


def _find_by_prefix(session: Any, prefix: str) -> Execution:
    matches = session.scalars(
        select(Execution).where(Execution.id.like(f"{prefix}%")).limit(2)
    ).all()
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise click.ClickException(f"execution {prefix} not found")
    raise click.ClickException(f"execution id prefix {prefix} is ambiguous")


@main.group()
def plugins() -> None:
    """Inspect installed action plugins."""


@plugins.command("list")
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table")
def plugins_list(output_format: str) -> None:
    """List loaded plugins with their actions, and plugins that failed."""
    from registry.discovery import load_plugins

    catalog = load_plugins()
    if output_format == "json":
        click.echo(dumps({
            "plugins": [
                {"name": p.name, "version": getattr(p, "version", None),
                 "actions": list(p.actions)}
                for p in catalog.plugins
            ],
            "failures": [
                {"name": f.name, "error": f.error} for f in catalog.failures
            ],
        }))
        return
    table = Table(show_header=True, header_style="bold")
    for column in ("plugin", "version", "actions"):
        table.add_column(column)
    for plugin in catalog.plugins:
        table.add_row(plugin.name, str(getattr(plugin, "version", "") or ""),
                      ", ".join(plugin.actions))
    console = Console()
    console.print(table)
    for failure in catalog.failures:
        console.print(f"[red]failed[/red] {failure.name}: {failure.error}", highlight=False)





def _control(settings: Settings, action: Any) -> None:
    from engine.core import ControlError, EngineCore, ExecutionNotFound

    core = EngineCore(settings.database())
    try:
        action(core)
    except (ControlError, ExecutionNotFound) as error:
        raise click.ClickException(str(error)) from None
    finally:
        core.close()


@executions.command("pause")
@click.argument("execution_id")
@pass_settings
def executions_pause(settings: Settings, execution_id: str) -> None:
    """Pause a running execution (and its sub-workflows)."""
    _control(settings, lambda core: core.pause(execution_id))
    click.echo(f"Execution {execution_id} paused")


@executions.command("cancel")
@click.argument("execution_id")
@click.option("--message", help="State info recorded with the cancellation.")
@pass_settings
def executions_cancel(settings: Settings, execution_id: str, message: str | None) -> None:
    """Cancel a running or paused execution (and its sub-workflows)."""
    _control(settings, lambda core: core.cancel(execution_id, message))
    click.echo(f"Execution {execution_id} cancelled")


@executions.command("resume")
@click.argument("execution_id")
@click.option("--env", "env_text", help="Values merged into the environment: JSON or @file.")
@click.option("--no-wait", is_flag=True, help="Only change the state; do not run the workflow here.")
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table")
@click.option("--timeout", type=float, default=None, help="Give up after this many seconds.")
@pass_settings
def executions_resume(
    settings: Settings, execution_id: str, env_text: str | None, no_wait: bool,
    output_format: str, timeout: float | None,
) -> None:
    """Resume a paused execution and run it to its end in this process."""
    env = load_mapping(env_text, "--env")
    if no_wait:
        _control(settings, lambda core: core.resume(execution_id, env))
        click.echo(f"Execution {execution_id} resumed")
        return

    def begin(core: Any) -> str:
        _checked(lambda: core.resume(execution_id, env))
        return execution_id

    drive(settings, output_format, timeout, begin)


@executions.command("rerun")
@click.argument("execution_id")
@click.option("--task", "task_name", required=True, help="Name of the failed task to run again.")
@click.option("--reset/--no-reset", default=True, show_default=True,
              help="--no-reset runs only the failed with-items items.")
@click.option("--env", "env_text", help="Values merged into the environment: JSON or @file.")
@click.option("--no-wait", is_flag=True, help="Only schedule the rerun; do not run it here.")
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table")
@click.option("--timeout", type=float, default=None, help="Give up after this many seconds.")
@pass_settings
def executions_rerun(
    settings: Settings, execution_id: str, task_name: str, reset: bool,
    env_text: str | None, no_wait: bool, output_format: str, timeout: float | None,
) -> None:
    """Rerun a failed task; the execution continues from there."""
    env = load_mapping(env_text, "--env")

    def rerun(core: Any) -> None:
        core.rerun(execution_id, task_name, reset=reset, env=env)

    if no_wait:
        _control(settings, rerun)
        click.echo(f"Task {task_name} of execution {execution_id} rescheduled")
        return

    def begin(core: Any) -> str:
        _checked(lambda: rerun(core))
        return execution_id

    drive(settings, output_format, timeout, begin)


def _checked(call: Any) -> None:
    from engine.core import ControlError, ExecutionNotFound

    try:
        call()
    except (ControlError, ExecutionNotFound) as error:
        raise click.ClickException(str(error)) from None


@main.group()
def workflows() -> None:
    """Store and manage workflow definitions."""


def _store(settings: Settings, files: tuple[str, ...], namespace: str, update: bool) -> None:
    from engine import catalog
    from engine.spec.parser import DefinitionError

    stored = []
    with settings.database().transaction() as session:
        for file in files:
            try:
                stored += catalog.store_definition(
                    session, read_definition(file), namespace=namespace, update=update
                )
            except DefinitionError as error:
                raise InvalidInput(f"invalid definition in {file}:\n{error}") from None
            except (catalog.WorkflowExists, catalog.WorkflowNotFound) as error:
                raise click.ClickException(f"{file}: {error}") from None
    for item in stored:
        click.echo(f"{'Updated' if update else 'Created'} workflow {item.name}"
                   + (f" in namespace {item.namespace}" if item.namespace else ""))


@workflows.command("create")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--namespace", default="", help="Namespace to store the workflows in.")
@pass_settings
def workflows_create(settings: Settings, files: tuple[str, ...], namespace: str) -> None:
    """Store the workflows of one or more definition files."""
    _store(settings, files, namespace, update=False)


@workflows.command("update")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--namespace", default="", help="Namespace of the stored workflows.")
@pass_settings
def workflows_update(settings: Settings, files: tuple[str, ...], namespace: str) -> None:
    """Replace stored workflows with the definitions in the files."""
    _store(settings, files, namespace, update=True)


@workflows.command("list")
@click.option("--namespace", default=None, help="Only this namespace.")
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table")
@pass_settings
def workflows_list(settings: Settings, namespace: str | None, output_format: str) -> None:
    """List stored workflows."""
    from engine import catalog

    with settings.database().sessions() as session:
        rows = catalog.list_workflows(session, namespace)
    if output_format == "json":
        click.echo(dumps([
            {"id": r.id, "name": r.name, "namespace": r.namespace, "tags": r.tags,
             "updated_at": r.updated_at.isoformat()}
            for r in rows
        ]))
        return
    table = Table(show_header=True, header_style="bold")
    for column in ("name", "namespace", "tags", "updated (UTC)"):
        table.add_column(column)
    for r in rows:
        table.add_row(r.name, r.namespace, ", ".join(r.tags or []),
                      r.updated_at.strftime("%Y-%m-%d %H:%M:%S"))
    Console().print(table)


@workflows.command("show")
@click.argument("name")
@click.option("--namespace", default="", help="Namespace of the workflow.")
@pass_settings
def workflows_show(settings: Settings, name: str, namespace: str) -> None:
    """Print a stored workflow's definition document."""
    from engine import catalog

    with settings.database().sessions() as session:
        try:
            row = catalog.get(session, name, namespace)
        except catalog.WorkflowNotFound as error:
            raise click.ClickException(str(error)) from None
    click.echo(row.definition, nl=not row.definition.endswith("\n"))


@workflows.command("delete")
@click.argument("names", nargs=-1, required=True)
@click.option("--namespace", default="", help="Namespace of the workflows.")
@pass_settings
def workflows_delete(settings: Settings, names: tuple[str, ...], namespace: str) -> None:
    """Delete stored workflows (running executions keep their copy)."""
    from engine import catalog

    with settings.database().transaction() as session:
        for name in names:
            try:
                catalog.delete(session, name, namespace)
            except catalog.WorkflowNotFound as error:
                raise click.ClickException(str(error)) from None
    for name in names:
        click.echo(f"Deleted workflow {name}")
