"""Linear fits of time against workflow size, and the growth plot.

Each plotted family gets two fits over its sizes: wall time, and the CPU
time of the engine process. CPU time is less disturbed by other load on
the machine, so when the two disagree the CPU fit is the better guide to
how the engine itself grows.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

#: Record keys that are fitted, with the label each gets in tables and plots.
METRICS = {"wall_seconds": "wall", "cpu_seconds": "cpu"}


@dataclass(frozen=True)
class LinearFit:
    """Least-squares line ``seconds = slope * size + intercept``."""

    sizes: list[int]
    seconds: list[float]
    slope: float
    intercept: float
    r_squared: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


#: Fits of one family, by metric label ("wall", "cpu").
FamilyFits = dict[str, LinearFit]


def fit_line(sizes: Sequence[int], seconds: Sequence[float]) -> LinearFit:
    """Fit a line through the points and compute R².

    Raises ValueError with fewer than two distinct sizes.
    """
    if len(set(sizes)) < 2:
        raise ValueError(f"a line needs at least two distinct sizes, got {list(sizes)}")
    # The standard library's least squares, so fitting works without the
    # optional numpy and matplotlib that only the plot needs.
    slope, intercept = statistics.linear_regression(
        [float(size) for size in sizes], [float(value) for value in seconds]
    )
    mean = statistics.fmean(seconds)
    points = zip(sizes, seconds, strict=True)
    residual = sum((value - (slope * size + intercept)) ** 2 for size, value in points)
    total = sum((value - mean) ** 2 for value in seconds)
    r_squared = 1.0 - residual / total if total > 0 else 1.0
    return LinearFit(
        list(sizes), list(seconds), float(slope), float(intercept), r_squared
    )


def fit_families(
    records: Iterable[dict[str, Any]], families: Iterable[str]
) -> dict[str, FamilyFits]:
    """Fit wall and CPU time against size for each family with two sizes or more.

    Only sound Levante records count (no problems, so not capped either).
    """
    selected = set(families)
    points: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        if record["engine"] == "levante" and not record["problems"]:
            if record["family"] in selected:
                points.setdefault(record["family"], []).append(record)
    fits: dict[str, FamilyFits] = {}
    for family, measured in points.items():
        measured.sort(key=lambda record: record["size"])
        sizes = [record["size"] for record in measured]
        if len(set(sizes)) < 2:
            continue
        fits[family] = {
            label: fit_line(sizes, [record[key] for record in measured])
            for key, label in METRICS.items()
            if all(record.get(key) is not None for record in measured)
        }
    return fits


def _fit_label(name: str, fit: LinearFit) -> str:
    return (
        f"{name}: {fit.slope * 1000:.2f} ms/item {fit.intercept:+.2f} s, "
        f"R² = {fit.r_squared:.4f}"
    )


def plot_growth(fits: dict[str, FamilyFits], path: Path, title: str) -> Path:
    """Draw one panel per family: measured points, fitted lines and R²."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    figure, axes = pyplot.subplots(
        1, len(fits), figsize=(5.5 * len(fits), 4.4), squeeze=False
    )
    for axis, (family, family_fits) in zip(axes[0], fits.items(), strict=True):
        for (name, fit), (marker, color) in zip(
            family_fits.items(), [("o", "tab:blue"), ("s", "tab:orange")], strict=False
        ):
            axis.plot(fit.sizes, fit.seconds, marker, color=color)
            ends = [0, max(fit.sizes)]
            axis.plot(
                ends,
                [fit.slope * size + fit.intercept for size in ends],
                "-",
                color=color,
                label=_fit_label(name, fit),
            )
        axis.set_title(family)
        axis.set_xlabel("workflow size (items)")
        axis.set_ylabel("seconds")
        highest = max(max(fit.seconds) for fit in family_fits.values())
        axis.set_xlim(left=0)
        axis.set_ylim(0, highest * 1.2)
        axis.grid(alpha=0.3)
        axis.legend(loc="upper left", fontsize="small")
    figure.suptitle(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    pyplot.close(figure)
    return path
