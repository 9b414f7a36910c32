"""``executions list`` tables: workflow names wrap between their words."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from engine.cli import main
from engine.cli.executions import wrap_name

NAMES = ("health_check_report", "nightly_backup_of_all_project_volumes")


@given(
    name=st.text(alphabet="ab_.-/:", min_size=0, max_size=60),
    width=st.integers(min_value=1, max_value=30),
)
def test_wrap_name_keeps_every_character(name: str, width: int) -> None:
    lines = wrap_name(name, width).split("\n")
    assert "".join(lines) == name
    assert all(len(line) <= width for line in lines)
    for line, following in zip(lines, lines[1:], strict=False):
        # A line ends after a separator, or is full because a part between
        # separators is wider than the column.
        ends_at_break = line[-1] in "_.-/:"
        assert ends_at_break or len(line) == width, (line, following)


def test_wrap_name_breaks_after_underscores() -> None:
    assert wrap_name("health_check_report", 11) == "health_\ncheck_\nreport"
    assert wrap_name("health_check_report", 19) == "health_check_report"
    # Cut inside only a part wider than the column.
    assert wrap_name("averyverylongword", 8) == "averyver\nylongwor\nd"
    assert wrap_name("ab_averyverylongword", 8) == "ab_\naveryver\nylongwor\nd"


def test_list_at_80_columns_keeps_words(tmp_path: Path) -> None:
    database = ["--db", str(tmp_path / "cli.sqlite")]
    for name in NAMES:
        path = tmp_path / f"{name}.yaml"
        path.write_text(f"version: '2.0'\n{name}:\n  tasks:\n    t:\n      action: std.noop\n")
        assert CliRunner().invoke(main, [*database, "run", str(path)]).exit_code == 0
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, [*database, "executions", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    # Every word of both names appears whole, each line ending at a '_'.
    cells = [word for line in lines for word in re.findall(r"[a-z]+_?", line)]
    for name in NAMES:
        for word in re.findall(r"[a-z]+_?", name):
            assert word in cells, (word, result.output)
