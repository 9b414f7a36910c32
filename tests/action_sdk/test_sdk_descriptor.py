from typing import Annotated, Any

import pytest

from action_sdk import ActionInputError, Secret, action, describe_action


@action("std.echo")
def echo(output: Any, delay: float = 0) -> Any:
    return output


@action("demo.collect")
def collect(items: list[Any] | None = None, tags: list[str] = []) -> Any:  # noqa: B006
    tags.append("seen")
    return items, tags


@action("demo.login")
def login(user: str, password: Annotated[str, Secret]) -> None:
    pass


ECHO = describe_action(echo)


def test_defaults_are_applied() -> None:
    assert ECHO.validate_input({"output": "x"}) == {"output": "x", "delay": 0}


def test_given_values_are_kept() -> None:
    assert ECHO.validate_input({"output": [1], "delay": 0.5}) == {
        "output": [1],
        "delay": 0.5,
    }


def test_int_accepted_for_float() -> None:
    values = ECHO.validate_input({"output": 1, "delay": 2})
    assert values["delay"] == 2


def test_missing_message() -> None:
    with pytest.raises(ActionInputError) as caught:
        ECHO.validate_input({})
    assert str(caught.value) == (
        "Invalid input for action std.echo: missing=['output']; "
        "parameters: output (required), delay=0"
    )
    assert caught.value.missing == ["output"]
    assert caught.value.action == "std.echo"


def test_unexpected_message() -> None:
    with pytest.raises(ActionInputError) as caught:
        ECHO.validate_input({"output": 1, "foo": 2, "bar": 3})
    assert "unexpected=['foo', 'bar']" in str(caught.value)
    assert caught.value.unexpected == ["foo", "bar"]
    assert caught.value.missing == []


def test_missing_and_unexpected_together() -> None:
    with pytest.raises(ActionInputError) as caught:
        ECHO.validate_input({"foo": 2})
    message = str(caught.value)
    assert "missing=['output']" in message
    assert "unexpected=['foo']" in message


def test_type_error_names_parameter_type_and_value() -> None:
    with pytest.raises(ActionInputError) as caught:
        ECHO.validate_input({"output": 1, "delay": "soon"})
    message = str(caught.value)
    assert "parameter 'delay' must be of type number, got 'soon' (string)" in message
    assert "parameters: output (required), delay=0" in message
    assert set(caught.value.invalid) == {"delay"}


def test_secret_value_not_in_message() -> None:
    descriptor = describe_action(login)
    with pytest.raises(ActionInputError) as caught:
        descriptor.validate_input({"user": "ann", "password": 123456789})
    assert "123456789" not in str(caught.value)
    assert "password" in str(caught.value)


def test_input_must_be_mapping() -> None:
    with pytest.raises(ActionInputError, match="must be an object of parameters"):
        ECHO.validate_input(["output"])  # type: ignore[arg-type]


def test_no_parameters_text() -> None:
    @action("demo.none")
    def none() -> None:
        pass

    with pytest.raises(ActionInputError, match="parameters: none$"):
        describe_action(none).validate_input({"x": 1})


def test_mutable_default_is_copied() -> None:
    descriptor = describe_action(collect)
    first = descriptor.run({})
    second = descriptor.run({})
    assert first == (None, ["seen"])
    assert second == (None, ["seen"])


def test_run_validates_input() -> None:
    with pytest.raises(ActionInputError, match="missing=\\['output'\\]"):
        ECHO.run({})


def test_with_plugin_returns_copy() -> None:
    attributed = ECHO.with_plugin("std")
    assert attributed.plugin == "std"
    assert ECHO.plugin is None
    assert attributed.run({"output": 3}) == 3


def test_version_info_orders_semantically() -> None:
    @action("demo.v", version="1.10.0")
    def later() -> None:
        pass

    @action("demo.v", version="1.9.0")
    def earlier() -> None:
        pass

    assert describe_action(earlier).version_info < describe_action(later).version_info
