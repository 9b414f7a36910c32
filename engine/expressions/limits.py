"""Resource limits for expression evaluation.

Workflow text is untrusted, so one expression must not be able to exhaust the
engine's memory or loop forever over a generated collection. Mistral 23 sets
no such limits by default; Levante does, with values well above what real
workflows need.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExpressionLimits:
    """Limits applied to every expression evaluation.

    Attributes:
        max_collection_size: most items a YAQL collection (input, generated
            or output) may have; YAQL's ``yaql.limitIterators`` option.
        memory_quota: bytes YAQL may allocate for one produced value, as
            YAQL estimates them; YAQL's ``yaql.memoryQuota`` option.
        max_text_length: most characters a rendered Jinja template, or a
            string or list built with ``*`` in Jinja, may have.
        max_exponent_bits: most bits the result of ``**`` or ``pow()`` may
            have, so a huge power cannot hold the CPU.
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
