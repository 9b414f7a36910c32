"""YAQL (``<% %>``) and Jinja2 (``{{ }}``) expressions as Mistral 23 runs them.

The engine calls :func:`evaluate` on spec data with a data context and an
:class:`ExpressionFunctions` that serves run-time state to ``task()``,
``tasks()``, ``execution()``, ``env()`` and ``global()``. The spec validator
calls :func:`validate` to reject bad syntax at upload.
"""

from engine.expressions._evaluation import (
    configure_limits,
    evaluate,
    evaluate_expression,
    is_expression,
    validate,
)
from engine.expressions.errors import (
    ExpressionError,
    ExpressionEvaluationError,
    ExpressionSyntaxError,
)
from engine.expressions.functions import ExpressionFunctions, StaticFunctions
from engine.expressions.limits import ExpressionLimits

__all__ = [
    "ExpressionError",
    "ExpressionEvaluationError",
    "ExpressionFunctions",
    "ExpressionLimits",
    "ExpressionSyntaxError",
    "StaticFunctions",
    "configure_limits",
    "evaluate",
    "evaluate_expression",
    "is_expression",
    "validate",
]
