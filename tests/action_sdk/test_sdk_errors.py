import pytest

from action_sdk import (
    ActionDefinitionError,
    ActionError,
    ActionInputError,
    LevanteActionError,
)


@pytest.mark.parametrize(
    "error_class", [ActionError, ActionInputError, ActionDefinitionError]
)
def test_errors_share_root(error_class: type[Exception]) -> None:
    assert issubclass(error_class, LevanteActionError)


def test_definition_error_is_type_error() -> None:
    assert issubclass(ActionDefinitionError, TypeError)


def test_input_error_is_value_error() -> None:
    assert issubclass(ActionInputError, ValueError)


def test_action_error_carries_data() -> None:
    error = ActionError("failed", data={"code": 7})
    assert error.message == "failed"
    assert error.data == {"code": 7}
    assert str(error) == "failed"


def test_action_error_data_defaults_to_none() -> None:
    assert ActionError("failed").data is None


def test_action_error_repr_shows_data() -> None:
    assert repr(ActionError("failed", [1])) == "ActionError('failed', data=[1])"


def test_input_error_fields() -> None:
    error = ActionInputError(
        "bad",
        action="std.echo",
        missing=["output"],
        unexpected=["x"],
        invalid={"d": "r"},
    )
    assert error.action == "std.echo"
    assert error.missing == ["output"]
    assert error.unexpected == ["x"]
    assert error.invalid == {"d": "r"}
