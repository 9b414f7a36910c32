"""Property-based tests over arbitrary data and expression text."""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.expressions import (
    ExpressionError,
    ExpressionSyntaxError,
    StaticFunctions,
    evaluate,
    evaluate_expression,
    is_expression,
    validate,
)

FUNCTIONS = StaticFunctions(environment={"e": 1}, execution_data={"id": "ex"})
CONTEXT = {"a": 1, "s": "x", "l": [1, 2], "d": {"k": {"n": None}}}

plain_text = st.text().filter(lambda text: not is_expression(text))
json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | plain_text
)
json_data = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)

# Text made mostly of expression syntax, so that many samples parse.
_FRAGMENTS = [
    "<%",
    "%>",
    "{{",
    "}}",
    "{%",
    "%}",
    "$",
    "$.",
    "_",
    "_.",
    "a",
    "s",
    "l",
    "d",
    "k",
    ".",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    " ",
    "'",
    '"',
    "+",
    "-",
    "*",
    "=",
    ",",
    "0",
    "1",
    "len()",
    "where($ > 1)",
    "select($)",
    "if",
    "for x in",
    "endif",
    "endfor",
    "|",
    "length",
    "upper",
    "env()",
    "task()",
    "json_dump(",
    "\n",
    "#",
    "?",
    "=>",
    "not",
    "and",
    "~",
    "%",
    "<",
    ">",
]
_DELIMITERS = [("<%", "%>"), ("{{", "}}"), ("{%", "%}"), ("", "")]
fragments = st.lists(st.sampled_from(_FRAGMENTS), max_size=8).map("".join)
expression_text = st.builds(
    lambda before, delimiters, body, after: (
        before + delimiters[0] + body + delimiters[1] + after
    ),
    fragments,
    st.sampled_from(_DELIMITERS),
    fragments,
    fragments,
)
any_text = expression_text | st.text(max_size=30)

_KEYS = ["a", "b", "c"]
nested_dicts = st.recursive(
    st.integers(0, 9) | st.sampled_from(["x", None]) | st.lists(st.integers(0, 3)),
    lambda children: st.dictionaries(st.sampled_from(_KEYS), children, max_size=3),
    max_leaves=8,
)
paths = st.lists(st.sampled_from(_KEYS), min_size=1, max_size=4)


@given(json_data)
def test_data_without_expressions_unchanged(data: Any) -> None:
    assert evaluate(data, CONTEXT, FUNCTIONS) == data


@settings(max_examples=300)
@given(any_text)
def test_text_raises_only_expression_errors(text: str) -> None:
    try:
        evaluate_expression(text, CONTEXT, FUNCTIONS)
    except ExpressionError:
        pass


def _mixes_languages(text: str) -> bool:
    errors = validate(text)
    return any("Mixing expression types" in error.message for error in errors)


@settings(max_examples=300)
@given(any_text)
def test_validate_agrees_with_evaluate(text: str) -> None:
    errors = validate(text)
    try:
        evaluate_expression(text, CONTEXT, FUNCTIONS)
    except ExpressionSyntaxError:
        assert errors
    except ExpressionError:
        assert not errors or _mixes_languages(text)
    else:
        assert not errors or _mixes_languages(text)


@given(st.lists(any_text, max_size=4))
def test_validate_collects_from_lists(texts: list[str]) -> None:
    expected = [error.message for text in texts for error in validate(text)]
    found = [error.message for error in validate({"nested": [texts]})]
    assert found == expected


@given(nested_dicts, paths)
def test_plain_path_matches_yaql(data: Any, path: list[str]) -> None:
    context = {"root": data}
    suffix = "".join(f".{key}" for key in path)
    direct = _outcome(f"<% $.root{suffix} %>", context)
    through_yaql = _outcome(f"<% ($).root{suffix} %>", context)
    assert direct == through_yaql


def _outcome(text: str, context: dict[str, Any]) -> tuple[str, Any]:
    try:
        return ("value", evaluate_expression(text, context, FUNCTIONS))
    except ExpressionError as error:
        return ("error", error.message)
