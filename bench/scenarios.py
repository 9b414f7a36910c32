"""Benchmark scenarios: workflow documents generated at any size.

Each family builds one Mistral v2 document from a size. A ``Scenario`` is a
family at one size, with what a correct run must show: the number of work
items (action runs plus sub-workflow runs) and, where the workflow computes
something, its output. Both engines write one action execution per action
run and one workflow execution per sub-workflow, so the count comes from the
database of either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Size of the value that the ``big-value`` family carries (1 MiB).
BIG_VALUE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Document:
    """A generated workflow document and what a correct run of it shows."""

    text: str
    #: Action runs plus sub-workflow runs that a successful run makes.
    work_items: int
    #: Workflow to start when the document defines several.
    workflow: str | None = None
    #: Workflow output that a successful run returns, when it is checked.
    output: dict[str, Any] | None = None


@dataclass(frozen=True)
class Family:
    """A kind of workflow, generated at several sizes."""

    name: str
    description: str
    build: Callable[[int], Document]
    #: Sizes measured in a full run.
    sizes: tuple[int, ...]
    #: Sizes that have their own row in the results table; the others only
    #: feed the growth plot.
    headline_sizes: tuple[int, ...]
    #: Size used by the smoke run (``--tiny``).
    tiny_size: int
    #: Whether the growth plot shows this family.
    plotted: bool = False


@dataclass(frozen=True)
class Scenario:
    """One family at one size; ``name`` is also the file stem."""

    family: Family
    size: int

    @property
    def name(self) -> str:
        return f"{self.family.name}-{self.size}"

    @property
    def file_name(self) -> str:
        return f"{self.name}.yaml"

    @property
    def headline(self) -> bool:
        return self.size in self.family.headline_sizes

    def document(self) -> Document:
        return self.family.build(self.size)


def _header(name: str, output: str | None = None) -> list[str]:
    lines = ["---", "version: '2.0'", "", f"{name}:"]
    if output:
        lines += ["  output:", f"    {output}"]
    lines.append("  tasks:")
    return lines


def _text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def build_chain(size: int) -> Document:
    """Build ``size`` std.noop tasks, each started by the one before it."""
    lines = _header("chain")
    for index in range(size):
        next_task = f", on-success: t{index + 1}" if index + 1 < size else ""
        lines.append(f"    t{index}: {{action: std.noop{next_task}}}")
    return Document(_text(lines), work_items=size)


def build_join(size: int) -> Document:
    """Build a start task, ``size`` parallel branches and one ``join: all``."""
    branches = ", ".join(f"b{index}" for index in range(size))
    lines = _header("join")
    lines.append(f"    start: {{action: std.noop, on-success: [{branches}]}}")
    for index in range(size):
        lines.append(f"    b{index}: {{action: std.noop, on-success: joined}}")
    lines.append("    joined: {action: std.noop, join: all}")
    return Document(_text(lines), work_items=size + 2)


def _with_items(size: int, concurrency: int | None) -> Document:
    lines = _header("with_items", output="count: <% $.count %>")
    lines += [
        "    items:",
        f"      with-items: index in <% range(0, {size}) %>",
        "      action: std.echo output=<% $.index %>",
    ]
    if concurrency is not None:
        lines.append(f"      concurrency: {concurrency}")
    lines += ["      publish:", "        count: <% task().result.len() %>"]
    return Document(_text(lines), work_items=size, output={"count": size})


def build_with_items(size: int) -> Document:
    """Build one task that runs std.echo over ``size`` items at once."""
    return _with_items(size, None)


def build_with_items_limited(size: int) -> Document:
    """Build one task that runs std.echo over ``size`` items, 10 at a time."""
    return _with_items(size, 10)


def build_publish_fan(size: int) -> Document:
    """Build ``size`` parallel tasks that publish a value each, and a join.

    The join sums every published value, so its output checks that each
    branch's value reached it.
    """
    branches = ", ".join(f"b{index}" for index in range(size))
    values = ", ".join(f"$.value_{index}" for index in range(size))
    lines = _header("publish_fan", output="total: <% $.total %>")
    lines.append(f"    start: {{action: std.noop, on-success: [{branches}]}}")
    for index in range(size):
        lines += [
            f"    b{index}:",
            "      action: std.noop",
            f"      publish: {{value_{index}: <% {index} * 2 %>}}",
            "      on-success: collect",
        ]
    lines += [
        "    collect:",
        "      action: std.noop",
        "      join: all",
        f"      publish: {{total: '<% [{values}].sum() %>'}}",
    ]
    total = sum(index * 2 for index in range(size))
    return Document(_text(lines), work_items=size + 2, output={"total": total})


def build_nested(width: int) -> Document:
    """Build three levels of sub-workflows, ``width`` children at each level.

    The top workflow starts ``width`` middle workflows, each starts ``width``
    leaf workflows, and each leaf runs ``width`` std.noop tasks in parallel.
    """
    levels = [
        ("nested", "workflow: nested_middle"),
        ("nested_middle", "workflow: nested_leaf"),
        ("nested_leaf", "action: std.noop"),
    ]
    lines = ["---", "version: '2.0'"]
    for name, call in levels:
        lines += ["", f"{name}:", "  tasks:"]
        lines += [f"    c{index}: {{{call}}}" for index in range(width)]
    work_items = width + width**2 + width**3
    return Document(_text(lines), work_items=work_items, workflow="nested")


def build_mixed(size: int) -> Document:
    """Build ``size`` parallel chains of ``size`` tasks between a fan and a join.

    At size 100 the workflow has 10,002 tasks: the start task, 100 chains of
    100 and the final ``join: all``.
    """
    heads = ", ".join(f"c{chain}_0" for chain in range(size))
    lines = _header("mixed")
    lines.append(f"    start: {{action: std.noop, on-success: [{heads}]}}")
    for chain in range(size):
        for step in range(size):
            following = f"c{chain}_{step + 1}" if step + 1 < size else "finish"
            lines.append(
                f"    c{chain}_{step}: {{action: std.noop, on-success: {following}}}"
            )
    lines.append("    finish: {action: std.noop, join: all}")
    return Document(_text(lines), work_items=size * size + 2)


def build_big_value(size: int) -> Document:
    """Build a chain of ``size`` tasks that all read one 1 MiB published value.

    The first task publishes the value; every later task reads it and
    publishes its length, so the value stays in the context of each task.
    """
    lines = _header("big_value", output="length: <% $.length %>")
    for index in range(size):
        lines += [f"    t{index}:", "      action: std.noop"]
        if index == 0:
            lines.append(f"      publish: {{blob: <% 'x' * {BIG_VALUE_BYTES} %>}}")
        else:
            lines.append("      publish: {length: <% $.blob.len() %>}")
        if index + 1 < size:
            lines.append(f"      on-success: t{index + 1}")
    return Document(_text(lines), work_items=size, output={"length": BIG_VALUE_BYTES})


FAMILIES: tuple[Family, ...] = (
    Family(
        "chain",
        "std.noop tasks in sequence",
        build_chain,
        sizes=(100, 250, 500, 1000, 2000),
        headline_sizes=(1000,),
        tiny_size=5,
        plotted=True,
    ),
    Family(
        "join",
        "parallel std.noop branches into one join: all",
        build_join,
        sizes=(100, 250, 500, 1000),
        headline_sizes=(100, 500),
        tiny_size=5,
        plotted=True,
    ),
    Family(
        "with-items",
        "one task with-items over N items, no concurrency limit",
        build_with_items,
        sizes=(100, 250, 500, 1000, 2000),
        headline_sizes=(1000,),
        tiny_size=5,
        plotted=True,
    ),
    Family(
        "with-items-c10",
        "one task with-items over N items, concurrency: 10",
        build_with_items_limited,
        sizes=(1000,),
        headline_sizes=(1000,),
        tiny_size=15,
    ),
    Family(
        "publish-fan",
        "N parallel tasks each publishing a value, summed by a join",
        build_publish_fan,
        sizes=(100,),
        headline_sizes=(100,),
        tiny_size=5,
    ),
    Family(
        "nested",
        "3 levels of sub-workflows, N children each (N^3 leaf tasks)",
        build_nested,
        sizes=(10,),
        headline_sizes=(10,),
        tiny_size=2,
    ),
    Family(
        "mixed",
        "N parallel chains of N tasks between a fan and a join",
        build_mixed,
        sizes=(100,),
        headline_sizes=(100,),
        tiny_size=3,
    ),
    Family(
        "big-value",
        "chain of N tasks reading a 1 MiB published value",
        build_big_value,
        sizes=(100,),
        headline_sizes=(100,),
        tiny_size=5,
    ),
)


def all_scenarios(*, growth: bool = True) -> list[Scenario]:
    """List the scenarios of a full run; without ``growth`` only headline ones."""
    found = []
    for family in FAMILIES:
        for size in family.sizes:
            scenario = Scenario(family, size)
            if growth or scenario.headline:
                found.append(scenario)
    return found


def tiny_scenarios() -> list[Scenario]:
    """List one small scenario per family, for the smoke run."""
    return [Scenario(family, family.tiny_size) for family in FAMILIES]
