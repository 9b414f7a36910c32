"""Errors raised by expression validation and evaluation.

Hierarchy::

    ExpressionError
    ├── ExpressionSyntaxError      the text does not parse (found at upload)
    └── ExpressionEvaluationError  the expression failed at run time

``str()`` of an evaluation error has the form Mistral 23.0.0 uses, for
example ``Can not evaluate YAQL expression [expression=$.x.y(), error=...]``,
so operators can search for the same text they know from Mistral.
"""

from __future__ import annotations

from typing import Literal

#: Expression language: ``yaql`` for ``<% %>``, ``jinja`` for ``{{ }}``.
Language = Literal["yaql", "jinja"]

_LANGUAGE_TITLES: dict[str, str] = {"yaql": "YAQL", "jinja": "Jinja"}


class ExpressionError(Exception):
    """Base class of every expression error.

    Attributes:
        expression: the expression text. For YAQL it is the text inside
            ``<% %>`` without surrounding spaces, or the whole ``<% %>`` block
            in errors that ``validate()`` returns. For Jinja it is the whole
            string.
        message: the underlying reason, without the expression.
        language: ``yaql`` or ``jinja``.
    """

    def __init__(self, expression: str, message: str, language: Language) -> None:
        super().__init__(expression, message, language)
        self.expression = expression
        self.message = message
        self.language = language

    def __str__(self) -> str:
        return self.one_line_message

    @property
    def one_line_message(self) -> str:
        """The message with line breaks replaced by spaces."""
        return " ".join(line.strip() for line in self.message.splitlines())

    def __reduce__(self) -> tuple[type[ExpressionError], tuple[str, str, str]]:
        return (type(self), (self.expression, self.message, self.language))


class ExpressionSyntaxError(ExpressionError):
    """An expression that does not parse.

    ``str()`` names the language and the expression, then the parser's
    message, for example ``Invalid YAQL expression '<% $.a + %>': Parse
    error: unexpected end of statement``.
    """

    def __str__(self) -> str:
        title = _LANGUAGE_TITLES[self.language]
        return (
            f"Invalid {title} expression '{self.expression}': {self.one_line_message}"
        )


class ExpressionEvaluationError(ExpressionError):
    """An expression that failed while it was evaluated.

    Raised for unknown functions or methods, type errors, undefined Jinja
    values, failing expression functions and exceeded resource limits.
    """

    def __str__(self) -> str:
        title = _LANGUAGE_TITLES[self.language]
        return (
            f"Can not evaluate {title} expression "
            f"[expression={self.expression}, error={self.one_line_message}]"
        )
