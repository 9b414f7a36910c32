from typing import Annotated, Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from action_sdk import (
    Action,
    ActionDefinitionError,
    ActionInputError,
    Alias,
    Param,
    RunContext,
    Secret,
    action,
    describe_action,
)
from action_sdk._descriptor import MAX_LISTING_WITH_ALIASES, ActionDescriptor

ServerId = Annotated[str, Alias("server")]


@action("demo.reboot")
def reboot(
    server_id: ServerId, reboot_type: Literal["SOFT", "HARD"] = "SOFT"
) -> dict[str, Any]:
    """Reboot a server.

    Args:
        server_id: Id of the server.
        reboot_type: SOFT or HARD.
    """
    return {"server_id": server_id, "reboot_type": reboot_type}


@action("demo.two_aliases")
def two_aliases(
    node_id: Annotated[str, Alias("node", "node_uuid")], count: int = 1
) -> dict[str, Any]:
    return {"node_id": node_id, "count": count}


@action("demo.secret_alias")
def secret_alias(
    password: Annotated[str, Secret, Alias("admin_pass")],
) -> str:
    return "done"


REBOOT = describe_action(reboot)
TWO = describe_action(two_aliases)
SECRET = describe_action(secret_alias)


def test_alias_reaches_action_under_name() -> None:
    assert REBOOT.run({"server": "s1"}) == {"server_id": "s1", "reboot_type": "SOFT"}


def test_name_still_accepted() -> None:
    assert REBOOT.validate_input({"server_id": "s1"}) == {
        "server_id": "s1",
        "reboot_type": "SOFT",
    }


def test_each_of_several_aliases_works() -> None:
    for key in ("node_id", "node", "node_uuid"):
        assert TWO.validate_input({key: "n1"}) == {"node_id": "n1", "count": 1}


def test_alias_satisfies_required_parameter() -> None:
    values = REBOOT.validate_input({"server": "s1", "reboot_type": "HARD"})
    assert values == {"server_id": "s1", "reboot_type": "HARD"}


def test_alias_value_is_converted() -> None:
    @action("demo.sized")
    def sized(size: Annotated[int, Alias("new_size")]) -> int:
        return size

    assert describe_action(sized).validate_input({"new_size": "3"}) == {"size": 3}


def test_name_and_alias_both_given() -> None:
    with pytest.raises(ActionInputError) as caught:
        REBOOT.validate_input({"server_id": "s1", "server": "s2"})
    error = caught.value
    assert "server_id" in error.invalid
    assert "'server_id' and alias 'server'" in error.message
    assert "give it under one name only" in error.message
    assert error.unexpected == []
    assert error.missing == []


def test_two_aliases_both_given() -> None:
    with pytest.raises(ActionInputError) as caught:
        TWO.validate_input({"node": "n1", "node_uuid": "n2"})
    assert "alias 'node' and alias 'node_uuid'" in caught.value.invalid["node_id"]


def test_wrong_type_names_alias_used() -> None:
    with pytest.raises(ActionInputError) as caught:
        REBOOT.validate_input({"server": 5})
    reason = caught.value.invalid["server_id"]
    assert "parameter 'server_id' (given as 'server')" in reason
    assert "must be of type string" in reason


def test_unknown_key_lists_aliases() -> None:
    with pytest.raises(ActionInputError) as caught:
        REBOOT.validate_input({"instance": "s1"})
    assert caught.value.unexpected == ["instance"]
    assert caught.value.missing == ["server_id"]
    assert "server_id (required, alias server)" in caught.value.message
    assert "reboot_type='SOFT'" in caught.value.message


def test_long_listing_leaves_aliases_out() -> None:
    names = [f"parameter_number_{index}" for index in range(12)]
    parameters = tuple(
        Param(name=name, annotation=str, aliases=(f"{name}_alias",)) for name in names
    )
    descriptor = ActionDescriptor(
        name="demo.long",
        version="1.0.0",
        description="",
        parameters=parameters,
        invoke=lambda context, values: None,
    )
    listing = descriptor.describe_parameters()
    assert "alias" not in listing
    assert "parameter_number_11 (required)" in listing
    with_aliases = ", ".join(p.describe(with_aliases=True) for p in parameters)
    assert len(with_aliases) > MAX_LISTING_WITH_ALIASES


def test_schema_lists_aliases() -> None:
    schema = REBOOT.input_schema()
    assert schema["properties"]["server_id"]["x-aliases"] == ["server"]
    assert "x-aliases" not in schema["properties"]["reboot_type"]
    assert schema["required"] == ["server_id"]
    assert set(schema["properties"]) == {"server_id", "reboot_type"}


def test_schema_lists_aliases_in_order() -> None:
    properties = TWO.input_schema()["properties"]
    assert properties["node_id"]["x-aliases"] == ["node", "node_uuid"]


