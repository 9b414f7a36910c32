"""Expression error classes: attributes, text and pickling."""

import pickle

import pytest

from engine.expressions import (
    ExpressionError,
    ExpressionEvaluationError,
    ExpressionSyntaxError,
    validate,
)


def test_evaluation_error_text() -> None:
    error = ExpressionEvaluationError("$.x.y()", "'x'", "yaql")
    assert (
        str(error) == "Can not evaluate YAQL expression [expression=$.x.y(), error='x']"
    )


def test_jinja_evaluation_error_text() -> None:
    error = ExpressionEvaluationError("{{ a }}", "'a' is undefined", "jinja")
    assert str(error) == (
        "Can not evaluate Jinja expression [expression={{ a }}, error='a' is undefined]"
    )


def test_syntax_error_text() -> None:
    error = ExpressionSyntaxError("<% $.a + %>", "Parse error: x", "yaql")
    assert str(error) == "Invalid YAQL expression '<% $.a + %>': Parse error: x"


def test_error_attributes() -> None:
    error = ExpressionSyntaxError("{{ }}", "bad", "jinja")
    assert error.expression == "{{ }}"
    assert error.message == "bad"
    assert error.language == "jinja"
    assert isinstance(error, ExpressionError)


def test_message_becomes_one_line() -> None:
    error = ExpressionEvaluationError("e", "first line\n  second line\n", "yaql")
    assert "\n" not in str(error)
    assert str(error).endswith("error=first line second line]")
    assert error.message == "first line\n  second line\n"


@pytest.mark.parametrize(
    "error",
    [
        ExpressionEvaluationError("$.a", "boom", "yaql"),
        ExpressionSyntaxError("{{ }}", "bad", "jinja"),
    ],
)
def test_errors_survive_pickle(error: ExpressionError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.expression == error.expression


def test_validate_names_block_and_position() -> None:
    [error] = validate("<% $.a = = 1 %>")
    assert error.expression == "<% $.a = = 1 %>"
    assert error.language == "yaql"
    assert "Parse error: unexpected '=' at position 7" in str(error)
