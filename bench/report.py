"""Rich tables of run records, comparisons and growth fits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.growth import FamilyFits


def _number(value: float | None, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def _state(record: dict[str, Any]) -> str:
    if record["capped"]:
        return f"[yellow]> {record['cap_seconds']:g} s[/yellow]"
    if record["problems"]:
        return f"[red]{record['state'] or 'FAILED'}[/red]"
    return f"[green]{record['state']}[/green]"


def runs_table(records: Iterable[dict[str, Any]], title: str) -> Table:
    """Build the table of every run: time, throughput, memory and rows."""
    table = Table(title=title, header_style="bold", title_justify="left")
    for column in (
        "scenario",
        "engine",
        "db",
        "state",
        "items",
        "wall s",
        "cpu s",
        "items/s",
        "ms/item",
        "peak RSS MiB",
        "rows",
        "db MiB",
    ):
        justify = "left" if column in ("scenario", "engine", "db", "state") else "right"
        table.add_column(column, justify=justify)
    for record in records:
        size = record["database_bytes"]
        table.add_row(
            record["scenario"],
            record["engine"],
            record["database"],
            _state(record),
            _number(record["work_items"], "d"),
            _number(record["wall_seconds"], ".3f"),
            _number(record["cpu_seconds"], ".3f"),
            _number(record["tasks_per_second"], ".0f"),
            _number(record["per_task_ms"], ".2f"),
            _number(record["peak_rss_mb"], ".0f"),
            _number(record["rows_written"], "d"),
            _number(size / 1024 / 1024 if size is not None else None, ".1f"),
        )
    return table


def comparison_table(pairs: Iterable[dict[str, Any]], scheduler_delay: float) -> Table:
    """Build the table of Mistral's time over Levante's, scenario by scenario."""
    table = Table(
        title=(
            f"Mistral 23.0.0 / Levante (Mistral scheduler delay {scheduler_delay:g} s)"
        ),
        header_style="bold",
        title_justify="left",
    )
    for column in (
        "scenario",
        "levante s",
        "mistral s",
        "ratio",
        "cpu ratio",
        "mistral register s",
    ):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for pair in pairs:
        mistral = (
            "capped"
            if pair["mistral_capped"]
            else _number(pair["mistral_seconds"], ".2f")
        )
        table.add_row(
            pair["scenario"],
            _number(pair["levante_seconds"], ".3f"),
            mistral,
            pair["ratio_text"],
            "-" if pair["cpu_ratio"] is None else f"{pair['cpu_ratio']:.1f}x",
            _number(pair["mistral_setup_seconds"], ".1f"),
        )
    return table


def growth_table(fits: dict[str, FamilyFits]) -> Table:
    """Build the table of linear fits of wall and CPU time against size."""
    table = Table(
        title="Growth (Levante): seconds = slope x size + intercept",
        header_style="bold",
        title_justify="left",
    )
    for column in ("family", "time", "sizes", "ms/item (slope)", "intercept s", "R²"):
        table.add_column(
            column, justify="left" if column in ("family", "time") else "right"
        )
    for family, family_fits in fits.items():
        for name, fit in family_fits.items():
            table.add_row(
                family,
                name,
                ", ".join(str(size) for size in fit.sizes),
                f"{fit.slope * 1000:.3f}",
                f"{fit.intercept:.3f}",
                f"{fit.r_squared:.4f}",
            )
    return table


def print_problems(console: Console, records: Iterable[dict[str, Any]]) -> None:
    """Print each run's problems under the tables."""
    for record in records:
        for problem in record["problems"]:
            console.print(
                f"[red]{record['scenario']} ({record['engine']}):[/red] {problem}",
                highlight=False,
            )
