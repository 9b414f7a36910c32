"""Commands of the registry: ``actions``, ``clouds``, ``registry`` and ``plan``.

The ``levante`` group adds the groups ``actions``, ``clouds`` and
``registry`` and the command ``plan``. The registry tables live in the
database of ``levante --db`` (or ``LEVANTE_DB_URL``, or the engine's default
SQLite file), so discovered cloud versions are cached between commands.

Exit status, with the values of the engine commands: 0 on success, 2 for
invalid input or when an action cannot be resolved or a plan has problems, 4
when the action or cloud does not exist, 6 when a cloud cannot be discovered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from registry.errors import (
    ActionNotFound,
    CloudNotFound,
    DiscoveryError,
    InvalidPin,
    InvalidServiceVersion,
)
from registry.registry import Registry
from registry.resolution import Resolution, ResolutionError
from registry.versions import CloudVersions, explicit_versions

OUTPUT_FORMATS = click.Choice(["table", "json"])
# The same values as the engine commands' exit statuses (engine/cli/errors.py);
# defined here because the registry does not import the engine.
_INVALID = 2
_NOT_FOUND = 4
_UNAVAILABLE = 6


class CommandError(click.ClickException):
    """Invalid input, or an action or plan that cannot run (exit status 2)."""

    exit_code = _INVALID


class NotFoundError(click.ClickException):
    """The named action or cloud does not exist (exit status 4)."""

    exit_code = _NOT_FOUND


class CloudError(click.ClickException):
    """A cloud could not be discovered (exit status 6)."""

    exit_code = _UNAVAILABLE


class DatabaseError(click.ClickException):
    """The database has a schema this Levante cannot upgrade (exit status 6)."""

    exit_code = _UNAVAILABLE


def _registry(ctx: click.Context) -> Registry:
    """Return the registry of this command line, built once per invocation."""
    root = ctx.find_root()
    meta_key = "levante.registry"
    if meta_key not in root.meta:
        from engine.db.schema import SchemaMismatch
        from engine.db.setup import default_url, normalize_url

        db_url = getattr(root.obj, "db_url", None) or default_url()
        try:
            root.meta[meta_key] = Registry.from_installed(normalize_url(db_url))
        except SchemaMismatch as error:
            raise DatabaseError(str(error)) from None
    registry: Registry = root.meta[meta_key]
    return registry


def _target(
    cloud: str | None, services: tuple[str, ...], release: str | None
) -> str | CloudVersions:
    if cloud and services:
        raise CommandError("give either --cloud or --service, not both")
    if cloud:
        return cloud
    if services:
        try:
            return explicit_versions(services, release=release)
        except InvalidServiceVersion as exc:
            raise CommandError(str(exc)) from None
    raise CommandError(
        "give --cloud NAME, or --service TYPE=VERSION (repeatable), such as "
        "--service compute=2.60"
    )


def _echo_json(document: Any) -> None:
    click.echo(json.dumps(document, indent=2, sort_keys=True))


def _resolve(registry: Registry, name: str, target: str | CloudVersions) -> Resolution:
    try:
        return registry.resolve(name, target)
    except (InvalidPin, ResolutionError) as exc:
        raise CommandError(str(exc)) from None
    except (ActionNotFound, CloudNotFound) as exc:
        raise NotFoundError(str(exc)) from None
    except DiscoveryError as exc:
        raise CloudError(str(exc)) from None


@click.group("actions")
def actions() -> None:
    """List, show and resolve installed actions."""


@actions.command("list")
@click.option("--service", help="Only actions that require this service type.")
@click.option("--prefix", help="Only actions whose name starts with this text.")
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table")
@click.pass_context
def actions_list(
    ctx: click.Context, service: str | None, prefix: str | None, output_format: str
) -> None:
    """List actions with their versions, services and deprecation."""
    summaries = _registry(ctx).store.list_actions(prefix=prefix, service=service)
    if output_format == "json":
        _echo_json([summary.to_dict() for summary in summaries])
        return
    table = Table(show_header=True, header_style="bold")
    for column in ("action", "versions", "services", "description"):
        table.add_column(column)
    for summary in summaries:
        versions = ", ".join(
            f"{v} (deprecated)" if v in summary.deprecated_versions else v
            for v in summary.versions
        )
        table.add_row(
            summary.name, versions, ", ".join(summary.services), summary.description
        )
    Console().print(table)


@actions.command("show")
@click.argument("name")
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table")
@click.pass_context
def actions_show(ctx: click.Context, name: str, output_format: str) -> None:
    """Show every version of an action with its input and requirements."""
    try:
        versions = _registry(ctx).store.show_action(name)
    except ActionNotFound as exc:
        raise NotFoundError(str(exc)) from None
    if output_format == "json":
        _echo_json({"name": name, "versions": [v.to_dict() for v in versions]})
        return
    console = Console()
    for version in versions:
        console.print(f"[bold]{name} {version.version}[/bold] ({version.plugin})")
        console.print(f"  {version.description}", highlight=False)
        if version.deprecated:
            replacement = version.deprecated.get("replacement")
            note = f"  deprecated: {version.deprecated['reason']}"
            console.print(note + (f"; use {replacement}" if replacement else ""))
        for requirement in version.requirements:
            console.print(
                f"  requires {_requirement_text(requirement)}", highlight=False
            )
        properties = version.input_schema.get("properties", {})
        required = set(version.input_schema.get("required", []))
        for parameter, schema in properties.items():
            mark = (
                "required"
                if parameter in required
                else f"default {schema.get('default')!r}"
            )
            aliases = schema.get("x-aliases")
            if aliases:
                mark += f", alias {', '.join(aliases)}"
            console.print(
                f"  input {parameter}: {_schema_type(schema)}, {mark}", highlight=False
            )


@actions.command("resolve")
@click.argument("name", metavar="NAME[@PIN]")
@click.option("--cloud", help="Named cloud (clouds.yaml or OS_* variables).")
@click.option(
    "--service",
    "services",
    multiple=True,
    metavar="TYPE=VERSION",
    help="A service version instead of a cloud, such as compute=2.60; repeatable.",
)
@click.option("--release", help="OpenStack release of the --service versions.")
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table")
@click.pass_context
def actions_resolve(
    ctx: click.Context,
    name: str,
    cloud: str | None,
    services: tuple[str, ...],
    release: str | None,
    output_format: str,
) -> None:
    """Show which version of an action runs on a cloud, and at which microversions."""
    resolution = _resolve(_registry(ctx), name, _target(cloud, services, release))
    if output_format == "json":
        _echo_json(resolution.to_dict())
        return
    click.echo(
        f"{resolution.action} {resolution.version} ({resolution.descriptor.plugin})"
    )
    if resolution.descriptor.deprecated:
        click.echo(f"  {resolution.descriptor.deprecated.describe()}")
    for service, choice in sorted(resolution.services.items()):
        microversion = choice.microversion or "-"
        click.echo(
            f"  {service}: API version {choice.api_version}, "
            f"microversion {microversion}, endpoint {choice.endpoint or '-'}"
        )


@click.group("clouds")
def clouds() -> None:
    """Discover the API versions of clouds."""


@clouds.command("discover")
@click.argument("cloud")
@click.option("--cached", is_flag=True, help="Reuse versions discovered earlier.")
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table")
@click.pass_context
def clouds_discover(
    ctx: click.Context, cloud: str, cached: bool, output_format: str
) -> None:
    """Authenticate to CLOUD and read the API versions of every service."""
    registry = _registry(ctx)
    try:
        versions = registry.clouds.versions(cloud, refresh=not cached)
    except CloudNotFound as exc:
        raise NotFoundError(str(exc)) from None
    except DiscoveryError as exc:
        raise CloudError(str(exc)) from None
    if output_format == "json":
        _echo_json(versions.to_dict())
        return
    table = Table(show_header=True, header_style="bold")
    for column in ("service", "version", "status", "microversions", "endpoint"):
        table.add_column(column)
    for service, apis in sorted(versions.services.items()):
        for api in apis:
            span = ""
            if api.max_microversion:
                span = f"{api.min_microversion or '?'} to {api.max_microversion}"
            table.add_row(service, api.version, api.status, span, api.endpoint or "")
    console = Console()
    console.print(table)
    for service, reason in sorted(versions.failures.items()):
        console.print(f"[red]{service}[/red]: {reason}", highlight=False)


@click.group("registry")
def registry_group() -> None:
    """Run the registry API and manage its tables."""


@registry_group.command("serve")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on."
)
@click.option("--port", default=8990, show_default=True, type=click.IntRange(1, 65535))
@click.pass_context
def registry_serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the registry REST API until interrupted."""
    import uvicorn

    from registry.api import create_app

    uvicorn.run(create_app(_registry(ctx)), host=host, port=port)


