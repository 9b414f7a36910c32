"""``levante run`` and following an execution to its end, here or remotely."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from engine import states
from engine.cli.arguments import load_mapping, parse_pairs
from engine.cli.errors import (
    EXIT_FAILED,
    EXIT_PAUSED,
    EXIT_SUCCESS,
    EXIT_TIMEOUT,
    InvalidInput,
    NotFound,
    TimedOut,
    Unavailable,
)
from engine.cli.remote import (
    CLOUD_UNAVAILABLE,
    Progress,
    RemoteService,
    in_definition_file,
)
from engine.cli.render import dumps, execution_document, print_execution, styled_state
from engine.cli.settings import OUTPUT_FORMATS, Settings, pass_settings, read_definition


def progress_printer(console: Console) -> Any:
    def on_event(event: str, subject: Any) -> None:
        if event == "task_started" and subject.state == states.RUNNING:
            console.print(f"  [cyan]>[/cyan] {escape(subject.name)}", highlight=False)
        elif event == "task_finished":
            mark = "[green]ok[/green]" if subject.state == states.SUCCESS else "[red]!![/red]"
            line = f"  {mark} {escape(subject.name)} {styled_state(subject.state)}"
            if subject.state == states.ERROR and subject.state_info:
                # Escaped: state info contains brackets such as [action_name=x]
                # that rich would read as markup and drop.
                line += f": {escape(subject.state_info.splitlines()[0])}"
            console.print(line, highlight=False)

    return on_event


class TreeEvents:
    """Pass on only the events of one execution and its sub-workflows.

    The engine of a local command also handles other executions of the
    database, such as those whose action leases expired, and reports their
    events too. ``execution_id`` is the followed execution. When it is None,
    the first top-level execution that starts becomes the followed one,
    because that is the execution that ``run`` starts.
    """

    def __init__(self, listener: Any, execution_id: str | None = None) -> None:
        self.listener = listener
        self.execution_id = execution_id
        #: Per execution id: whether it belongs to the followed tree.
        self._in_tree: dict[str, bool] = {}

    def __call__(self, event: str, subject: Any) -> None:
        if event == "execution_started" and self.execution_id is None:
            if subject.parent_task_id is None:
                self.execution_id = subject.id
            return
        if event.startswith("task_") and self._belongs(subject):
            self.listener(event, subject)

    def _belongs(self, task: Any) -> bool:
        if self.execution_id is None:
            return False
        if task.execution_id == self.execution_id:
            return True
        known = self._in_tree.get(task.execution_id)
        if known is not None:
            return known
        from sqlalchemy.orm import object_session

        from engine.db.models import Execution, TaskExecution

        # The engine's own session, whose transaction may hold rows not yet
        # committed (a sub-workflow started in it).
        session = object_session(task)
        if session is None:
            return False
        # Walk up from the task's execution through the parent tasks.
        chain = []
        execution = session.get(Execution, task.execution_id)
        in_tree = False
        while execution is not None:
            if execution.id == self.execution_id:
                in_tree = True
                break
            known = self._in_tree.get(execution.id)
            if known is not None:
                in_tree = known
                break
            chain.append(execution.id)
            parent_task = (
                session.get(TaskExecution, execution.parent_task_id)
                if execution.parent_task_id
                else None
            )
            execution = (
                session.get(Execution, parent_task.execution_id)
                if parent_task is not None
                else None
            )
        for member in chain:
            self._in_tree[member] = in_tree
        return in_tree


@click.command()
@click.argument("source", metavar="FILE_OR_NAME")
@click.option("--workflow", "-w", "workflow_name", help="Workflow to start when FILE has several.")
@click.option("--input", "input_text", help="Workflow input: a JSON object or @file.json|yaml.")
@click.option("-i", "input_pairs", multiple=True, metavar="KEY=VALUE",
              help="One input value (read as YAML: 3 is a number); repeatable.")
@click.option("--env", "env_text", help="Execution environment: a JSON object or @file.")
@click.option("--task", "task_name",
              help="Target task of a reverse workflow; direct workflows ignore it.")
@click.option("--namespace", default="", help="Namespace of a stored workflow.")
@click.option("--cloud", help="Cloud the actions run on (a clouds.yaml entry or OS_* "
              "variables); actions are resolved for its API versions.")
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table",
              show_default=True, help="Result format.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Stop waiting after this many seconds (the execution is left "
              "to 'levante serve' or an executor).")
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
    cloud: str | None,
    output_format: str,
    timeout: float | None,
) -> None:
    """Run a workflow to its end and print the result.

    FILE_OR_NAME is a definition file, or the name of a workflow stored with
    'levante workflows create'. Exit status: 0 SUCCESS, 1 ERROR or CANCELLED,
    2 invalid definition or input, 3 PAUSED, 4 stored workflow not found,
    6 service or database unavailable, 7 --timeout passed.
    """
    from engine.core import StartError
    from engine.spec.parser import DefinitionError

    remote = settings.remote()
    is_file = Path(source).exists() or source.endswith((".yaml", ".yml"))
    if remote is not None:
        body: dict[str, Any] = {"namespace": namespace}
        if is_file:
            body["definition"] = read_definition(source)
            print_definition_warnings(body["definition"], source)
            if workflow_name:
                body["workflow_name"] = workflow_name
        else:
            body["workflow_name"] = workflow_name or source
        if task_name:
            text = body.get("definition")
            if text is None:
                text = _stored_definition(remote, source, namespace)
            if text is not None:
                warn_if_task_unused(text, body.get("workflow_name"), task_name)
        body["input"] = {**load_mapping(input_text, "--input"),
                         **parse_pairs(input_pairs, "-i")}
        body["env"] = load_mapping(env_text, "--env")
        if task_name:
            body["task_name"] = task_name
        if cloud:
            body["cloud"] = cloud
        try:
            execution_id = remote.start(body)
        except NotFound:
            if is_file:
                raise
            raise _no_such_workflow(source, namespace) from None
        except InvalidInput as error:
            if is_file:
                raise in_definition_file(error, source) from None
            raise
        except Unavailable as error:
            if getattr(error, "api_code", None) == CLOUD_UNAVAILABLE:
                # Without the code suffix of server errors, as locally.
                raise Unavailable(error.api_message) from None  # type: ignore[attr-defined]
            raise
        drive_remote(remote, execution_id, output_format, timeout)
        return
    if is_file:
        text = read_definition(source)
        print_definition_warnings(text, source)
    else:
        from engine import catalog

        with settings.database().sessions() as session:
            # The service also looks in the given namespace first, then the default one.
            for candidate in dict.fromkeys([namespace, ""]):
                row = catalog.find(session, source, candidate)
                if row is not None:
                    break
            if row is None:
                raise _no_such_workflow(source, namespace)
            text = row.definition
        workflow_name = workflow_name or source
    if task_name:
        warn_if_task_unused(text, workflow_name, task_name)
    workflow_input = load_mapping(input_text, "--input")
    workflow_input.update(parse_pairs(input_pairs, "-i"))
    env = load_mapping(env_text, "--env")
    params = {"task_name": task_name} if task_name else {}

    def start(core: Any) -> str:
        try:
            return core.start(
                text, workflow_name, input=workflow_input, env=env, params=params,
                namespace=namespace, cloud=cloud, source=source,
            )
        except DefinitionError as error:
            raise InvalidInput(f"invalid definition in {source}:\n{error}") from None
        except StartError as error:
            raise start_error(error) from None

    drive(settings, output_format, timeout, start)


def start_error(error: Exception) -> click.ClickException:
    """Return the CLI error for a start the engine rejected.

    A cloud missing from clouds.yaml is not found (4), and a cloud whose
    services cannot be discovered is unavailable (6), as for ``plan`` and
    ``clouds discover``. Every other rejection is invalid input (2).
    """
    from registry.errors import CloudNotFound, DiscoveryError

    if isinstance(error.__cause__, CloudNotFound):
        return NotFound(str(error))
    if isinstance(error.__cause__, DiscoveryError):
        return Unavailable(str(error))
    return InvalidInput(str(error))


def _no_such_workflow(source: str, namespace: str) -> NotFound:
    return NotFound(
        f"{source} is neither a file nor a stored workflow in namespace "
        f"{namespace!r}; 'levante workflows list' shows the stored ones"
    )


def _stored_definition(remote: RemoteService, name: str, namespace: str) -> str | None:
    """Return the definition the service starts for ``name``, or None when missing.

    The service looks in ``namespace`` first, then in the default namespace.
    """
    for candidate in dict.fromkeys([namespace, ""]):
        try:
            return str(remote.workflow(name, candidate)["definition"])
        except NotFound:
            continue
    return None


def print_definition_warnings(text: str, source: str) -> None:
    """Print on stderr what the definition's parser warns about.

    An invalid definition prints nothing here; the start reports it.
    """
    from engine.spec.parser import DefinitionError, parse

    try:
        definition = parse(text, source)
    except DefinitionError:
        return
    for warning in definition.warnings:
        click.echo(f"Warning: {warning}", err=True)


def warn_if_task_unused(text: str, workflow_name: str | None, task_name: str) -> None:
    """Warn on stderr when ``--task`` is given for a direct workflow.

    Mistral ignores ``task_name`` for direct workflows and runs them from
    their start tasks, and so does Levante. An invalid definition or an
    unknown workflow is left to the start, which reports it.
    """
    from engine.core import StartError, _pick_workflow
    from engine.spec.parser import DefinitionError, parse

    try:
        spec = _pick_workflow(parse(text), workflow_name)
    except (DefinitionError, StartError):
        return
    if spec.type == "reverse":
        return
    click.echo(
        f"Warning: --task applies only to reverse workflows; {spec.name} is a "
        f"{spec.type} workflow, so it runs from its start tasks and ignores "
        f"--task {task_name}",
        err=True,
    )


def drive(
    settings: Settings,
    output_format: str,
    timeout: float | None,
    begin: Any,
    execution_id: str | None = None,
) -> None:
    """Start or continue an execution in this process and run it to its end.

    ``begin`` receives the engine and returns the execution id to follow;
    ``execution_id`` is that id when it is known before (resume, rerun).
    Prints progress and the result, then exits with the workflow's status.
    """
    from engine.core import EngineCore

    console = Console(stderr=output_format == "json")
    listener = None
    if output_format == "table":
        listener = TreeEvents(progress_printer(console), execution_id)
    core = EngineCore(settings.database(), listener=listener)
    try:
        execution_id = begin(core)
        try:
            execution = core.run(execution_id, timeout=timeout)
        except TimeoutError:
            click.echo(
                f"Error: execution {execution_id} did not finish within {timeout} s. "
                "It stays in the database: a 'levante serve' or 'levante executor' "
                "process on this database takes its actions over once their leases "
                "expire, and 'levante executions show' reports its state.",
                err=True,
            )
            # Record results that already arrived and end the leases of the
            # actions still running, so a service takes them over at once.
            core.drain(grace=0)
            if output_format == "json":
                # -o json prints one document in every case: here the
                # execution as it is now, still running.
                click.echo(dumps(_current_document(settings, execution_id)))
            sys.stdout.flush()
            sys.stderr.flush()
            # Exit at once: actions still running in worker threads would
            # otherwise hold the interpreter until they end.
            os._exit(EXIT_TIMEOUT)
        with settings.database().sessions() as session:
            document = execution_document(session, execution)
    finally:
        core.close()
    if output_format == "json":
        click.echo(dumps(document))
    else:
        print_execution(Console(), document)
    sys.exit(exit_status(document["state"]))


def drive_remote(
    remote: RemoteService,
    execution_id: str,
    output_format: str,
    timeout: float | None,
    change: Callable[[], None] | None = None,
) -> None:
    """Follow an execution of the service to its end, like ``drive``.

    ``change`` (a resume or rerun request) is sent after the tasks that
    already ended are recorded, so that only the tasks it runs are shown.
    """
    console = Console(stderr=output_format == "json")
    progress = None
    if output_format == "table":
        progress = Progress(remote, progress_printer(console))
    if change is not None:
        if progress is not None:
            progress.skip_past(execution_id)
        change()
    try:
        remote.wait(execution_id, timeout, progress)
    except TimeoutError:
        if output_format == "json":
            # -o json prints one document in every case: here the execution
            # as it is now, still running. It is read once, without retries,
            # so that the command ends at --timeout; during an outage of the
            # service only the timeout error is printed.
            try:
                click.echo(dumps(remote.execution_document(execution_id)))
            except Unavailable:
                pass
        raise TimedOut(
            f"execution {execution_id} did not finish within {timeout} s; it goes "
            "on in the service and 'levante executions show' follows it"
        ) from None
    document = remote.following(
        execution_id, None, lambda: remote.execution_document(execution_id)
    )
    if output_format == "json":
        click.echo(dumps(document))
    else:
        print_execution(Console(), document)
    sys.exit(exit_status(document["state"]))


def _current_document(settings: Settings, execution_id: str) -> dict[str, Any]:
    from engine.db.models import Execution

    with settings.database().sessions() as session:
        execution = session.get(Execution, execution_id)
        return execution_document(session, execution)


def exit_status(state: str) -> int:
    if state == states.SUCCESS:
        return EXIT_SUCCESS
    if state == states.PAUSED:
        return EXIT_PAUSED
    return EXIT_FAILED
