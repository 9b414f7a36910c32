"""Find, validate and evaluate expressions inside workflow data.

A string is Jinja when it contains ``{{ }}`` or ``{% %}`` on one line, else
YAQL when it contains ``<% %>`` on one line, else plain text. As in Mistral 23,
Jinja wins when a string contains both, and validation rejects such a string.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.expressions import _jinja, _yaql
from engine.expressions._standard_functions import bind
from engine.expressions.errors import ExpressionSyntaxError
from engine.expressions.functions import ExpressionFunctions
from engine.expressions.limits import ExpressionLimits

_MIXED_MESSAGE = (
    "The line already contains an expression of type 'jinja'. "
    "Mixing expression types in a single line is not allowed."
)


def is_expression(value: Any) -> bool:
    """Return whether ``value`` is a string containing a YAQL or Jinja expression."""
    if not isinstance(value, str):
        return False
    return _jinja.is_jinja(value) or bool(_yaql.INLINE_PATTERN.search(value))


def configure_limits(limits: ExpressionLimits) -> None:
    """Apply new resource limits to every later evaluation.

    Call it once at startup; it also empties the caches of parsed expressions.
    """
    _yaql.configure(limits)
    _jinja.configure(limits)


def _evaluate_text(text: str, context: Any) -> Any:
    if _jinja.is_jinja(text):
        return _jinja.evaluate(text, context)
    if _yaql.INLINE_PATTERN.search(text):
        return _yaql.evaluate_inline(text, context)
    return text


def evaluate_expression(
    text: str, context: Mapping[str, Any], functions: ExpressionFunctions
) -> Any:
    """Evaluate one string; a string without an expression is returned as is.

    Raises:
        ExpressionSyntaxError: an expression in ``text`` does not parse.
        ExpressionEvaluationError: evaluation failed.
    """
    with bind(functions):
        return _evaluate_text(text, context)


def _evaluate_data(data: Any, context: Any) -> Any:
    if isinstance(data, str):
        return _evaluate_text(data, context)
    if isinstance(data, Mapping):
        return {key: _evaluate_data(value, context) for key, value in data.items()}
    if isinstance(data, list):
        return [_evaluate_data(item, context) for item in data]
    if isinstance(data, tuple):
        return tuple(_evaluate_data(item, context) for item in data)
    return data


def evaluate(
    data: Any, context: Mapping[str, Any], functions: ExpressionFunctions
) -> Any:
    """Evaluate every expression in ``data``, a tree of dicts, lists and values.

    Dict values and list or tuple items are evaluated at any depth, and any
    mapping comes back as a dict. Dict keys are kept as written, as Mistral 23
    keeps them. Other values pass through. The result is a new tree and
    ``data`` is left unchanged.

    Raises:
        ExpressionSyntaxError: an expression does not parse.
        ExpressionEvaluationError: an expression failed; the first one stops
            the evaluation.
    """
    with bind(functions):
        return _evaluate_data(data, context)


def _validate_text(text: str) -> list[ExpressionSyntaxError]:
    if _jinja.is_jinja(text):
        errors = _jinja.validate(text)
        if not errors and _yaql.INLINE_PATTERN.search(text):
            errors = [ExpressionSyntaxError(text, _MIXED_MESSAGE, "jinja")]
        return errors
    return _yaql.validate(text)


def _collect(data: Any, errors: list[ExpressionSyntaxError]) -> None:
    if isinstance(data, str):
        errors.extend(_validate_text(data))
    elif isinstance(data, Mapping):
        for value in data.values():
            _collect(value, errors)
    elif isinstance(data, (list, tuple)):
        for item in data:
            _collect(item, errors)


def validate(data: Any, *, shallow: bool = False) -> list[ExpressionSyntaxError]:
    """Return the syntax errors of all expressions in ``data``, unevaluated.

    Dict values and list items are checked at any depth; dict keys are not,
    because they are never evaluated. With ``shallow=True`` only ``data``
    itself, the strings in a list and the string values of a dict are
    checked. That is as far as Mistral 23 looks when it validates a
    definition, so deeper strings fail only when they are evaluated.
    """
    errors: list[ExpressionSyntaxError] = []
    if not shallow:
        _collect(data, errors)
        return errors
    if isinstance(data, Mapping):
        candidates = list(data.values())
    elif isinstance(data, (list, tuple)):
        candidates = list(data)
    else:
        candidates = [data]
    for candidate in candidates:
        if isinstance(candidate, str):
            errors.extend(_validate_text(candidate))
    return errors
