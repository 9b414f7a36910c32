"""The ``levante`` group: global options, ``validate`` and ``plugins``.

The other commands live in a module per noun (``running``, ``executions``,
``workflows``, ``service``). With ``--url`` (or LEVANTE_URL) the ``run``,
``executions`` and ``workflows`` commands work against a running service
instead of the database, with the same output.
"""

from __future__ import annotations

import logging
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from engine.cli.errors import EXIT_INVALID, InvalidInput
from engine.cli.executions import executions
from engine.cli.remote import TOKEN_ENV, URL_ENV
from engine.cli.render import dumps
from engine.cli.running import run
from engine.cli.service import api, serve
from engine.cli.settings import OUTPUT_FORMATS, Settings, read_definition
from engine.cli.workflows import workflows
from engine.db.setup import DB_URL_ENV


class LevanteGroup(click.Group):
    """The top-level group; it reports an invalid action settings file as a usage error."""

    def invoke(self, ctx: click.Context) -> Any:
        from engine.action_settings import ActionSettingsError

        try:
            return super().invoke(ctx)
        except ActionSettingsError as error:
            raise InvalidInput(str(error)) from None


@click.group(cls=LevanteGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_url",
    envvar=DB_URL_ENV,
    help="Database URL or SQLite file path (default: "
    "~/.local/share/levante/levante.sqlite; also read from LEVANTE_DB_URL).",
)
@click.option(
    "--url",
    envvar=URL_ENV,
    help="URL of a running Levante service (levante serve); run, executions and "
    "workflows commands then work against it instead of the database.",
)
@click.option(
    "--token",
    envvar=TOKEN_ENV,
    help="Bearer token for the service given by --url (also read from "
    "LEVANTE_TOKEN).",
)
@click.option("-v", "--verbose", count=True, help="Log more (-v info, -vv debug).")
@click.version_option(package_name="levante")
@click.pass_context
def main(
    ctx: click.Context,
    db_url: str | None,
    url: str | None,
    token: str | None,
    verbose: int,
) -> None:
    """Levante: run Mistral v2 workflows."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = Settings(db_url, url, token)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table",
              help="json: one document with each file's validity, errors and "
              "workflows.")
def validate(files: tuple[str, ...], output_format: str) -> None:
    """Check workflow definitions without running them.

    Checks the syntax only: `levante plan FILE --service TYPE=VERSION` (or
    --cloud NAME) also checks action names and parameters against the
    installed actions. Exit status: 0 when every file is valid, 2 otherwise.
    """
    checked = [_validate_file(file) for file in files]
    valid = all(entry["valid"] for entry, _ in checked)
    if output_format == "json":
        click.echo(dumps({"valid": valid, "files": [entry for entry, _ in checked]}))
    else:
        for entry, message in checked:
            if entry["valid"]:
                names = ", ".join(entry["workflows"]) or "no workflows"
                click.echo(f"{entry['file']}: valid ({names})")
                for line in message.splitlines():
                    click.echo(f"Warning: {line}", err=True)
            else:
                click.echo(f"{entry['file']}: invalid\n{message}", err=True)
    if not valid:
        raise SystemExit(EXIT_INVALID)


def _validate_file(file: str) -> tuple[dict[str, Any], str]:
    """Parse one file; return its ``validate -o json`` entry and the message text.

    Each error of the entry has the 1-based ``line`` (None when unknown),
    the ``field`` (the key it concerns, or None), the workflow, ad-hoc
    action and task it is in, and the ``message``.
    """
    from engine.spec.parser import DefinitionError, parse

    try:
        definition = parse(read_definition(file), source=file)
    except InvalidInput as error:
        unreadable = {"line": None, "field": None, "workflow": None, "action": None,
                      "task": None, "message": error.message}
        entry = {"file": file, "valid": False, "workflows": [], "errors": [unreadable],
                 "warnings": []}
        return entry, error.message
    except DefinitionError as error:
        issues = [
            {"line": issue.line, "field": issue.key, "workflow": issue.workflow,
             "action": issue.action, "task": issue.task, "message": issue.message}
            for issue in error.issues
        ]
        entry = {"file": file, "valid": False, "workflows": [], "errors": issues,
                 "warnings": []}
        return entry, str(error)
    warnings = [
        {"line": issue.line, "field": issue.key, "workflow": issue.workflow,
         "action": issue.action, "task": issue.task, "message": issue.message}
        for issue in definition.warnings
    ]
    entry = {"file": file, "valid": True, "workflows": list(definition.workflows),
             "errors": [], "warnings": warnings}
    return entry, "\n".join(str(issue) for issue in definition.warnings)


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


main.add_command(run)
main.add_command(executions)
main.add_command(workflows)
main.add_command(serve)
main.add_command(api)
