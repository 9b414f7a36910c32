"""``with-items``: the variables a task iterates over and their collections.

Each entry is ``var in [literal, list]``, ``var in <% expression %>`` or
``var in {{ expression }}``. Several entries are zipped item by item.
"""

from __future__ import annotations

import json
import re
from typing import Any

from engine.spec.model import WithItems
from engine.spec.reporting import Scope
from engine.spec.schema import check_unique, describe

#: One entry. Text after the collection is ignored, as in Mistral 23.0.0.
_ENTRY = re.compile(r"\s*([\w\-]+)\s*in\s*(\[.+\]|\{\{.*?\}\}|<%.*?%>)")


def parse_with_items(scope: Scope, task: dict[Any, Any]) -> WithItems | None:
    """Read a task's ``with-items``: one ``var in collection`` text or a list."""
    if "with-items" not in task:
        return None
    value = task["with-items"]
    if isinstance(value, list) and value:
        items = value
    elif isinstance(value, str) and value:
        items = [value]
    else:
        scope.report(
            f"Invalid value {describe(value)}: expected a string such as "
            "'x in <% $.list %>' or a list of such strings.",
            "with-items",
        )
        return None
    duplicate = check_unique(items)
    if duplicate is not None:
        scope.report(duplicate, "with-items")
    collections: dict[str, Any] = {}
    valid = duplicate is None
    for index, item in enumerate(items):
        line = scope.item_line(items, index, scope.line_of("with-items"))
        parsed = _parse_with_items_entry(scope, item, line)
        if parsed is None:
            valid = False
        else:
            # A repeated variable keeps its first position and its last
            # collection, as in Mistral 23.0.0.
            collections[parsed[0]] = parsed[1]
    if not valid:
        return None
    return WithItems(
        variables=tuple(collections), collections=tuple(collections.values())
    )


def _parse_with_items_entry(
    scope: Scope, item: Any, line: int | None
) -> tuple[str, Any] | None:
    if not isinstance(item, str):
        scope.report(
            f"Invalid with-items entry {describe(item)}: each entry is a "
            "string such as 'x in <% $.list %>'.",
            "with-items",
            line,
        )
        return None
    match = _ENTRY.match(item)
    if match is None:
        scope.report(
            f"Wrong format of 'with-items' property: {item!r}. Write "
            "'name in <% $.list %>', 'name in {{ _.list }}' or "
            "'name in [1, 2, 3]'.",
            "with-items",
            line,
        )
        return None
    variable, collection = match.groups()
    scope.check_expressions("with-items", collection, line)
    if collection.startswith("["):
        try:
            collection = json.loads(collection)
        except ValueError as error:
            scope.report(
                f"Invalid list {collection!r} in with-items: {error}. Write "
                'the list as JSON, such as [1, 2] or ["a", "b"].',
                "with-items",
                line,
            )
            return None
    return variable, collection
