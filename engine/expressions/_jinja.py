"""Jinja2 expressions written as ``{{ ... }}`` and ``{% ... %}``.

The environment matches Mistral 23 (strict undefined values, ``trim_blocks``
and ``lstrip_blocks``, the data context as ``_``, the expression functions as
globals and as filters) but is an immutable sandbox: templates cannot call
unsafe attributes or mutate lists and dicts of the workflow context. Results
are limited in size (see :class:`ExpressionLimits`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import jinja2
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from engine.expressions._results import to_json_data
from engine.expressions._standard_functions import STANDARD_FUNCTIONS
from engine.expressions._yaql import check_power
from engine.expressions.errors import (
    ExpressionEvaluationError,
    ExpressionSyntaxError,
)
from engine.expressions.limits import ExpressionLimits

#: One ``{{ ... }}`` on a single line; group 1 is the text inside.
EXPRESSION_PATTERN = re.compile(r"{{(.*?)}}")
#: One ``{% ... %}`` statement block on a single line.
BLOCK_PATTERN = re.compile(r"{%(.*?)%}")

# Width or precision numbers in printf-style ("%12d") and str.format
# ("{:>12}") format strings.
_PRINTF_WIDTH = re.compile(r"%[-+ #0]*(\d+)(?:\.(\d+))?")
_FORMAT_WIDTH = re.compile(r"{[^{}]*?:[^{}]*?(\d+)(?:\.(\d+))?[^{}]*}")
_SIZED_FILTERS = frozenset({"center", "indent"})
_SIZED_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})


def _as_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    # Mistral 23 registers each function as a filter too, and a filter gets the
    # piped value where the function expects Mistral's data context. So
    # "{{ _ | env }}" works and the piped value is otherwise ignored.
    def apply(value: Any, *args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return apply


class _Sandbox(ImmutableSandboxedEnvironment):
    """Immutable sandbox that checks sizes before it builds big values."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, limits: ExpressionLimits) -> None:
        super().__init__(
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.limits = limits

    def _check_length(self, length: int) -> None:
        if length > self.limits.max_text_length:
            raise ValueError(
                f"the result would have {length} items or characters, more than "
                f"the limit of {self.limits.max_text_length}"
            )

    def _check_format(self, text: str) -> None:
        for pattern in (_PRINTF_WIDTH, _FORMAT_WIDTH):
            for match in pattern.finditer(text):
                for number in match.groups():
                    if number is not None:
                        self._check_length(int(number))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for sized, count in ((left, right), (right, left)):
                if isinstance(sized, (str, list, tuple)) and isinstance(count, int):
                    self._check_length(len(sized) * count)
        elif operator == "**":
            check_power(left, right, self.limits.max_exponent_bits)
        elif operator == "%" and isinstance(left, str):
            self._check_format(left)
        return super().call_binop(context, operator, left, right)

    def call(
        __self,  # noqa: N805 - Jinja's own signature keeps "self" free
        __context: Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            name = getattr(__obj, "__name__", "")
            if name in _SIZED_METHODS:
                __self._check_sizes(args, kwargs)
            elif name in ("format", "format_map"):
                __self._check_format(owner)
        return super().call(__context, __obj, *args, **kwargs)

    def _check_sizes(self, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
        for value in (*args, *kwargs.values()):
            if isinstance(value, int):
                self._check_length(value)

    def call_filter(
        self,
        name: str,
        value: Any,
        args: Any = None,
        kwargs: Any = None,
        context: Context | None = None,
        eval_ctx: Any = None,
    ) -> Any:
        if name in _SIZED_FILTERS:
            self._check_sizes(tuple(args or ()), kwargs or {})
        elif name == "format" and isinstance(value, str):
            self._check_format(value)
        return super().call_filter(name, value, args, kwargs, context, eval_ctx)


class _Runtime:
    """The Jinja environment and caches for one set of limits."""

    def __init__(self, limits: ExpressionLimits) -> None:
        self.limits = limits
        self.environment = _Sandbox(limits)
        self.environment.globals.update(STANDARD_FUNCTIONS)
        for name, function in STANDARD_FUNCTIONS.items():
            self.environment.filters[name] = _as_filter(function)
        cache = lru_cache(maxsize=limits.cache_size)
        self.syntax_error = cache(self._syntax_error)
        self.compile_expression = cache(self._compile_expression)
        self.compile_template = cache(self.environment.from_string)

    def _syntax_error(self, text: str) -> ExpressionSyntaxError | None:
        # Parsing without compiling, as Mistral 23 validates: an unknown
        # filter or test is found only when the template is compiled.
        try:
            self.environment.parse(text)
        except jinja2.TemplateSyntaxError as error:
            return ExpressionSyntaxError(text, f"Syntax error '{error}'.", "jinja")
        return None

    def _compile_expression(self, text: str) -> Callable[..., Any]:
        return self.environment.compile_expression(text, undefined_to_none=False)


_runtime = _Runtime(ExpressionLimits())


def configure(limits: ExpressionLimits) -> None:
    """Rebuild the Jinja environment with new limits and empty caches."""
    global _runtime
    _runtime = _Runtime(limits)


def is_jinja(text: str) -> bool:
    """Return whether ``text`` holds a ``{{ }}`` or ``{% %}`` on one line."""
    return bool(EXPRESSION_PATTERN.search(text) or BLOCK_PATTERN.search(text))


def validate(text: str) -> list[ExpressionSyntaxError]:
    """Return the syntax error of ``text`` parsed as a Jinja template, if any."""
    error = _runtime.syntax_error(text)
    return [] if error is None else [error]


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
        # Mistral 23 fails on a string with statement blocks but no "{{ }}";
        # Levante fails too, with a message that says why.
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
    syntax_error = _runtime.syntax_error(text)
    if syntax_error is not None:
        raise syntax_error
    try:
        return _evaluate(text, _variables(data))
    except MemoryError:
        message = "the expression needs more memory than the engine has"
        raise ExpressionEvaluationError(text, message, "jinja") from None
    except Exception as error:
        raise ExpressionEvaluationError(text, str(error), "jinja") from error
