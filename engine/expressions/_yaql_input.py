"""Data context handed to YAQL, and a shortcut for plain ``$.a.b`` paths.

YAQL needs read-only input (tuples and frozen dicts, as its
``convert_input_data`` makes them). Converting a large workflow context for
every expression costs more than evaluating most expressions, so the dicts
here convert each value only when an expression reads it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from yaql.language import expressions as yaql_expressions
from yaql.language import utils as yaql_utils


class LazyFrozenDict(yaql_utils.FrozenDict):
    """A YAQL frozen dict over a mapping that converts values on first read."""

    def __init__(self, source: Mapping[Any, Any]) -> None:
        self._d = source
        self._hash = None
        self._converted: dict[Any, Any] = {}

    def __getitem__(self, key: Any) -> Any:
        try:
            return self._converted[key]
        except KeyError:
            value = freeze(self._d[key])
            self._converted[key] = value
            return value

    def get(self, key: Any, default: Any = None) -> Any:
        if key in self._d:
            return self[key]
        return default

    def __contains__(self, key: object) -> bool:
        return key in self._d

    def __iter__(self) -> Iterator[Any]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __repr__(self) -> str:
        # The same text an eagerly converted frozen dict prints.
        return repr({key: self[key] for key in self._d})


def freeze(value: Any, recursion: Any = None) -> Any:
    """Convert ``value`` as YAQL's ``convert_input_data`` does, dicts lazily.

    ``recursion`` is unused; YAQL passes it when it calls back for items.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return LazyFrozenDict(value)
    return yaql_utils.convert_input_data(value, freeze)


def plain_path(statement: yaql_expressions.Statement) -> tuple[str, ...] | None:
    """Return the keys of a statement that is only ``$`` or ``$.a.b...``.

    Returns None for any other statement.
    """
    keys: list[str] = []
    node = statement.expression
    while isinstance(node, yaql_expressions.BinaryOperator):
        receiver, key = node.args
        if node.name != "#operator_." or not isinstance(
            key, yaql_expressions.KeywordConstant
        ):
            return None
        keys.append(key.value)
        node = receiver
    if not isinstance(node, yaql_expressions.GetContextValue):
        return None
    variable = node.path
    if not isinstance(variable, yaql_expressions.Constant) or variable.value != "$":
        return None
    return tuple(reversed(keys))


def lookup(data: Any, keys: tuple[str, ...]) -> tuple[bool, Any]:
    """Follow ``keys`` through nested mappings.

    Returns ``(True, value)``, or ``(False, None)`` when a receiver is not a
    mapping or a key is missing; YAQL itself then decides what happens.
    """
    value = data
    for key in keys:
        if not isinstance(value, Mapping) or key not in value:
            return False, None
        value = value[key]
    return True, value
