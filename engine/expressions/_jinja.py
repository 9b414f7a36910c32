"""Jinja2 expressions written as ``{{ ... }}`` and ``{% ... %}``.

The environment matches Mistral 23: strict undefined values, ``trim_blocks``
and ``lstrip_blocks``, the data context as ``_``, and the expression
functions as globals and as filters. Unlike Mistral's, it is an immutable
sandbox with size checks (see ``_jinja_sandbox``), so a template cannot
change the workflow context.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import jinja2

from engine.expressions._jinja_sandbox import Sandbox
from engine.expressions._results import to_json_data
from engine.expressions._standard_functions import STANDARD_FUNCTIONS
from engine.expressions.errors import (
    ExpressionEvaluationError,
    ExpressionSyntaxError,
)
from engine.expressions.limits import ExpressionLimits

#: One ``{{ ... }}`` on a single line; group 1 is the text inside.
EXPRESSION_PATTERN = re.compile(r"{{(.*?)}}")
#: One ``{% ... %}`` statement block on a single line.
BLOCK_PATTERN = re.compile(r"{%(.*?)%}")


def _as_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    # Mistral 23 registers each function as a filter too, and a filter gets the
    # piped value where the function expects Mistral's data context. So
    # "{{ _ | env }}" works and the piped value is otherwise ignored.
    def apply(value: Any, *args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return apply


class _Runtime:
    """The Jinja environment and caches for one set of limits."""

    def __init__(self, limits: ExpressionLimits) -> None:
        self.limits = limits
        self.environment = Sandbox(limits)
        self.environment.globals.update(STANDARD_FUNCTIONS)
        for name, function in STANDARD_FUNCTIONS.items():
            self.environment.filters[name] = _as_filter(function)
        cache = lru_cache(maxsize=limits.cache_size)
        self.syntax_message = cache(self._syntax_message)
        self.compile_expression = cache(self._compile_expression)
        self.compile_template = cache(self.environment.from_string)

    def _syntax_message(self, text: str) -> str | None:
        # Parsing without compiling, as Mistral 23 validates: an unknown
        # filter or test is found only when the template is compiled.
        try:
            self.environment.parse(text)
        except jinja2.TemplateSyntaxError as error:
            return f"Syntax error '{error}'."
        return None

    def _compile_expression(self, text: str) -> Callable[..., Any]:
        return self.environment.compile_expression(text, undefined_to_none=False)


_runtime = _Runtime(ExpressionLimits())


def configure(limits: ExpressionLimits) -> None:
    """Rebuild the Jinja environment with new limits and empty caches."""
    global _runtime
    _runtime = _Runtime(limits)


def is_jinja(text: str) -> bool:
    """Return whether ``text`` contains ``{{ }}`` or ``{% %}`` on one line."""
    return bool(EXPRESSION_PATTERN.search(text) or BLOCK_PATTERN.search(text))


def validate(text: str) -> list[ExpressionSyntaxError]:
    """Return the syntax error of ``text`` parsed as a Jinja template, if any."""
    message = _runtime.syntax_message(text)
    if message is None:
        return []
    return [ExpressionSyntaxError(text, message, "jinja")]


def _variables(data: Any) -> dict[str, Any]:
    variables = {"_": data}
    if isinstance(data, Mapping):
        # Mistral 23 also exposes these context keys as Jinja variables.
        for name in ("__env", "__execution", "__task_execution"):
            variables[name] = data.get(name)
    return variables


def _render(text: str, variables: dict[str, Any]) -> str:
    template = _runtime.compile_template(text)
    limit = _runtime.limits.max_text_length
    parts = []
    length = 0
    for part in template.generate(**variables):
        length += len(part)
        if length > limit:
            raise ValueError(f"the rendered text is longer than {limit} characters")
        parts.append(part)
    return "".join(parts)


def _evaluate(text: str, variables: dict[str, Any]) -> Any:
    match = EXPRESSION_PATTERN.search(text)
    if match is None:
        # Mistral 23 fails on a string with statement blocks but no "{{ }}".
        # Levante fails too, and its message explains the cause.
        raise ValueError(
            "a string with a Jinja statement block ({% %}) needs at least "
            "one {{ }} expression to be evaluated"
        )
    if match.group(0) == text:
        compiled = _runtime.compile_expression(match.group(1))
        return to_json_data(compiled(**variables))
    return _render(text, variables)


def evaluate(text: str, data: Any) -> Any:
    """Evaluate a string holding Jinja as Mistral 23 does.

    A string that is exactly one ``{{ }}`` returns the value as JSON-ready
    data; any other string is rendered as a template and returns text.
    """
    syntax_message = _runtime.syntax_message(text)
    if syntax_message is not None:
        raise ExpressionSyntaxError(text, syntax_message, "jinja")
    try:
        return _evaluate(text, _variables(data))
    except MemoryError:
        message = "the expression needs more memory than the engine has"
        raise ExpressionEvaluationError(text, message, "jinja") from None
    except Exception as error:
        raise ExpressionEvaluationError(text, str(error), "jinja") from error
