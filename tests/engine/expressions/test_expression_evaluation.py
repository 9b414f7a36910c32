"""Public evaluation API: detection, recursion through data, text rendering."""

import copy
from types import MappingProxyType
from typing import Any

import pytest

import engine.expressions as expressions
from engine.expressions import (
    ExpressionEvaluationError,
    ExpressionSyntaxError,
    StaticFunctions,
    evaluate,
    evaluate_expression,
    is_expression,
)

FUNCTIONS = StaticFunctions()
CONTEXT = {"a": 1, "s": "text", "n": None, "b": True, "l": [1, 2], "d": {"k": "v"}}


def test_public_names_match_all() -> None:
    # pytest adds "@py_builtins" to modules whose asserts it rewrites.
    public = {name for name in dir(expressions) if not name.startswith(("_", "@"))}
    modules = {
        "errors",
        "functions",
        "limits",
    }
    assert public - modules == set(expressions.__all__)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<% $.a %>", True),
        ("x <% $.a %> y", True),
        ("{{ _.a }}", True),
        ("{% if true %}x{% endif %}", True),
        ("<%%>", True),
        ("plain text", False),
        ("<% $.a", False),
        ("{{ _.a", False),
        ("{# comment #}", False),
        ("<% $.a\n %>", False),
        ("{{ _.a\n }}", False),
        ("", False),
        (1, False),
        (None, False),
        (["<% $.a %>"], False),
        ({"k": "<% $.a %>"}, False),
    ],
)
def test_is_expression(value: Any, expected: bool) -> None:
    assert is_expression(value) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<% $.a %>", 1),
        ("<% $.n %>", None),
        ("<% $.l %>", [1, 2]),
        ("<% $ %>", CONTEXT),
        ("{{ _.a }}", 1),
        ("{{ _.n }}", None),
        ("{{ _.d }}", {"k": "v"}),
        ("{{ 40 + 2 }}", 42),
        ("{{ 1 < 2 }}", True),
        ("{{ [1, 2] }}", [1, 2]),
        ("{{ {'a': 1} }}", {"a": 1}),
        ("{{ (1, 2) }}", [1, 2]),
        ("n={{ 40 + 2 }}", "n=42"),
        ("plain", "plain"),
    ],
)
def test_native_values_for_whole_expressions(text: str, expected: Any) -> None:
    assert evaluate_expression(text, CONTEXT, FUNCTIONS) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v=<% $.n %>", "v=None"),
        ("v=<% $.b %>", "v=True"),
        ("v=<% $.l %>", "v=[1, 2]"),
        ("v=<% $.d %>", "v={'k': 'v'}"),
        ("v=<% 1.0 %>", "v=1.0"),
        ("<% $.a %><% $.a %>", "11"),
        (" <% $.a %>", " 1"),
        ("v={{ _.n }}", "v=None"),
        ("v={{ _.b }}", "v=True"),
        ("v={{ _.l }}", "v=[1, 2]"),
        ("v={{ _.d }}", "v={'k': 'v'}"),
        ("{{ _.a }}\n", "1"),
        ("{% for x in _.l %}{{ x }},{% endfor %}", "1,2,"),
    ],
)
def test_embedded_expressions_render_as_text(text: str, expected: str) -> None:
    assert evaluate_expression(text, CONTEXT, FUNCTIONS) == expected


def test_jinja_wins_in_mixed_string() -> None:
    result = evaluate_expression("<% $.a %> {{ _.a }}", CONTEXT, FUNCTIONS)
    assert result == "<% $.a %> 1"


def test_evaluate_walks_dicts_and_lists() -> None:
    data = {
        "x": "<% $.a %>",
        "nested": {"y": ["{{ _.s }}", 3, None, {"z": "<% $.l %>"}]},
        "keep": 2.5,
    }
    assert evaluate(data, CONTEXT, FUNCTIONS) == {
        "x": 1,
        "nested": {"y": ["text", 3, None, {"z": [1, 2]}]},
        "keep": 2.5,
    }


