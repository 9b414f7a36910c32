"""Write the scenario documents to ``bench/scenarios/`` (or another folder).

Usage: ``python -m bench.generate [--tiny] [--out DIR]``. The runner checks
that the files there match what this module generates, so rerun it after
changing a family.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

from bench.scenarios import Scenario, all_scenarios, tiny_scenarios

#: Folder of the committed scenario documents.
SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"


def write_scenarios(scenarios: Iterable[Scenario], folder: Path) -> list[Path]:
    """Write each scenario's document to ``folder``; return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for scenario in scenarios:
        path = folder / scenario.file_name
        text = scenario.document().text
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        paths.append(path)
    return paths


def stale_files(scenarios: Iterable[Scenario], folder: Path) -> list[str]:
    """Name the scenario files in ``folder`` that are missing or out of date."""
    stale = []
    for scenario in scenarios:
        path = folder / scenario.file_name
        if not path.exists() or path.read_text() != scenario.document().text:
            stale.append(scenario.file_name)
    return stale


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=SCENARIO_DIR,
        help="Folder to write to (default: bench/scenarios).",
    )
    parser.add_argument(
        "--tiny", action="store_true", help="Write the small smoke-test sizes instead."
    )
    args = parser.parse_args(argv)
    scenarios = tiny_scenarios() if args.tiny else all_scenarios()
    for path in write_scenarios(scenarios, args.out):
        print(path)


if __name__ == "__main__":
    main()
