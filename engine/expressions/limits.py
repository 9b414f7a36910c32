"""Resource limits for expression evaluation.

Workflow text is untrusted, so one expression must not be able to exhaust the
engine's memory or spin over a huge generated collection. Mistral 23 sets no
such limits by default. Levante's defaults are estimates, chosen to sit far
above the data sizes workflows usually handle.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExpressionLimits:
    """Limits applied to every expression evaluation.

    Attributes:
        max_collection_size: maximum number of items in a collection that a
            YAQL function iterates or builds, and in a list built with ``*``
            (YAQL's ``yaql.limitIterators`` option). A larger input list
            still passes through unchanged, as in ``<% $.items %>``.
        memory_quota: maximum bytes, as YAQL estimates them, of one value that
            a YAQL function builds (YAQL's ``yaql.memoryQuota`` option).
        max_text_length: maximum characters of a rendered Jinja template and
            of a string built by one operation, such as ``*``, padding or
            ``replace``.
        max_exponent_bits: maximum bits of the result of ``**`` or ``pow()``,
            so one power cannot hold the CPU for long.
        cache_size: parsed expressions kept per language, by text.
    """

    max_collection_size: int = 1_000_000
    memory_quota: int = 128 * 1024 * 1024
    max_text_length: int = 16 * 1024 * 1024
    max_exponent_bits: int = 65_536
    cache_size: int = 4096

    def __post_init__(self) -> None:
        for name in (
            "max_collection_size",
            "memory_quota",
            "max_text_length",
            "max_exponent_bits",
            "cache_size",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"ExpressionLimits.{name} must be a positive integer, got {value!r}"
                )
