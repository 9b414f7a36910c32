"""Output comparison and catalogue of the HA harness."""

from __future__ import annotations

from typing import Any

import pytest

from testing.ha.launcher import catalog_with_counting
from testing.ha.verify import compare_output


@pytest.mark.parametrize(
    ("expected", "actual", "lost", "problems"),
    [
        ({"a": 1}, {"a": 1}, set(), 0),
        ({"a": 1}, {"a": 2}, set(), 1),
        ({"once_b": "b"}, {"once_b": "lost"}, {"once_b"}, 0),
        ({"once_b": "b"}, {"once_b": "lost"}, set(), 1),
        ({"safe_a": "a"}, {"safe_a": "lost"}, {"once_b"}, 1),
        ({"c": {"once_y": 1}}, {"c": {"once_y": "lost"}}, {"once_y"}, 0),
        ({"c": {"once_y": 1}}, {"c": {"once_y": 2}}, {"once_y"}, 1),
        ({"a": 1, "b": 2}, {"a": 1}, set(), 1),
        ({"items": [0, 1]}, {"items": [1, 0]}, set(), 1),
    ],
)
def test_compare_output_cases(
    expected: Any, actual: Any, lost: set[str], problems: int
) -> None:
    assert len(compare_output(expected, actual, lost)) == problems


def test_catalog_has_counting_and_std() -> None:
    catalog = catalog_with_counting()
    assert catalog.get("ha.count").plugin == "ha"
    assert catalog.get("std.noop").name == "std.noop"
