"""``levante workflows``: store and manage workflow definitions."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from engine.cli.errors import Conflict, InvalidInput, NotFound
from engine.cli.remote import in_definition_file
from engine.cli.render import dumps
from engine.cli.settings import OUTPUT_FORMATS, Settings, pass_settings, read_definition


@click.group()
def workflows() -> None:
    """Store and manage workflow definitions."""


def _store(settings: Settings, files: tuple[str, ...], namespace: str, update: bool) -> None:
    from engine import catalog
    from engine.spec.parser import DefinitionError

    stored: list[Any] = []
    remote = settings.remote()
    if remote is not None:
        for file in files:
            text = read_definition(file)
            try:
                items = remote.store_workflows(text, namespace, update)
            except InvalidInput as error:
                raise in_definition_file(error, file) from None
            except Conflict as error:
                raise Conflict(f"{file}: {error.message}") from None
            except NotFound as error:
                raise NotFound(f"{file}: {error.message}") from None
            for item in items:
                stored.append(SimpleNamespace(name=item["name"], namespace=item["namespace"]))
        _print_stored(stored, update)
        return
    with settings.database().transaction() as session:
        for file in files:
            try:
                stored += catalog.store_definition(
                    session, read_definition(file), namespace=namespace, update=update,
                    source=file,
                )
            except DefinitionError as error:
                raise InvalidInput(f"invalid definition in {file}:\n{error}") from None
            except catalog.WorkflowExists as error:
                raise Conflict(f"{file}: {error}") from None
            except catalog.WorkflowNotFound as error:
                raise NotFound(f"{file}: {error}") from None
    _print_stored(stored, update)


def _print_stored(stored: list[Any], update: bool) -> None:
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

    remote = settings.remote()
    if remote is not None:
        documents = [
            {"id": item["id"], "name": item["name"], "namespace": item["namespace"],
             "tags": item["tags"], "updated_at": _without_utc_mark(item["updated_at"])}
            for item in remote.list_workflows(namespace)
        ]
    else:
        with settings.database().sessions() as session:
            documents = [
                {"id": r.id, "name": r.name, "namespace": r.namespace, "tags": r.tags,
                 "updated_at": r.updated_at.isoformat()}
                for r in catalog.list_workflows(session, namespace)
            ]
    if output_format == "json":
        click.echo(dumps(documents))
        return
    table = Table(show_header=True, header_style="bold")
    for column in ("name", "namespace", "tags", "updated (UTC)"):
        table.add_column(column)
    for document in documents:
        updated = datetime.fromisoformat(document["updated_at"])
        table.add_row(document["name"], document["namespace"],
                      ", ".join(document["tags"] or []),
                      updated.strftime("%Y-%m-%d %H:%M:%S"))
    Console().print(table)


def _without_utc_mark(value: str) -> str:
    return value.removesuffix("Z").removesuffix("+00:00")


@workflows.command("show")
@click.argument("name")
@click.option("--namespace", default="", help="Namespace of the workflow.")
@pass_settings
def workflows_show(settings: Settings, name: str, namespace: str) -> None:
    """Print a stored workflow's definition document."""
    from engine import catalog

    remote = settings.remote()
    if remote is not None:
        try:
            text = remote.workflow(name, namespace)["definition"]
        except NotFound:
            raise _workflow_not_found(name, namespace) from None
    else:
        with settings.database().sessions() as session:
            try:
                text = catalog.get(session, name, namespace).definition
            except catalog.WorkflowNotFound as error:
                raise NotFound(str(error)) from None
    click.echo(text, nl=not text.endswith("\n"))


@workflows.command("delete")
@click.argument("names", nargs=-1, required=True)
@click.option("--namespace", default="", help="Namespace of the workflows.")
@pass_settings
def workflows_delete(settings: Settings, names: tuple[str, ...], namespace: str) -> None:
    """Delete stored workflows (running executions keep their copy)."""
    from engine import catalog

    remote = settings.remote()
    if remote is not None:
        for name in names:
            try:
                remote.delete_workflow(name, namespace)
            except NotFound:
                raise _workflow_not_found(name, namespace) from None
            click.echo(f"Deleted workflow {name}")
        return
    with settings.database().transaction() as session:
        for name in names:
            try:
                catalog.delete(session, name, namespace)
            except catalog.WorkflowNotFound as error:
                raise NotFound(str(error)) from None
    for name in names:
        click.echo(f"Deleted workflow {name}")


def _workflow_not_found(name: str, namespace: str) -> NotFound:
    """Return the error the local commands raise for a missing stored workflow."""
    return NotFound(
        f"Workflow {name} not found in namespace {namespace!r}; "
        "'levante workflows list' shows the stored ones"
    )