@registry_group.command("refresh")
@click.pass_context
def registry_refresh(ctx: click.Context) -> None:
    """Load the installed plugins and sync them into the registry tables."""
    registry = _registry(ctx)
    click.echo(
        f"{len(registry.catalog.actions)} actions from {len(registry.catalog.plugins)} "
        f"plugins; {len(registry.catalog.failures)} plugins failed"
    )
    for failure in registry.catalog.failures:
        click.echo(f"  failed {failure.name}: {failure.error}")


@click.command("plan")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--cloud", help="Named cloud (clouds.yaml or OS_* variables).")
@click.option(
    "--service",
    "services",
    multiple=True,
    metavar="TYPE=VERSION",
    help="A service version instead of a cloud, such as compute=2.60; repeatable.",
)
@click.option("--release", help="OpenStack release of the --service versions.")
@click.option("-o", "--output", "output_format", type=OUTPUT_FORMATS, default="table")
@click.pass_context
def plan(
    ctx: click.Context,
    file: str,
    cloud: str | None,
    services: tuple[str, ...],
    release: str | None,
    output_format: str,
) -> None:
    """Show what each task of a workflow would call on a cloud, calling nothing.

    Every statically named action is resolved and its literal input checked
    against the chosen version. Exit status 2 when a task cannot run.
    """
    from engine.spec.parser import DefinitionError, parse
    from registry.planning import plan_workflow

    try:
        definition = parse(Path(file).read_text(), source=file)
    except OSError as exc:
        raise CommandError(f"cannot read {file}: {exc.strerror}") from None
    except DefinitionError as exc:
        raise CommandError(f"invalid definition in {file}:\n{exc}") from None
    for warning in definition.warnings:
        click.echo(f"Warning: {warning}", err=True)
    target = _target(cloud, services, release)
    try:
        plans = plan_workflow(definition, target, _registry(ctx))
    except CloudNotFound as exc:
        raise NotFoundError(str(exc)) from None
    except DiscoveryError as exc:
        raise CloudError(str(exc)) from None
    if output_format == "json":
        _echo_json([task.to_dict() for task in plans])
    else:
        for task in plans:
            click.echo(_plan_line(task))
    failing = [task for task in plans if task.problems]
    if failing:
        raise CommandError(f"{len(failing)} of {len(plans)} tasks cannot run")