def test_param_records_aliases() -> None:
    assert REBOOT.parameters[0].aliases == ("server",)
    assert REBOOT.parameters[1].aliases == ()


def test_secret_alias_is_redacted() -> None:
    assert SECRET.redact_input({"admin_pass": "hunter2"}) == {"admin_pass": "***"}
    assert SECRET.parameters[0].secret


def test_secret_alias_value_hidden_in_errors() -> None:
    with pytest.raises(ActionInputError) as caught:
        SECRET.validate_input({"admin_pass": 12345})
    assert "12345" not in caught.value.message
    assert "hidden integer" in caught.value.message


def test_secret_alias_scrubbed_from_result() -> None:
    result = SECRET.redact_result({"note": "pw hunter2"}, {"admin_pass": "hunter2"})
    assert result == {"note": "pw ***"}


def test_parameter_for_resolves_aliases() -> None:
    assert REBOOT.parameter_for("server") is REBOOT.parameters[0]
    assert REBOOT.parameter_for("server_id") is REBOOT.parameters[0]
    assert REBOOT.parameter_for("instance") is None


def test_class_action_accepts_alias() -> None:
    class Stop(Action):
        name = "demo.stop"

        def run(
            self, context: RunContext, server_id: Annotated[str, Alias("server")]
        ) -> str:
            return server_id

    assert describe_action(Stop).run({"server": "s9"}) == "s9"


def test_alias_equal_to_other_name_rejected() -> None:
    with pytest.raises(ActionDefinitionError) as caught:

        @action("demo.collide")
        def collide(target: Annotated[str, Alias("other")], other: str = "") -> None:
            pass

    text = str(caught.value)
    assert "action demo.collide" in text
    assert "alias 'other' of parameter 'target'" in text
    assert "is the name of parameter 'other'" in text


def test_alias_shared_by_two_params_rejected() -> None:
    with pytest.raises(ActionDefinitionError) as caught:

        @action("demo.collide")
        def collide(
            target: Annotated[str, Alias("shared")],
            other: Annotated[str, Alias("shared")] = "",
        ) -> None:
            pass

    text = str(caught.value)
    assert "alias 'shared' of parameter 'other'" in text
    assert "is an alias of parameter 'target'" in text


def test_alias_equal_to_own_name_rejected() -> None:
    with pytest.raises(ActionDefinitionError) as caught:

        @action("demo.collide")
        def collide(target: Annotated[str, Alias("target")]) -> None:
            pass

    assert "is the parameter's own name" in str(caught.value)


def test_alias_listed_twice_rejected() -> None:
    with pytest.raises(ActionDefinitionError) as caught:

        @action("demo.collide")
        def collide(target: Annotated[str, Alias("x", "x")]) -> None:
            pass

    assert "alias 'x' of parameter 'target' is an alias listed twice" in str(
        caught.value
    )


def test_collision_in_class_rejected() -> None:
    with pytest.raises(ActionDefinitionError) as caught:

        class Clash(Action):
            name = "demo.clash"

            def run(
                self,
                context: RunContext,
                first: Annotated[str, Alias("second")],
                second: str,
            ) -> None:
                pass

    assert "alias 'second' of parameter 'first'" in str(caught.value)
    assert "Clash" in str(caught.value)


def test_descriptor_rejects_colliding_params() -> None:
    with pytest.raises(ActionDefinitionError) as caught:
        ActionDescriptor(
            name="demo.direct",
            version="1.0.0",
            description="",
            parameters=(
                Param(name="a", aliases=("b",)),
                Param(name="b"),
            ),
            invoke=lambda context, values: None,
        )
    assert "action demo.direct" in str(caught.value)


@pytest.mark.parametrize("names", [(), ("",), ("with space",), ("1st",), (5,)])
def test_invalid_alias_names_rejected(names: tuple[Any, ...]) -> None:
    with pytest.raises(ActionDefinitionError):
        Alias(*names)


def test_bare_alias_marker_rejected() -> None:
    with pytest.raises(ActionDefinitionError) as caught:

        @action("demo.bare")
        def bare(target: Annotated[str, Alias]) -> None:
            pass

    assert 'Alias("name")' in str(caught.value)


@given(
    use_alias=st.booleans(),
    value=st.text(min_size=1, max_size=20),
    reboot_type=st.sampled_from([None, "SOFT", "HARD"]),
)
def test_alias_and_name_give_same_input(
    use_alias: bool, value: str, reboot_type: str | None
) -> None:
    given_input: dict[str, Any] = {"server" if use_alias else "server_id": value}
    if reboot_type is not None:
        given_input["reboot_type"] = reboot_type
    expected = {"server_id": value, "reboot_type": reboot_type or "SOFT"}
    assert REBOOT.validate_input(given_input) == expected
