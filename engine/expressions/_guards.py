"""Checks that stop an expression before it builds a value over the limits.

YAQL's own ``yaql.memoryQuota`` check misses a repeated list (it weighs the
list against an empty list and can come out negative), and its ``len()``
and generators (``range``, ``sequence``, ``repeat`` ...) ignore
``yaql.limitIterators``. The wrappers here close those gaps.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from yaql.language import contexts, specs
from yaql.language import utils as yaql_utils

from engine.expressions.limits import ExpressionLimits

#: YAQL functions that produce iterators of any length, infinite included.
_GENERATORS = ("range", "sequence", "repeat", "cycle", "generate", "generateMany")


class LimitExceededError(ValueError):
    """An expression would build a value larger than a configured limit."""


def check_power(base: Any, exponent: Any, max_bits: int) -> None:
    """Raise when ``base ** exponent`` would have more than ``max_bits`` bits."""
    if not _is_int(base) or not _is_int(exponent):
        return
    if exponent <= 1 or abs(base) <= 1:
        return
    if (abs(base).bit_length() - 1) * exponent > max_bits:
        raise LimitExceededError(
            f"the result of {base} ** {exponent} would exceed the limit of "
            f"{max_bits} bits"
        )


def check_repeat(sized: Any, count: Any, limits: ExpressionLimits) -> None:
    """Raise when ``sized * count`` would exceed the text or collection limit."""
    if not _is_int(count):
        return
    if isinstance(sized, str):
        check_length(len(sized) * count, limits.max_text_length, "characters")
    elif isinstance(sized, Sequence):
        check_length(len(sized) * count, limits.max_collection_size, "items")


def check_length(length: int, limit: int, unit: str) -> None:
    """Raise when a value of ``length`` units would exceed ``limit``."""
    if length > limit:
        raise LimitExceededError(
            f"the result would have {length} {unit}, more than the limit of {limit}"
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_operands(limits: ExpressionLimits, *args: Any) -> None:
    operands = [arg for arg in args if isinstance(arg, (str, Sequence)) or _is_int(arg)]
    if len(operands) != 2:
        return
    left, right = operands
    check_repeat(left, right, limits)
    check_repeat(right, left, limits)
    check_power(left, right, limits.max_exponent_bits)


def _wrap(
    definition: specs.FunctionDefinition,
    before: Callable[..., None] | None = None,
    limit: int | None = None,
) -> specs.FunctionDefinition:
    payload = definition.payload

    @functools.wraps(payload)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if before is not None:
            before(*args, *kwargs.values())
        result = payload(*args, **kwargs)
        if limit is not None:
            return yaql_utils.limit_iterable(result, limit)
        return result

    clone = definition.clone()
    clone.payload = guarded
    return clone


def install_yaql_guards(
    library: contexts.Context, target: contexts.Context, limits: ExpressionLimits
) -> None:
    """Register guarded copies of risky ``library`` functions in ``target``.

    ``target`` must be a child of ``library``; YAQL then picks the copies.
    """
    for definition in _definitions(library, "#operator_*"):
        check = functools.partial(_check_operands, limits)
        target.register_function(_wrap(definition, before=check))
    for definition in _definitions(library, "pow"):
        check = functools.partial(_check_power_arguments, limits.max_exponent_bits)
        target.register_function(_wrap(definition, before=check))
    for name in _GENERATORS:
        for definition in _definitions(library, name):
            limit = limits.max_collection_size
            target.register_function(_wrap(definition, limit=limit))


def _definitions(
    library: contexts.Context, name: str
) -> list[specs.FunctionDefinition]:
    found = [
        definition for layer in library.collect_functions(name) for definition in layer
    ]
    if not found:
        raise LookupError(f"YAQL has no function {name!r} to guard")
    return found


def _check_power_arguments(max_bits: int, base: Any, exponent: Any, *rest: Any) -> None:
    check_power(base, exponent, max_bits)
