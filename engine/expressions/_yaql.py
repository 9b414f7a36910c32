"""YAQL expressions written as ``<% ... %>``.

The YAQL engine is configured as Mistral 23 configures it: ``=>`` for
keyword arguments, no delegates, read-only input data (lists become tuples,
dicts become frozen dicts) and output converted back to plain lists and
dicts. On top of that Levante limits collection sizes and memory (see
:class:`ExpressionLimits`) and returns the value of a whole-string
expression as JSON-ready data (sets become lists).
"""

from __future__ import annotations

import collections.abc  # noqa: F401 - yaql 3.2 needs it imported first
import re
import threading
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, NamedTuple

import yaql
from yaql.language import exceptions as yaql_exceptions
from yaql.language import expressions as yaql_expressions
from yaql.language import factory

from engine.expressions._guards import install_yaql_guards
from engine.expressions._results import to_json_data
from engine.expressions._standard_functions import STANDARD_FUNCTIONS
from engine.expressions._yaql_input import freeze, lookup, plain_path
from engine.expressions.errors import (
    ExpressionEvaluationError,
    ExpressionSyntaxError,
)
from engine.expressions.limits import ExpressionLimits

#: One ``<% ... %>`` block on a single line, shortest match first.
INLINE_PATTERN = re.compile(r"<%.*?%>")

_CONTEXT_VARIABLES = ("__env", "__execution", "__task_execution")


class _Parsed(NamedTuple):
    statement: yaql_expressions.Statement
    #: The keys of a plain ``$.a.b`` path, which is read without YAQL.
    path: tuple[str, ...] | None


class _Runtime:
    """The YAQL engine, root context and parse cache for one set of limits."""

    def __init__(self, limits: ExpressionLimits) -> None:
        self.limits = limits
        options = {
            "yaql.limitIterators": limits.max_collection_size,
            "yaql.memoryQuota": limits.memory_quota,
            "yaql.convertTuplesToLists": True,
            "yaql.convertSetsToLists": False,
            "yaql.iterableDicts": False,
            "yaql.convertOutputData": True,
        }
        self.engine = factory.YaqlFactory(
            keyword_operator="=>", allow_delegates=False
        ).create(options=options)
        library = yaql.create_context()
        self.root = library.create_child_context()
        for name, function in STANDARD_FUNCTIONS.items():
            self.root.register_function(function, name=name)
        install_yaql_guards(library, self.root, limits)
        self.parse = lru_cache(maxsize=limits.cache_size)(self._parse)
        # YAQL's parser and lexer keep state between calls.
        self._parser_lock = threading.Lock()

    def _parse(self, text: str) -> _Parsed:
        with self._parser_lock:
            statement = self.engine(text)
        return _Parsed(statement, plain_path(statement))


_runtime = _Runtime(ExpressionLimits())


def configure(limits: ExpressionLimits) -> None:
    """Rebuild the YAQL engine with new limits and an empty parse cache."""
    global _runtime
    _runtime = _Runtime(limits)


def _parse(text: str) -> _Parsed:
    try:
        return _runtime.parse(text)
    except (yaql_exceptions.YaqlException, ValueError, TypeError) as error:
        message = getattr(error, "message", None) or str(error)
        raise ExpressionSyntaxError(text, message, "yaql") from None


def _inner(block: str) -> str:
    # Mistral strips the characters '<', '%' and '>' from both ends rather than
    # the delimiters as such, so '<%$.a>%>' reads as '$.a'.
    return block.strip("<%>")


def validate(text: str) -> list[ExpressionSyntaxError]:
    """Return the syntax errors of every ``<% %>`` block in ``text``."""
    errors = []
    for block in INLINE_PATTERN.findall(text):
        try:
            # Parsed with its spaces, as Mistral does, so positions match.
            _parse(_inner(block))
        except ExpressionSyntaxError as error:
            errors.append(ExpressionSyntaxError(block, error.message, "yaql"))
    return errors


def evaluate_one(text: str, data: Any) -> Any:
    """Evaluate one YAQL expression (without ``<% %>``) against ``data``.

    Returns YAQL's output: lists and dicts, but sets stay sets and dates stay
    datetime objects, as in Mistral 23.
    """
    statement, path = _parse(text)
    if path is not None:
        found, value = lookup(data, path)
        if found:
            return value
    context = _runtime.root.create_child_context()
    context["$"] = freeze(data)
    if isinstance(data, Mapping):
        # Mistral 23 also exposes these context keys as YAQL variables.
        for name in _CONTEXT_VARIABLES:
            context[name] = data.get(name)
    try:
        return statement.evaluate(context=context)
    except yaql_exceptions.CollectionTooLargeException:
        message = (
            f"a collection has more than {_runtime.limits.max_collection_size} "
            "items, the limit for one expression"
        )
        raise ExpressionEvaluationError(text, message, "yaql") from None
    except yaql_exceptions.MemoryQuotaExceededException:
        message = (
            "the expression needs more than the memory quota of "
            f"{_runtime.limits.memory_quota} bytes"
        )
        raise ExpressionEvaluationError(text, message, "yaql") from None
    except MemoryError:
        message = "the expression needs more memory than the engine has"
        raise ExpressionEvaluationError(text, message, "yaql") from None
    except Exception as error:
        raise ExpressionEvaluationError(text, str(error), "yaql") from error


def evaluate_inline(text: str, data: Any) -> Any:
    """Evaluate every ``<% %>`` block in ``text`` as Mistral 23 does.

    A string that is exactly one block returns the value as JSON-ready data.
    Otherwise each block is replaced by ``str()`` of its value, so None reads
    ``None`` and a dict reads like a Python dict.
    """
    result = text
    for block in INLINE_PATTERN.findall(text):
        expression = _inner(block).strip()
        value = evaluate_one(expression, data)
        if len(block) == len(text):
            try:
                return to_json_data(value)
            except TypeError as error:
                message = str(error)
                raise ExpressionEvaluationError(expression, message, "yaql") from None
        result = result.replace(block, str(value))
    return result
