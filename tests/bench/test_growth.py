"""Linear fits of time against size, and the growth plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.growth import fit_families, fit_line, plot_growth


def run_record(family: str, size: int, **changes: Any) -> dict[str, Any]:
    record = {
        "engine": "levante",
        "family": family,
        "size": size,
        "problems": [],
        "wall_seconds": size / 1000,
        "cpu_seconds": size / 2000,
    }
    return {**record, **changes}


def test_fit_of_line_is_exact() -> None:
    fit = fit_line([100, 200, 400], [0.15, 0.25, 0.45])
    assert fit.slope == pytest.approx(0.001)
    assert fit.intercept == pytest.approx(0.05)
    assert fit.r_squared == pytest.approx(1.0)


def test_quadratic_growth_lowers_r_squared() -> None:
    sizes = [100, 250, 500, 1000, 2000]
    fit = fit_line(sizes, [(size / 1000) ** 2 for size in sizes])
    assert fit.r_squared < 0.99


def test_fit_needs_two_sizes() -> None:
    with pytest.raises(ValueError, match="at least two distinct sizes"):
        fit_line([100, 100], [1.0, 1.1])


def test_families_fit_wall_and_cpu() -> None:
    records = [run_record("chain", size) for size in (500, 100, 250)]
    fits = fit_families(records, ["chain"])
    assert list(fits["chain"]) == ["wall", "cpu"]
    assert fits["chain"]["wall"].sizes == [100, 250, 500]
    assert fits["chain"]["cpu"].slope == pytest.approx(0.0005)


def test_families_skip_unsound_runs() -> None:
    records = [
        run_record("join", 100),
        run_record("join", 200, problems=["capped"]),
        run_record("join", 300, engine="mistral"),
        run_record("chain", 100),
        run_record("chain", 200),
    ]
    fits = fit_families(records, ["join", "chain"])
    assert "join" not in fits
    assert "chain" in fits


def test_families_only_wanted() -> None:
    records = [run_record("nested", size) for size in (2, 3)]
    assert fit_families(records, ["chain"]) == {}


def test_plot_writes_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the plot needs the bench extra (matplotlib)")
    records = [
        run_record(family, size) for family in ("chain", "join") for size in (1, 2, 3)
    ]
    fits = fit_families(records, ["chain", "join"])
    path = plot_growth(fits, tmp_path / "growth.png", "test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
