"""Conversion of expression results into JSON-ready data."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Set, ValuesView
from datetime import date, datetime
from typing import Any

from jinja2.runtime import Undefined

_SCALARS = (str, int, float, bool, type(None))
_SEQUENCES = (list, tuple, Set, ValuesView, range, Iterator)


def to_json_data(value: Any) -> Any:
    """Return ``value`` as dicts, lists, str, int, float, bool and None.

    Tuples, sets, ranges, dict views and iterators become lists, read-only
    mappings become dicts, and a datetime becomes the text Mistral 23 stores
    (``2024-05-01T12:00:00.000000``, without time zone).

    Raises:
        TypeError: ``value`` contains an object that is not data, such as a
            function or a compiled regular expression.
        jinja2.UndefinedError: ``value`` contains a strict undefined value.
    """
    if isinstance(value, _SCALARS):
        # str subclasses (such as Jinja's Markup) become plain str.
        return str(value) if isinstance(value, str) else value
    if isinstance(value, Mapping):
        return {_to_key(key): to_json_data(item) for key, item in value.items()}
    if isinstance(value, Undefined):
        # Raises the UndefinedError that explains what was undefined.
        value._fail_with_undefined_error()
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, _SEQUENCES):
        return [to_json_data(item) for item in value]
    raise TypeError(
        f"the result contains a {type(value).__name__} object, which is not "
        "JSON data (expected a map, list, string, number, boolean or null)"
    )


def _to_key(key: Any) -> Any:
    if isinstance(key, _SCALARS):
        return str(key) if isinstance(key, str) else key
    return str(key)
