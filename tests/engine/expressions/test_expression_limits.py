"""Resource limits: oversized values fail fast with a clear evaluation error."""

from collections.abc import Iterator

import pytest

from engine.expressions import (
    ExpressionEvaluationError,
    ExpressionLimits,
    StaticFunctions,
    configure_limits,
    evaluate_expression,
)

FUNCTIONS = StaticFunctions()
BIG = 10**9


@pytest.fixture
def small_limits() -> Iterator[ExpressionLimits]:
    limits = ExpressionLimits(
        max_collection_size=1000,
        memory_quota=1_000_000,
        max_text_length=10_000,
        max_exponent_bits=1000,
    )
    configure_limits(limits)
    yield limits
    configure_limits(ExpressionLimits())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"<% range({BIG * 10}).len() %>", "a collection has more than 1000000 items"),
        ("<% sequence().len() %>", "a collection has more than 1000000 items"),
        ("<% 'x'.repeat(-1).len() %>", "a collection has more than 1000000 items"),
        (f"<% [1] * {BIG} %>", "would have 1000000000 items"),
        (f"<% {BIG} * [1] %>", "would have 1000000000 items"),
        (f"<% 'x' * {BIG} %>", "would have 1000000000 characters"),
        (f"<% pow(10, {BIG}) %>", "exceed the limit of 65536 bits"),
        (f"{{{{ 'x' * {BIG} }}}}", "would have 1000000000 characters"),
        (f"{{{{ [0] * {BIG} }}}}", "would have 1000000000 items"),
        (f"{{{{ 2 ** {BIG} }}}}", "exceed the limit of 65536 bits"),
        (f"{{{{ range({BIG}) | list }}}}", "Range too big"),
        (f"{{{{ '%{BIG}d' % 1 }}}}", "would have 1000000000 characters"),
        (f"{{{{ '%-*d' % ({BIG}, 1) }}}}", "would have 1000000000 characters"),
        (f"{{{{ '{{:>{BIG}}}'.format(1) }}}}", "would have 1000000000 characters"),
        (f"{{{{ '{{0:{{1}}}}'.format(1, {BIG}) }}}}", "would have 1000000000"),
        (f"{{{{ 'x' | center({BIG}) }}}}", "would have 1000000000 characters"),
        (f"{{{{ 'x'.rjust({BIG}) }}}}", "would have 1000000000 characters"),
        (f"{{{{ 'a\\nb' | indent({BIG}) }}}}", "would have 2000000003 characters"),
        (f"{{{{ '%*d' | format({BIG}, 1) }}}}", "would have 1000000000 characters"),
        (
            "{{ ('x' * 10000000) | replace('x', 'xxxxxxxx') }}",
            "would have 90000000 characters",
        ),
        ("{{ ('x' * 10000).join(range(100000)) }}", "would have 1000000000"),
        ("{{ range(100000) | join('x' * 10000) }}", "would have 1000000000"),
        ("{{ ('x' * 10000000) + ('x' * 10000000) }}", "would have 20000000"),
    ],
)
def test_default_limit_stops_expression(text: str, message: str) -> None:
    with pytest.raises(ExpressionEvaluationError) as caught:
        evaluate_expression(text, {}, FUNCTIONS)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<% range(3) %>", [0, 1, 2]),
        ("<% sequence().take(3) %>", [0, 1, 2]),
        ("<% [1, 2].cycle().take(3) %>", [1, 2, 1]),
        ("<% 'ab'.repeat(2) %>", ["ab", "ab"]),
        ("<% [1] * 3 %>", [1, 1, 1]),
        ("<% 2 * 'ab' %>", "abab"),
        ("<% 2.5 * 2 %>", 5.0),
        ("<% pow(2, 10) %>", 1024),
        ("<% pow(2, 10, 1000) %>", 24),
        ("{{ 'x' * 3 }}", "xxx"),
        ("{{ 2 ** 10 }}", 1024),
        ("{{ 2.0 ** 0.5 > 1.41 }}", True),
        ("{{ '%-*d|' % (4, 1) }}", "1   |"),
        ("{{ '{0:{1}}|'.format(1, 3) }}", "  1|"),
        ("{{ 'ab' | center(6) }}", "  ab  "),
        ("{{ 'a b' | replace('a', 'c') }}", "c b"),
        ("{{ [1, 2] | join(',') }}", "1,2"),
        ("{{ '%05d' | format(42) }}", "00042"),
        ("{{ 'x\\ny' | indent(2) }}", "x\n  y"),
    ],
)
def test_small_values_pass_guards(text: str, expected: object) -> None:
    assert evaluate_expression(text, {}, FUNCTIONS) == expected


def test_collection_limit_configurable(small_limits: ExpressionLimits) -> None:
    with pytest.raises(ExpressionEvaluationError, match="more than 1000 items"):
        evaluate_expression("<% range(2000).select($).len() %>", {}, FUNCTIONS)
    assert evaluate_expression("<% range(1000).len() %>", {}, FUNCTIONS) == 1000


def test_memory_quota_configurable() -> None:
    configure_limits(ExpressionLimits(memory_quota=1000))
    text = "<% range(200).toList() + range(200).toList() %>"
    try:
        with pytest.raises(ExpressionEvaluationError, match="memory quota of 1000"):
            evaluate_expression(text, {}, FUNCTIONS)
    finally:
        configure_limits(ExpressionLimits())
    assert len(evaluate_expression(text, {}, FUNCTIONS)) == 400


def test_rendered_text_limit(small_limits: ExpressionLimits) -> None:
    text = "a {% for i in range(2000) %}xxxxxxxxxx{% endfor %}{{ 1 }}"
    with pytest.raises(ExpressionEvaluationError, match="longer than 10000"):
        evaluate_expression(text, {}, FUNCTIONS)


def test_exponent_limit_configurable(small_limits: ExpressionLimits) -> None:
    with pytest.raises(ExpressionEvaluationError, match="limit of 1000 bits"):
        evaluate_expression("{{ 2 ** 2000 }}", {}, FUNCTIONS)
    assert evaluate_expression("{{ 2 ** 900 }}", {}, FUNCTIONS) == 2**900


def test_configure_limits_empties_cache(small_limits: ExpressionLimits) -> None:
    configure_limits(ExpressionLimits())
    assert evaluate_expression("{{ 2 ** 2000 }}", {}, FUNCTIONS) == 2**2000


@pytest.mark.parametrize(
    "field",
    [
        "max_collection_size",
        "memory_quota",
        "max_text_length",
        "max_exponent_bits",
        "cache_size",
    ],
)
@pytest.mark.parametrize("value", [0, -1, 1.5, "10"])
def test_limits_reject_bad_values(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=f"ExpressionLimits.{field} must be"):
        ExpressionLimits(**{field: value})  # type: ignore[arg-type]