def _plan_line(task: Any) -> str:
    head = f"{task.workflow}.{task.task}:"
    if task.skipped:
        return f"{head} not checked ({task.skipped})"
    if task.problems:
        problems = "\n    ".join(p.replace("\n", "\n    ") for p in task.problems)
        return f"{head} {task.action} cannot run\n    {problems}"
    resolution = task.resolution
    choices = sorted(resolution.services.items())
    services = ", ".join(_choice_text(name, choice) for name, choice in choices)
    line = f"{head} {resolution.action} {resolution.version}"
    if services:
        line += f" calls {services}"
    if task.input:
        line += f" with {json.dumps(task.input, sort_keys=True)}"
    if task.dynamic_input:
        line += f" (at run time: {', '.join(task.dynamic_input)})"
    return line


def _choice_text(name: str, choice: Any) -> str:
    version = choice.microversion or f"v{choice.major}"
    return f"{name} {version} at {choice.endpoint or '-'}"


def _requirement_text(requirement: dict[str, Any]) -> str:
    text = f"{requirement['service_type']} v{requirement['major']}"
    low, high = requirement.get("min_microversion"), requirement.get("max_microversion")
    if low or high:
        text += f" microversions {low or 'base'} to {high or 'latest offered'}"
    if requirement.get("removed_in"):
        text += f", removed in {requirement['removed_in']}"
    return text


def _schema_type(schema: dict[str, Any]) -> str:
    if "type" in schema:
        return str(schema["type"])
    if "anyOf" in schema:
        return " | ".join(_schema_type(member) for member in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(repr(value) for value in schema["enum"])
    return "any"


@actions.command("matrix")
@click.option(
    "--plugin", help="Only this plugin's actions (a name from 'levante plugins list')."
)
@click.option(
    "--release",
    "releases",
    multiple=True,
    metavar="RELEASE",
    help="Only this OpenStack release; repeatable. Default: every release that "
    "the fake clouds have facts for.",
)
@click.option(
    "-o",
    "--output",
    "output_format",
    type=click.Choice(["table", "markdown", "json"]),
    default="table",
    show_default=True,
)
@click.pass_context
def actions_matrix(
    ctx: click.Context,
    plugin: str | None,
    releases: tuple[str, ...],
    output_format: str,
) -> None:
    """Show which action versions work on which OpenStack releases.

    Each version's service requirements are checked against a fake cloud of
    each release. Where they fit, the plugin's tests marked
    @pytest.mark.levante_action for that version run on that release, from
    the tests folder of the source tree the plugin was installed from.
    Exit status 1 when a test fails or the tests cannot run.
    """
    from testing.matrix import MatrixError, build_matrix

    catalog = _registry(ctx).catalog
    try:
        matrix = build_matrix(
            catalog,
            plugin=plugin,
            releases=releases,
            progress=lambda line: click.echo(line, err=True),
        )
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    except MatrixError as exc:
        raise click.ClickException(str(exc)) from None
    if output_format == "json":
        _echo_json(matrix.to_dict())
    elif output_format == "markdown":
        click.echo(matrix.to_markdown(), nl=False)
    else:
        _print_matrix(matrix)
    if matrix.failed:
        ctx.exit(1)


def _print_matrix(matrix: Any) -> None:
    styles = {
        "passed": "green",
        "failed": "bold red",
        "supported": "yellow",
        "not supported": "dim",
    }
    notes = matrix.notes()
    table = Table(show_header=True, header_style="bold")
    table.add_column("action", no_wrap=True)
    for column in ("version", *matrix.releases):
        table.add_column(column)
    for row in matrix.rows():
        texts = []
        for cell in row:
            number = notes.get(matrix.note_text(cell))
            text = cell.status + (" *" if cell.default else "")
            text += f" [{number}]" if number else ""
            texts.append(f"[{styles[cell.status]}]{escape(text)}[/]")
        table.add_row(row[0].action, row[0].version, *texts)
    console = Console()
    console.print(table)
    console.print("* the version that a task without a pin runs on that release")
    for text, number in notes.items():
        console.print(f"{number}. {text}", highlight=False, markup=False)
