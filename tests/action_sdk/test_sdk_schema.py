from typing import Annotated, Any, Literal, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from action_sdk import ActionDefinitionError, Param, Secret
from action_sdk._schema import TypeMismatch

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=10,
)


@pytest.mark.parametrize(
    ("annotation", "value", "expected"),
    [
        (str, "a", "a"),
        (int, 3, 3),
        (int, 3.0, 3),
        (int, " 42 ", 42),
        (float, 2, 2),
        (float, 2.5, 2.5),
        (float, "2.5", 2.5),
        (bool, True, True),
        (bool, "false", False),
        (bool, "TRUE", True),
        (list, [1, "a"], [1, "a"]),
        (list, (1, 2), [1, 2]),
        (list[int], [1, "2"], [1, 2]),
        (dict, {"a": 1}, {"a": 1}),
        (dict[str, float], {"a": "1.5"}, {"a": 1.5}),
        (Any, object, object),
        (None, {"x": [1]}, {"x": [1]}),
        (int | None, None, None),
        (Optional[int], "7", 7),  # noqa: UP045
        (int | str, "5", "5"),
        (str | int, "5", "5"),
        (Literal["GET", "POST"], "GET", "GET"),
    ],
)
def test_convert_accepts(annotation: Any, value: Any, expected: Any) -> None:
    result = Param(name="p", annotation=annotation).convert(value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("annotation", "value"),
    [
        (str, 5),
        (str, None),
        (int, 2.5),
        (int, "2.5"),
        (int, True),
        (int, "abc"),
        (float, True),
        (float, "nan"),
        (float, "x"),
        (bool, 1),
        (bool, "yes"),
        (list, "abc"),
        (list, {"a": 1}),
        (list[int], [1, "x"]),
        (dict, [1]),
        (dict[str, int], {"a": "x"}),
        (type(None), 0),
        (Literal["GET", "POST"], "PUT"),
        (Literal[1], True),
        (int | None, "x"),
    ],
)
def test_convert_rejects(annotation: Any, value: Any) -> None:
    with pytest.raises(TypeMismatch):
        Param(name="p", annotation=annotation).convert(value)


def test_none_allowed_when_default_is_none() -> None:
    param = Param(name="p", annotation=int, default=None, required=False)
    assert param.convert(None) is None


def test_none_rejected_when_required() -> None:
    with pytest.raises(TypeMismatch):
        Param(name="p", annotation=int).convert(None)


@pytest.mark.parametrize(
    ("annotation", "type_name"),
    [
        (None, "any"),
        (Any, "any"),
        (str, "string"),
        (int, "integer"),
        (float, "number"),
        (bool, "boolean"),
        (list, "array"),
        (list[str], "array of string"),
        (dict, "object"),
        (dict[str, int], "object of integer"),
        (str | None, "string | null"),
        (Literal["a", 1], "'a' | 1"),
    ],
)
def test_type_names(annotation: Any, type_name: str) -> None:
    assert Param(name="p", annotation=annotation).type_name == type_name


@pytest.mark.parametrize(
    "annotation",
    [tuple, set, bytes, complex, dict[int, str], Literal[object()], type],
)
def test_unsupported_annotation(annotation: Any) -> None:
    with pytest.raises(ActionDefinitionError, match="unsupported"):
        Param(name="p", annotation=annotation)


def test_annotated_is_unwrapped() -> None:
    from action_sdk._schema import split_annotation

    assert split_annotation(Annotated[str, Secret]) == (str, True)
    assert split_annotation(Annotated[int, "doc"]) == (int, False)


def test_show_value_hides_secret() -> None:
    param = Param(name="token", annotation=str, secret=True)
    assert "hunter2" not in param.show_value("hunter2")
    assert "string" in param.show_value("hunter2")


def test_show_value_truncates() -> None:
    text = Param(name="p").show_value("x" * 500)
    assert len(text) < 100
    assert "..." in text


@pytest.mark.parametrize(
    ("param", "text"),
    [
        (Param(name="output"), "output (required)"),
        (Param(name="delay", default=0, required=False), "delay=0"),
        (Param(name="method", default="GET", required=False), "method='GET'"),
    ],
)
def test_describe(param: Param, text: str) -> None:
    assert param.describe() == text


@given(json_values)
def test_any_keeps_every_value(value: Any) -> None:
    assert Param(name="p").convert(value) is value


@given(json_values)
def test_integer_converts_or_rejects(value: Any) -> None:
    param = Param(name="p", annotation=int)
    try:
        result = param.convert(value)
    except TypeMismatch:
        return
    assert type(result) is int


@given(st.integers())
def test_integer_string_round_trip(number: int) -> None:
    assert Param(name="p", annotation=int).convert(str(number)) == number
