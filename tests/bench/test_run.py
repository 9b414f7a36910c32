"""Runner options: selection, rejected combinations, exit statuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.run import (
    BenchError,
    Options,
    check_options,
    levante_command,
    main,
    mistral_command,
    select_scenarios,
)


def test_only_selects_by_glob() -> None:
    chosen = select_scenarios(Options(patterns=("join-*",), growth=False))
    assert [scenario.name for scenario in chosen] == ["join-100", "join-500"]


def test_full_run_needs_every_scenario() -> None:
    assert Options().full
    assert not Options(patterns=("chain-*",)).full
    assert not Options(tiny=True).full
    assert not Options(growth=False).full


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (Options(compare_mistral=True, database="pg"), "SQLite only"),
        (
            Options(compare_mistral=True, mistral_venv=Path("/nonexistent")),
            "no Mistral virtualenv at /nonexistent",
        ),
        (Options(cap_seconds=0), "--cap must be a positive number"),
        (Options(repeat=0), "--repeat must be at least 1"),
        (Options(mistral_scheduler_delay=0.01), "at least 0.1 s"),
    ],
)
def test_bad_options_rejected(options: Options, message: str) -> None:
    with pytest.raises(BenchError, match=message):
        check_options(options)


def test_cli_unknown_pattern_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["--only", "nothing-*", "--results-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "no scenario matches nothing-*" in result.output
    assert "chain-1000" in result.output


def test_mistral_command_skips_validation() -> None:
    path = Path("chain-5.yaml")
    assert "--no-validate" in mistral_command(Options(), path, None)
    validating = mistral_command(Options(mistral_validate=True), path, "nested")
    assert "--no-validate" not in validating
    assert validating[-2:] == ["--workflow", "nested"]


def test_levante_command_names_database() -> None:
    command = levante_command(Options(database="pg"), Path("join-5.yaml"), None)
    assert command[command.index("--database") + 1] == "postgresql"


def hide_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, *args: object) -> object:
        return None if name == "matplotlib" else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_tiny_run_needs_no_matplotlib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hide_matplotlib(monkeypatch)
    result = CliRunner().invoke(
        main,
        ["--tiny", "--only", "chain-*", "--repeat", "1", "--results-dir", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output


def test_plot_without_matplotlib_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hide_matplotlib(monkeypatch)
    result = CliRunner().invoke(
        main, ["--only", "chain-100", "--results-dir", str(tmp_path), "--plot"]
    )
    assert result.exit_code == 2
    assert "--plot needs matplotlib" in result.output
    assert list(tmp_path.iterdir()) == []
