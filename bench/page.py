"""Render a result file as Markdown tables for the benchmark records page.

Usage: ``python -m bench.page [bench/results/latest.json]``; paste the
output into ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench.run import RESULTS_DIR


def _cell(value: float | None, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def machine_lines(document: dict[str, Any]) -> list[str]:
    machine = document["machine"]
    load = document.get("load_average", {})
    start = ", ".join(f"{value:.1f}" for value in load.get("start", []))
    end = ", ".join(f"{value:.1f}" for value in load.get("end", []))
    return [
        f"Run `{document['name']}` started {document['started_at']}, "
        f"took {document['suite_seconds']:.0f} s.",
        "",
        f"- CPU: {machine['cpu_model']}, {machine['cpu_cores']} cores; "
        f"memory {machine['memory_gib']} GiB; {machine['os']}",
        f"- Python {machine['python']}, SQLite {machine['sqlite']}, "
        f"PostgreSQL {machine['postgresql'] or 'not reached'}; "
        f"Levante commit {machine['levante_commit']} at start, "
        f"{document.get('levante_commit_at_end')} at end",
        f"- Load average (1, 5, 15 min) at start: {start}; at end: {end}",
        f"- Settings: {json.dumps(document['settings'])}",
    ]


def runs_lines(document: dict[str, Any]) -> list[str]:
    lines = [
        "| scenario | engine | state | items | wall s | cpu s | items/s | ms/item "
        "| peak RSS MiB | rows | db MiB |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for record in document["results"]:
        state = record["state"] or "-"
        if record["capped"]:
            state = f"> {record['cap_seconds']:g} s"
        size = record["database_bytes"]
        lines.append(
            f"| {record['scenario']} | {record['engine']} | {state} "
            f"| {_cell(record['work_items'], 'd')} "
            f"| {_cell(record['wall_seconds'], '.3f')} "
            f"| {_cell(record['cpu_seconds'], '.3f')} "
            f"| {_cell(record['tasks_per_second'], '.0f')} "
            f"| {_cell(record['per_task_ms'], '.2f')} "
            f"| {_cell(record['peak_rss_mb'], '.0f')} "
            f"| {_cell(record['rows_written'], 'd')} "
            f"| {_cell(size / 1024 / 1024 if size is not None else None, '.1f')} |"
        )
    return lines


def comparison_lines(document: dict[str, Any]) -> list[str]:
    lines = [
        "| scenario | Levante s | Mistral s | Mistral / Levante | CPU ratio "
        "| Mistral register s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for pair in document["comparisons"]:
        mistral = (
            "capped"
            if pair["mistral_capped"]
            else _cell(pair["mistral_seconds"], ".2f")
        )
        cpu = "-" if pair["cpu_ratio"] is None else f"{pair['cpu_ratio']:.1f}x"
        lines.append(
            f"| {pair['scenario']} | {_cell(pair['levante_seconds'], '.3f')} "
            f"| {mistral} | {pair['ratio_text']} | {cpu} "
            f"| {_cell(pair['mistral_setup_seconds'], '.1f')} |"
        )
    return lines


def growth_lines(document: dict[str, Any]) -> list[str]:
    lines = [
        "| family | time | sizes | ms/item (slope) | intercept s | R² |",
        "| --- | --- | --- | ---: | ---: | ---: |",
    ]
    for family, fits in document["growth"].items():
        for name, fit in fits.items():
            sizes = ", ".join(str(size) for size in fit["sizes"])
            lines.append(
                f"| {family} | {name} | {sizes} | {fit['slope'] * 1000:.3f} "
                f"| {fit['intercept']:.3f} | {fit['r_squared']:.4f} |"
            )
    return lines


def render(document: dict[str, Any]) -> str:
    """Render the machine facts, runs, comparisons and growth fits."""
    sections = [machine_lines(document), runs_lines(document)]
    if document["comparisons"]:
        sections.append(comparison_lines(document))
    if document["growth"]:
        sections.append(growth_lines(document))
    return "\n\n".join("\n".join(lines) for lines in sections) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "result", type=Path, nargs="?", default=RESULTS_DIR / "latest.json"
    )
    args = parser.parse_args(argv)
    print(render(json.loads(args.result.read_text())), end="")


if __name__ == "__main__":
    main()
