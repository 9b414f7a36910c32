"""Inline parameters: ``std.echo output="x" delay=1`` and the like.

The same syntax follows an action name, a sub-workflow name, an engine
command in a transition (``fail msg="x"``), an ad-hoc action's ``base`` and
the one-line ``retry`` form. Values are read exactly as Mistral 23.0.0 reads
them, quirks included:

- a value is taken only when it is a quoted string (``"..."`` or
  ``'...'``), an expression (``<% ... %>`` or ``{{ ... }}``), a bracketed
  list (greedy, up to the last ``]`` of the line), ``true``, ``false``,
  ``null``, or digits;
- anything else after ``=`` (a bare word such as ``output=hello``, or a
  ``{...}`` map) is silently dropped;
- digits stop at the first non-digit, so ``2.5`` reads as ``2``;
- an unquoted value is decoded as JSON when it parses as JSON and kept as a
  string otherwise (``[1, 2]`` is a list, ``[a, b]`` the string ``"[a, b]"``);
- a text with no space character has no parameters at all.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: The name at the start of an inline text: a dotted identifier (stopping at
#: ``=``, ``(``, blanks and ``"``), or a YAQL or Jinja expression.
_COMMAND = re.compile(
    r"""
    [\w.]+ [^=(\s"]*
    | <%.*?%>
    | \{\{.*\}\}
    | \{%.*%\}
    """,
    re.VERBOSE,
)

#: One ``name=value`` pair. The alternatives are tried in this order, and the
#: first that matches wins (``truex`` reads as ``true``).
_PARAMETER = re.compile(
    r"""
    (?P<name>[-\w]+)
    =
    (?P<value>
        "[^"]*"\s*
        | '[^']*'\s*
        | \{\{.*?\}\}
        | <%.*?%>
        | \[.*\]\s*
        | true
        | false
        | null
        | \d+
    )
    """,
    re.VERBOSE,
)


#: Any ``name=value`` pair, kept by Mistral or not.
_ANY_PARAMETER = re.compile(r"(?<![-\w])(?P<name>[-\w]+)=(?P<value>\S*)")


class InlineSyntaxError(ValueError):
    """An inline text that does not start with a name or an expression."""


def split_inline(text: str) -> tuple[str, dict[str, Any]]:
    """Split ``name k=v ...`` into the name and its parameters.

    Raises:
        InlineSyntaxError: the text has a space but does not start with a
            name or an expression.
    """
    if " " not in text:
        return text, {}
    match = _COMMAND.match(text)
    if match is None:
        raise InlineSyntaxError(
            f"Invalid inline syntax {text!r}: it must start with a name "
            "(letters, digits, '_' or '.') or an expression, followed by "
            'parameters such as name="value".'
        )
    return match.group(), parse_parameters(text)


def parse_parameters(text: str) -> dict[str, Any]:
    """Return the ``name=value`` pairs found anywhere in ``text``."""
    parameters: dict[str, Any] = {}
    for match in _PARAMETER.finditer(text):
        parameters[match.group("name")] = _decode_value(match.group("value"))
    return parameters


def dropped_parameters(text: str) -> list[str]:
    """Return the ``name=value`` pairs of ``text`` that Mistral 23 drops.

    These are the pairs whose value is neither quoted, nor an expression, a
    list, ``true``, ``false``, ``null`` or digits, such as ``output=hello``.
    """
    if " " not in text:
        return []
    kept = [match.span() for match in _PARAMETER.finditer(text)]
    dropped = []
    for match in _ANY_PARAMETER.finditer(text):
        start = match.start()
        if not any(begin <= start < end for begin, end in kept):
            dropped.append(match.group())
    return dropped


def _decode_value(raw: str) -> Any:
    value = raw.strip()
    if value[0] in "\"'":
        return value[1:-1]
    try:
        return json.loads(value)
    except ValueError:
        return value
