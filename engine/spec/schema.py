"""Type checks on the values of definition keys.

Each ``check_*`` function returns ``None`` for an accepted value, or a
sentence that names the value and states what is allowed. The rules are the
ones Mistral 23.0.0 applies at upload, which are JSON-schema rules: an
integer may be written ``1.0`` but never ``true``, and lists that must be
unique compare their items as data.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

#: A value that is one whole YAQL or Jinja expression, possibly followed by
#: blanks. Only one line: ``.`` does not match a newline.
_WHOLE_YAQL = re.compile(r"<%.*?%>\s*$")
_WHOLE_JINJA = re.compile(r"\{\{.*?\}\}\s*$")

EXPRESSION_HINT = "an expression such as <% $.value %> or {{ _.value }}"
_MAX_SHOWN = 80


def describe(value: Any) -> str:
    """Return a short, quoted rendering of ``value`` for a message."""
    text = repr(value) if isinstance(value, str) else _plain_repr(value)
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 3] + "..."
    return text


def _plain_repr(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return repr(value)


def is_expression(value: Any) -> bool:
    """Tell whether ``value`` is a string holding exactly one expression."""
    if not isinstance(value, str):
        return False
    return bool(_WHOLE_YAQL.match(value) or _WHOLE_JINJA.match(value))


def is_integer(value: Any) -> bool:
    """Tell whether ``value`` is a JSON-schema integer (``1`` or ``1.0``)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and value.is_integer()


def check_nonempty_string(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return None
    return f"Invalid value {describe(value)}: expected a non-empty string."


def check_integer_or_expression(value: Any) -> str | None:
    if is_expression(value) or (is_integer(value) and value >= 0):
        return None
    return (
        f"Invalid value {describe(value)}: expected an integer >= 0 "
        f"or {EXPRESSION_HINT}."
    )


def check_boolean_or_expression(value: Any) -> str | None:
    if isinstance(value, bool) or is_expression(value):
        return None
    return (
        f"Invalid value {describe(value)}: expected true, false or {EXPRESSION_HINT}."
    )


def check_expression(value: Any) -> str | None:
    if is_expression(value):
        return None
    return f"Invalid value {describe(value)}: expected {EXPRESSION_HINT}."


def check_nonempty_mapping(value: Any) -> str | None:
    if not isinstance(value, dict):
        return (
            f"Invalid value {describe(value)}: expected a mapping of names to values."
        )
    if not value:
        return "The mapping is empty: give at least one entry or remove the key."
    for key in value:
        if not isinstance(key, str):
            return (
                f"Invalid name {describe(key)}: names in this mapping must be strings."
            )
    return None


def check_unique_string_list(value: Any) -> str | None:
    if not isinstance(value, list):
        return f"Invalid value {describe(value)}: expected a list of strings."
    if not value:
        return "The list is empty: give at least one item or remove the key."
    for item in value:
        if not isinstance(item, str) or not item:
            return (
                f"Invalid item {describe(item)}: every item must be a non-empty string."
            )
    return check_unique(value)


def check_string_or_unique_string_list(value: Any) -> str | None:
    if isinstance(value, str):
        return check_nonempty_string(value)
    if isinstance(value, list):
        return check_unique_string_list(value)
    return f"Invalid value {describe(value)}: expected a string or a list of strings."


def check_parameter_list(value: Any) -> str | None:
    """Check an ``input`` declaration: names, or single-key ``name: default``."""
    if not isinstance(value, list):
        return (
            f"Invalid value {describe(value)}: expected a list of parameter "
            "names, each a string or a single-key mapping 'name: default'."
        )
    if not value:
        return "The list is empty: declare at least one parameter or remove the key."
    for item in value:
        if isinstance(item, str) and item:
            continue
        if isinstance(item, dict) and len(item) == 1:
            (name,) = item
            if isinstance(name, str) and name:
                continue
        return (
            f"Invalid parameter {describe(item)}: write a name, or a "
            "single-key mapping 'name: default'."
        )
    return check_unique(value)


def check_unique(items: list[Any]) -> str | None:
    """Return a message naming the first repeated item, or ``None``."""
    seen: set[Hashable] = set()
    for item in items:
        frozen = freeze(item)
        if frozen in seen:
            return f"Item {describe(item)} is repeated: list items must be unique."
        seen.add(frozen)
    return None


def freeze(value: Any) -> Hashable:
    """Return a hashable stand-in that is equal for equal data.

    Booleans are kept apart from the numbers 0 and 1, as JSON keeps them.
    """
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, dict):
        return ("map", frozenset((freeze(k), freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", tuple(freeze(item) for item in value))
    if isinstance(value, Hashable):
        return value
    return ("repr", repr(value))
