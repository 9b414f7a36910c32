"""Benchmark runner: ``python -m bench`` (or ``python bench/run.py``).

Runs every scenario in its own process on a fresh database, prints a table,
and writes ``bench/results/<name>.json`` and a growth plot. A full run (all
scenarios, normal sizes) also writes ``latest.json`` and ``latest.png``
(``latest-pg.*`` on PostgreSQL). ``--compare-mistral`` runs the same files
on Mistral 23.0.0 and prints Mistral's time over Levante's.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # started as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import click
from rich.console import Console

from bench import report
from bench.generate import SCENARIO_DIR, stale_files, write_scenarios
from bench.growth import FamilyFits, fit_families, plot_growth
from bench.machine import REPOSITORY, levante_commit, machine_facts
from bench.process import run_child
from bench.records import compare, make_record, only_capped
from bench.scenarios import FAMILIES, Scenario, all_scenarios, tiny_scenarios

RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_MISTRAL_VENV = Path.home() / ".cache/mistral-oracle/venv"
MISTRAL_DRIVER = Path(__file__).resolve().parent / "mistral_driver.py"
#: Name prefix of the temporary folder that contains a tiny run's scenario files.
TINY_PREFIX = "levante-bench-scenarios-"
#: Time a driver gets beyond its cap to start, count rows and exit, in seconds.
DRIVER_GRACE_SECONDS = 120.0


class BenchError(Exception):
    """The benchmark cannot run as asked: bad options or a missing tool."""


@dataclass
class Options:
    """Benchmark settings, one field per command-line option."""

    database: str = "sqlite"
    pg_url: str = DEFAULT_PG_URL
    patterns: tuple[str, ...] = ()
    growth: bool = True
    tiny: bool = False
    cap_seconds: float = 600.0
    repeat: int = 3
    compare_mistral: bool = False
    mistral_venv: Path = DEFAULT_MISTRAL_VENV
    mistral_cap_seconds: float = 300.0
    mistral_scheduler_delay: float = 0.1
    mistral_scope: str = "headline"
    mistral_repeat: int = 1
    mistral_validate: bool = False
    name: str | None = None
    results_dir: Path = RESULTS_DIR
    plot: bool = True

    @property
    def full(self) -> bool:
        """Whether this run covers every scenario at its normal sizes."""
        return not self.tiny and not self.patterns and self.growth


def select_scenarios(options: Options) -> list[Scenario]:
    """Pick the scenarios the options ask for; raise BenchError when none match."""
    candidates = (
        tiny_scenarios() if options.tiny else all_scenarios(growth=options.growth)
    )
    if not options.patterns:
        return candidates
    chosen = [
        scenario
        for scenario in candidates
        if any(fnmatch.fnmatchcase(scenario.name, p) for p in options.patterns)
    ]
    if not chosen:
        names = ", ".join(scenario.name for scenario in candidates)
        raise BenchError(
            f"no scenario matches {', '.join(options.patterns)}; scenarios: {names}"
        )
    return chosen


def check_options(options: Options) -> None:
    """Reject option combinations that cannot run, with what to change."""
    if options.compare_mistral and options.database != "sqlite":
        raise BenchError(
            "--compare-mistral runs Mistral on SQLite only; use it with --db sqlite"
        )
    if options.compare_mistral and not (options.mistral_venv / "bin/python").exists():
        raise BenchError(
            f"no Mistral virtualenv at {options.mistral_venv}: create one with "
            f"'python3 -m venv {options.mistral_venv} && "
            f"{options.mistral_venv}/bin/pip install mistral==23.0.0', "
            "or point MISTRAL_VENV (or --mistral-venv) at one"
        )
    for flag, value in (
        ("--cap", options.cap_seconds),
        ("--mistral-cap", options.mistral_cap_seconds),
    ):
        if value <= 0:
            raise BenchError(
                f"{flag} must be a positive number of seconds, got {value:g}"
            )
    for flag, count in (
        ("--repeat", options.repeat),
        ("--mistral-repeat", options.mistral_repeat),
    ):
        if count < 1:
            raise BenchError(f"{flag} must be at least 1, got {count}")
    if options.mistral_scheduler_delay < 0.1:
        raise BenchError(
            "--mistral-scheduler-delay must be at least 0.1 s, the "
            "smallest value Mistral 23 accepts"
        )


def scenario_folder(options: Options, scenarios: list[Scenario]) -> Path:
    """Return the folder of the scenario files, writing them for tiny runs."""
    if options.tiny:
        folder = Path(tempfile.mkdtemp(prefix=TINY_PREFIX))
        write_scenarios(scenarios, folder)
        return folder
    stale = stale_files(scenarios, SCENARIO_DIR)
    if stale:
        raise BenchError(
            f"scenario files missing or out of date in {SCENARIO_DIR}: "
            f"{', '.join(stale)}; run 'python -m bench.generate'"
        )
    return SCENARIO_DIR


def levante_command(options: Options, path: Path, workflow: str | None) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "bench.levante_driver",
        str(path),
        "--database",
        "postgresql" if options.database == "pg" else "sqlite",
        "--pg-url",
        options.pg_url,
        "--cap",
        str(options.cap_seconds),
    ]
    return command + (["--workflow", workflow] if workflow else [])


def mistral_command(options: Options, path: Path, workflow: str | None) -> list[str]:
    command = [
        str(options.mistral_venv / "bin/python"),
        str(MISTRAL_DRIVER),
        str(path),
        "--cap",
        str(options.mistral_cap_seconds),
        "--scheduler-delay",
        str(options.mistral_scheduler_delay),
    ]
    if not options.mistral_validate:
        command.append("--no-validate")
    return command + (["--workflow", workflow] if workflow else [])


def run_pair(
    options: Options, scenario: Scenario, folder: Path, console: Console
) -> list[dict[str, Any]]:
    """Run one scenario on Levante, and on Mistral when compared."""
    document = scenario.document()
    path = folder / scenario.file_name
    database = "postgresql" if options.database == "pg" else "sqlite"
    children = [
        run_child(
            levante_command(options, path, document.workflow),
            deadline_seconds=options.cap_seconds + DRIVER_GRACE_SECONDS,
            cwd=REPOSITORY,
        )
        for _ in range(options.repeat)
    ]
    levante = make_record(
        scenario, document, "levante", database, children, options.cap_seconds
    )
    console.print(_progress_line(levante), highlight=False)
    records = [levante]
    if options.compare_mistral and (
        options.tiny or options.mistral_scope == "all" or scenario.headline
    ):
        children = []
        for _ in range(options.mistral_repeat):
            children.append(
                run_child(
                    mistral_command(options, path, document.workflow),
                    deadline_seconds=options.mistral_cap_seconds + DRIVER_GRACE_SECONDS,
                    cwd=REPOSITORY,
                )
            )
            if children[-1].killed or (children[-1].result or {}).get("capped"):
                break  # a capped run would only be capped again
        mistral = make_record(
            scenario,
            document,
            "mistral",
            "sqlite",
            children,
            options.mistral_cap_seconds,
        )
        console.print(_progress_line(mistral), highlight=False)
        records.append(mistral)
        pair = compare([levante, mistral])[0]
        console.print(
            f"  {scenario.name}: Mistral / Levante = {pair['ratio_text']}",
            highlight=False,
        )
    return records


def _progress_line(record: dict[str, Any]) -> str:
    wall = record["wall_seconds"]
    timing = f"{wall:.3f} s" if wall is not None else "no time"
    peak = record["peak_rss_mb"]
    memory = f"peak {peak:.0f} MiB" if peak is not None else "peak unknown"
    status = "ok" if not record["problems"] else "; ".join(record["problems"])
    return (
        f"{record['scenario']:<22} {record['engine']:<8} {record['state'] or '-':<8} "
        f"{timing:>12}  {memory}  {status}"
    )


def run_suite(options: Options, console: Console | None = None) -> dict[str, Any]:
    """Run the selected scenarios, print the tables, write the result files.

    Returns the result document (also written as JSON), with the paths of
    the files written under ``files``.
    """
    if console is None:
        # Off a terminal rich falls back to 80 columns, too narrow for the tables.
        console = Console() if sys.stdout.isatty() else Console(width=150)
    check_options(options)
    scenarios = select_scenarios(options)
    # Only the growth sizes give a plot; a tiny run draws none.
    draws_plot = options.plot and options.growth and not options.tiny
    if draws_plot and importlib.util.find_spec("matplotlib") is None:
        # Checked before the runs, so a long suite does not end in an
        # ImportError after the measurements.
        raise BenchError(
            "--plot needs matplotlib: install the bench extra "
            "(pip install -e '.[bench]') or pass --no-plot"
        )
    folder = scenario_folder(options, scenarios)
    started_at = datetime.now(UTC)
    name = (
        options.name
        or started_at.strftime("%Y%m%dT%H%M%SZ")
        + ("-tiny" if options.tiny else "")
        + f"-{options.database}"
    )
    console.print(
        f"Running {len(scenarios)} scenarios on {options.database} from {folder}",
        highlight=False,
    )
    machine = machine_facts(options.pg_url)
    began = time.monotonic()
    load_at_start = list(os.getloadavg())
    records: list[dict[str, Any]] = []
    try:
        for scenario in scenarios:
            records += run_pair(options, scenario, folder, console)
    finally:
        if options.tiny:  # a temporary folder written by scenario_folder
            shutil.rmtree(folder, ignore_errors=True)
    pairs = compare(records)
    plotted = [family.name for family in FAMILIES if family.plotted]
    fits = fit_families(records, plotted)
    document: dict[str, Any] = {
        "name": name,
        "started_at": started_at.isoformat(timespec="seconds"),
        "suite_seconds": round(time.monotonic() - began, 1),
        "full_run": options.full,
        "scenario_folder": str(folder),
        "machine": machine,
        # Other work may commit engine changes while a long run goes on.
        "levante_commit_at_end": levante_commit(),
        # Other processes on the machine disturb wall times; these show how busy it was.
        "load_average": {"start": load_at_start, "end": list(os.getloadavg())},
        "settings": {
            "database": options.database,
            "tiny": options.tiny,
            "patterns": list(options.patterns),
            "growth": options.growth,
            "cap_seconds": options.cap_seconds,
            "repeat": options.repeat,
            "compare_mistral": options.compare_mistral,
            "mistral_cap_seconds": options.mistral_cap_seconds,
            "mistral_scheduler_delay": options.mistral_scheduler_delay,
            "mistral_scope": options.mistral_scope,
            "mistral_repeat": options.mistral_repeat,
            "mistral_validate": options.mistral_validate,
        },
        "results": records,
        "comparisons": pairs,
        "growth": {
            family: {name: fit.as_dict() for name, fit in family_fits.items()}
            for family, family_fits in fits.items()
        },
        "files": [],
    }
    document["files"] = write_results(options, name, document, fits)
    print_tables(console, document, fits, options)
    return document


def write_results(
    options: Options, name: str, document: dict[str, Any], fits: dict[str, FamilyFits]
) -> list[str]:
    """Write the JSON (and plot); copy them to ``latest*`` after a full run."""
    folder = options.results_dir
    folder.mkdir(parents=True, exist_ok=True)
    stems = [name]
    if options.full:
        stems.append("latest" if options.database == "sqlite" else "latest-pg")
    written = [str(folder / f"{stem}.json") for stem in stems]
    if options.plot and fits:
        written += [str(folder / f"{stem}.png") for stem in stems]
    document = {**document, "files": written}
    for stem in stems:
        (folder / f"{stem}.json").write_text(json.dumps(document, indent=2) + "\n")
        if options.plot and fits:
            title = (
                f"Levante time against workflow size ({options.database}, "
                f"{document['machine']['cpu_model']}, "
                f"{document['machine']['cpu_cores']} cores)"
            )
            plot_growth(fits, folder / f"{stem}.png", title)
    return written


def print_tables(
    console: Console,
    document: dict[str, Any],
    fits: dict[str, FamilyFits],
    options: Options,
) -> None:
    records = document["results"]
    console.print(report.runs_table(records, f"Benchmark {document['name']}"))
    if document["comparisons"]:
        console.print(
            report.comparison_table(
                document["comparisons"], options.mistral_scheduler_delay
            )
        )
    if fits:
        console.print(report.growth_table(fits))
    report.print_problems(console, records)
    for path in document["files"]:
        console.print(f"wrote {path}", highlight=False)


def failed_runs(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Runs with problems, leaving out Mistral runs that only hit their cap."""
    return [
        record
        for record in document["results"]
        if record["problems"]
        and not (record["engine"] == "mistral" and only_capped(record))
    ]


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "database",
    type=click.Choice(["sqlite", "pg"]),
    default="sqlite",
    show_default=True,
    help="sqlite: a new file per run; pg: a new schema per run.",
)
@click.option(
    "--pg-url",
    default=lambda: os.environ.get("LEVANTE_BENCH_PG_URL", DEFAULT_PG_URL),
    show_default=DEFAULT_PG_URL,
    help="PostgreSQL database for --db pg (also LEVANTE_BENCH_PG_URL).",
)
@click.option(
    "--only",
    "patterns",
    multiple=True,
    metavar="PATTERN",
    help="Run only scenarios whose name matches this glob; repeatable.",
)
@click.option(
    "--growth/--no-growth",
    default=True,
    show_default=True,
    help="Also run the extra sizes of the growth plot.",
)
@click.option(
    "--tiny",
    is_flag=True,
    help="Run one small instance of each scenario (a smoke run).",
)
@click.option(
    "--cap",
    "cap_seconds",
    type=float,
    default=600.0,
    show_default=True,
    help="Stop a Levante run after this many seconds.",
)
@click.option(
    "--repeat",
    type=int,
    default=3,
    show_default=True,
    help="Runs of each scenario on Levante; the table shows the median.",
)
@click.option(
    "--compare-mistral",
    is_flag=True,
    help="Also run each headline scenario on Mistral 23.0.0.",
)
@click.option(
    "--mistral-venv",
    type=click.Path(path_type=Path),
    default=lambda: os.environ.get("MISTRAL_VENV", str(DEFAULT_MISTRAL_VENV)),
    show_default="$MISTRAL_VENV or ~/.cache/mistral-oracle/venv",
    help="Virtualenv with mistral==23.0.0 installed.",
)
@click.option(
    "--mistral-cap",
    "mistral_cap_seconds",
    type=float,
    default=300.0,
    show_default=True,
    help="Limit in seconds for Mistral to register a definition, and again to run it.",
)
@click.option(
    "--mistral-scheduler-delay",
    type=float,
    default=0.1,
    show_default=True,
    help="Mistral [scheduler] fixed_delay in seconds.",
)
@click.option(
    "--mistral-scope",
    type=click.Choice(["headline", "all"]),
    default="headline",
    show_default=True,
    help="Compare headline scenarios only, or the growth sizes too.",
)
@click.option(
    "--mistral-repeat",
    type=int,
    default=1,
    show_default=True,
    help="Runs of each scenario on Mistral; the median is compared.",
)
@click.option(
    "--mistral-validate/--no-mistral-validate",
    default=False,
    show_default=True,
    help="Let Mistral check each definition against its schema when registering it.",
)
@click.option(
    "--name", default=None, help="Result file stem (default: UTC time and database)."
)
@click.option(
    "--results-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=RESULTS_DIR,
    show_default="bench/results",
    help="Folder for the JSON and PNG files.",
)
@click.option(
    "--plot/--no-plot", default=True, show_default=True, help="Draw the growth plot."
)
def main(**values: Any) -> None:
    """Measure Levante on the benchmark scenarios (and Mistral with --compare-mistral).

    Exit status: 0 when every run succeeded with the expected result, 1 when
    a run failed or was capped (a Mistral run that hit its cap does not
    count), 2 for bad options.
    """
    options = Options(**values)
    try:
        document = run_suite(options)
    except BenchError as error:
        raise click.UsageError(str(error)) from None
    if failed_runs(document):
        sys.exit(1)


if __name__ == "__main__":
    main()
