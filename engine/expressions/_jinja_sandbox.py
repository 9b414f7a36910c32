"""The Jinja sandbox that evaluates workflow templates.

It is Jinja's immutable sandbox, so templates reach no unsafe attributes and
no methods that change lists, dicts or sets of the workflow context. Size
checks run before an operation builds a large value. They cover the ``*``,
``**``, ``+`` and ``%`` operators, ``str.format``, the padding methods, and
``replace`` and ``join``.

NOTE: the checks cover single operations only. A loop that grows a value
step by step (for example with ``namespace`` and ``~``) is stopped only by
the rendered-text limit or a MemoryError, and nested loops can still use a
lot of CPU time.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sized
from typing import Any

import jinja2
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from engine.expressions._guards import check_length, check_power, check_repeat
from engine.expressions.limits import ExpressionLimits

# Width and precision numbers in printf-style ("%12d") and str.format
# ("{:>12}") format strings.
_PRINTF_WIDTH = re.compile(r"%[-+ #0]*(\d+)(?:\.(\d+))?")
_FORMAT_WIDTH = re.compile(r"{[^{}]*?:[^{}]*?(\d+)(?:\.(\d+))?[^{}]*}")
_NESTED_FIELD = re.compile(r"{[^{}]*{")
_PADDING_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})


class Sandbox(ImmutableSandboxedEnvironment):
    """Immutable Jinja sandbox with size checks (see the module docstring)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, limits: ExpressionLimits) -> None:
        super().__init__(
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.limits = limits
        self._guard_filters()

    def check_text(self, length: int) -> None:
        """Raise when a text of ``length`` characters would exceed the limit."""
        check_length(length, self.limits.max_text_length, "characters")

    def check_format(self, text: str, arguments: Any = ()) -> None:
        """Raise when a width or precision in format string ``text`` is too big.

        Widths taken from ``arguments`` (``%*d``, ``{0:{1}}``) count too.
        """
        for pattern in (_PRINTF_WIDTH, _FORMAT_WIDTH):
            for match in pattern.finditer(text):
                for number in match.groups():
                    if number is not None:
                        self.check_text(int(number))
        if "*" in text or _NESTED_FIELD.search(text):
            if not isinstance(arguments, (tuple, list)):
                arguments = (arguments,)
            self._check_padding(*arguments)

    def _check_padding(self, *args: Any) -> None:
        for value in args:
            if isinstance(value, Mapping):
                self._check_padding(*value.values())
            elif isinstance(value, int):
                self.check_text(value)

    def _check_replace(self, text: Any, old: Any, new: Any, *rest: Any) -> None:
        if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
            count = text.count(old) if old else len(text) + 1
            self.check_text(len(text) + count * len(new))

    def _check_join(self, separator: Any, items: Any, *rest: Any) -> None:
        if isinstance(separator, str) and isinstance(items, Sized):
            self.check_text(len(separator) * len(items))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            check_repeat(left, right, self.limits)
            check_repeat(right, left, self.limits)
        elif operator == "**":
            check_power(left, right, self.limits.max_exponent_bits)
        elif operator == "+" and isinstance(left, str) and isinstance(right, str):
            self.check_text(len(left) + len(right))
        elif operator == "%" and isinstance(left, str):
            self.check_format(left, right)
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
            values = (*args, *kwargs.values())
            if name in _PADDING_METHODS:
                __self._check_padding(*values)
            elif name == "replace":
                __self._check_replace(owner, *values)
            elif name == "join":
                __self._check_join(owner, *values)
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        text = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            if isinstance(text, str):
                self.check_format(text, (*args, *kwargs.values()))
            return wrapped(*args, **kwargs)

        return checked

    def _guard_filters(self) -> None:
        def check_center(value: Any, width: Any = 80, *rest: Any) -> None:
            self._check_padding(width)

        def check_indent(value: Any, width: Any = 4, *rest: Any) -> None:
            if isinstance(value, str) and isinstance(width, int):
                self.check_text(len(value) + width * (value.count("\n") + 1))

        def check_format(value: Any, *arguments: Any) -> None:
            if isinstance(value, str):
                self.check_format(value, arguments)

        def check_replace(context: Any, *values: Any) -> None:
            self._check_replace(*values)

        def check_join(
            context: Any, value: Any, separator: Any = "", *rest: Any
        ) -> None:
            self._check_join(separator, value)

        checks = {
            "center": check_center,
            "indent": check_indent,
            "format": check_format,
            "replace": check_replace,
            "join": check_join,
        }
        for name, check in checks.items():
            self.filters[name] = _checked(self.filters[name], check)


def _checked(
    function: Callable[..., Any], check: Callable[..., None]
) -> Callable[..., Any]:
    # functools.wraps also copies Jinja's pass_eval_context marker, so the
    # wrapper receives the same arguments as the filter.
    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        check(*args, *kwargs.values())
        return function(*args, **kwargs)

    return checked
