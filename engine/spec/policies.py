"""Task policies: ``retry``, waits, ``timeout``, ``pause-before`` and others.

Policies are read from a task or from a workflow's ``task-defaults``. Every
value may be an expression; numbers must be integers >= 0 and flags must be
booleans, as in Mistral 23.0.0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.spec.inline import InlineSyntaxError, split_inline
from engine.spec.model import Policies, RetrySpec
from engine.spec.reporting import Scope
from engine.spec.schema import (
    check_boolean_or_expression,
    check_expression,
    check_integer_or_expression,
    describe,
)

#: Policy keys and the check each value must pass; ``retry`` is separate.
POLICY_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "wait-before": check_integer_or_expression,
    "wait-after": check_integer_or_expression,
    "timeout": check_integer_or_expression,
    "pause-before": check_boolean_or_expression,
    "concurrency": check_integer_or_expression,
    "fail-on": check_boolean_or_expression,
    "safe-rerun": check_boolean_or_expression,
}

POLICY_KEYS = frozenset({"retry", *POLICY_CHECKS})

_RETRY_CHECKS: dict[str, Callable[[Any], str | None]] = {
    "count": check_integer_or_expression,
    "delay": check_integer_or_expression,
    "break-on": check_expression,
    "continue-on": check_expression,
}
_RETRY_REQUIRED = ("count", "delay")
_RETRY_FORMS = (
    "Write retry as a mapping with 'count' and 'delay' (and optionally "
    "'break-on' and 'continue-on'), or on one line such as "
    "'count=3 delay=1 break-on=<% $.stop %>'."
)


def parse_policies(scope: Scope, mapping: dict[Any, Any]) -> Policies:
    """Read the policy keys present in ``mapping``; report invalid values."""
    values: dict[str, Any] = {}
    for key, check in POLICY_CHECKS.items():
        if key not in mapping:
            continue
        value = mapping[key]
        problem = check(value)
        if problem is not None:
            scope.report(problem, key)
            continue
        scope.check_expressions(key, value)
        values[key.replace("-", "_")] = value
    retry = parse_retry(scope, mapping["retry"]) if "retry" in mapping else None
    return Policies(retry=retry, **values)


def parse_retry(scope: Scope, value: Any) -> RetrySpec | None:
    """Read a ``retry`` mapping or one-line text; report problems."""
    if isinstance(value, str):
        try:
            _, fields = split_inline(value)
        except InlineSyntaxError as error:
            scope.report(f"{error} {_RETRY_FORMS}", "retry")
            return None
    elif isinstance(value, dict):
        fields = value
    else:
        scope.report(f"Invalid value {describe(value)}. {_RETRY_FORMS}", "retry")
        return None

    fields_scope = scope.nested("retry", value)
    valid = True
    for name in fields:
        if name not in _RETRY_CHECKS:
            fields_scope.report(
                f"Unknown retry field {name!r}: allowed are count, delay, "
                "break-on and continue-on.",
                _key_or_none(name),
            )
            valid = False
    missing = [name for name in _RETRY_REQUIRED if name not in fields]
    if missing:
        names = " and ".join(repr(name) for name in missing)
        scope.report(f"Retry is missing {names}. {_RETRY_FORMS}", "retry")
        valid = False
    for name, check in _RETRY_CHECKS.items():
        if name not in fields:
            continue
        problem = check(fields[name])
        if problem is not None:
            fields_scope.report(f"Retry {name}: {problem}", _key_or_none(name))
            valid = False
        else:
            fields_scope.check_expressions(name, fields[name])
    if not valid:
        return None
    return RetrySpec(
        count=fields["count"],
        delay=fields["delay"],
        break_on=fields.get("break-on"),
        continue_on=fields.get("continue-on"),
    )


def _key_or_none(name: Any) -> str | None:
    return name if isinstance(name, str) else None