def test_evaluate_keeps_dict_keys() -> None:
    data = {"<% $.s %>": "<% $.s %>"}
    assert evaluate(data, CONTEXT, FUNCTIONS) == {"<% $.s %>": "text"}


def test_evaluate_leaves_input_unchanged() -> None:
    data = {"x": ["<% $.l %>"], "y": "{{ _.d }}"}
    before = copy.deepcopy(data)
    evaluate(data, CONTEXT, FUNCTIONS)
    assert data == before


def test_result_does_not_share_context_objects() -> None:
    context = {"l": [1, 2]}
    result = evaluate_expression("<% $.l %>", context, FUNCTIONS)
    result.append(3)
    assert context == {"l": [1, 2]}


@pytest.mark.parametrize("value", [1, 2.5, None, True, b"<% $.a %>"])
def test_evaluate_passes_other_values(value: Any) -> None:
    assert evaluate(value, CONTEXT, FUNCTIONS) == value


def test_empty_context_still_evaluates() -> None:
    assert evaluate_expression("<% 1 + 1 %>", {}, FUNCTIONS) == 2
    assert evaluate_expression("{{ 1 + 1 }}", {}, FUNCTIONS) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "<% $.early %>",
            "Can not evaluate YAQL expression [expression=$.early, error='early']",
        ),
        (
            "<% $.missing_list.first_item_zz() %>",
            "[expression=$.missing_list.first_item_zz(), error='missing_list']",
        ),
        ("<% $.d.no_such_function_zz() %>", 'Unknown method "no_such_function_zz"'),
        ("<% no_such_function_zz() %>", 'Unknown function "no_such_function_zz"'),
        ("{{ _.missing }}", "'dict object' has no attribute 'missing'"),
        ("{{ missing }}", "'missing' is undefined"),
        ("a {{ _.missing }} b", "[expression=a {{ _.missing }} b, error="),
    ],
)
def test_evaluation_errors_name_expression(text: str, message: str) -> None:
    with pytest.raises(ExpressionEvaluationError) as caught:
        evaluate_expression(text, CONTEXT, FUNCTIONS)
    assert message in str(caught.value)


def test_first_failing_value_stops_evaluate() -> None:
    data = {"ok": "<% $.a %>", "bad": "<% $.nope %>"}
    with pytest.raises(ExpressionEvaluationError) as caught:
        evaluate(data, CONTEXT, FUNCTIONS)
    assert caught.value.expression == "$.nope"


def test_syntax_error_while_evaluating() -> None:
    with pytest.raises(ExpressionSyntaxError) as caught:
        evaluate_expression("<% $.a + %>", CONTEXT, FUNCTIONS)
    assert caught.value.language == "yaql"
    assert "Parse error: unexpected end of statement" in str(caught.value)


def test_block_only_jinja_fails() -> None:
    with pytest.raises(ExpressionEvaluationError, match="statement block"):
        evaluate_expression("{% if true %}x{% endif %}", CONTEXT, FUNCTIONS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<% $__env %>", {"e": 1}),
        ("<% $__execution.id %>", "ex-1"),
        ("{{ __task_execution.name }}", "t"),
    ],
)
def test_mistral_context_keys_as_variables(text: str, expected: Any) -> None:
    context = {
        "__env": {"e": 1},
        "__execution": {"id": "ex-1"},
        "__task_execution": {"id": "t-1", "name": "t"},
    }
    assert evaluate_expression(text, context, FUNCTIONS) == expected


def test_yaql_datetime_becomes_text() -> None:
    result = evaluate_expression("<% now() %>", {}, FUNCTIONS)
    assert isinstance(result, str)
    assert len(result) == len("2024-05-01T12:00:00.000000")


def test_non_data_result_is_rejected() -> None:
    with pytest.raises(ExpressionEvaluationError, match="not JSON data"):
        evaluate_expression("<% regex('a') %>", {}, FUNCTIONS)


def test_evaluate_walks_tuples_and_mappings() -> None:
    data = (MappingProxyType({"x": "<% $.a %>"}), "{{ _.a }}")
    assert evaluate(data, CONTEXT, FUNCTIONS) == ({"x": 1}, 1)
