"""with-items: the entry forms, zipping and their checks."""

from __future__ import annotations

import pytest

from engine.spec.model import WithItems

from .conftest import parse_task, rejection


def task_error(task_yaml: str) -> str:
    body = "\n".join("      " + line for line in task_yaml.strip().splitlines())
    return str(rejection(f"version: '2.0'\nwf:\n  tasks:\n    t:\n{body}\n"))


@pytest.mark.parametrize(
    ("with_items", "expected"),
    [
        ("x in <% $.list %>", WithItems(("x",), ("<% $.list %>",))),
        ("x in {{ _.list }}", WithItems(("x",), ("{{ _.list }}",))),
        ("x in [1, 2]", WithItems(("x",), ([1, 2],))),
        ("' x  in [1] trailing words'", WithItems(("x",), ([1],))),
        (
            "['x in [1, 2]', 'y in <% $.ys %>']",
            WithItems(("x", "y"), ([1, 2], "<% $.ys %>")),
        ),
        ("['x in [1]', 'y in [2]', 'x in [3]']", WithItems(("x", "y"), ([3], [2]))),
    ],
)
def test_with_items_forms(with_items: str, expected: WithItems) -> None:
    task = parse_task(f"action: std.noop\nwith-items: {with_items}")
    assert task.with_items == expected


@pytest.mark.parametrize(
    ("with_items", "message"),
    [
        ("just some words", "Wrong format of 'with-items' property: 'just some words'"),
        ("'x in [1, 2'", "Wrong format of 'with-items' property"),
        ("x in [a, b]", "Invalid list '[a, b]' in with-items"),
        ("[5]", "Invalid with-items entry 5"),
        ("[]", "Invalid value []"),
        ("['x in [1]', 'x in [1]']", "Item 'x in [1]' is repeated"),
        ("x in <% $.a + %>", "Parse error"),
    ],
)
def test_with_items_rejected(with_items: str, message: str) -> None:
    assert message in task_error(f"action: std.noop\nwith-items: {with_items}")
