import pytest

from action_sdk import (
    Action,
    ActionDefinitionError,
    Deprecation,
    Microversion,
    RunContext,
    ServiceRequirement,
    action,
    describe_action,
)
from action_sdk._requirements import normalize_release


@pytest.mark.parametrize(
    ("low", "high"),
    [("2.1", "2.10"), ("2.93", "2.100"), ("2.9", "2.47"), ("1.0", "2.0")],
)
def test_microversion_order_is_numeric(low: str, high: str) -> None:
    assert Microversion.parse(low) < Microversion.parse(high)


@pytest.mark.parametrize("text", ["2", "2.x", "v2.1", "2.1.1", "", "2.01", None])
def test_microversion_parse_rejects(text: object) -> None:
    with pytest.raises(ValueError, match="MAJOR.MINOR"):
        Microversion.parse(text)


def test_microversion_parse_rejects_float() -> None:
    with pytest.raises(ValueError, match="cannot be told from 2.10"):
        Microversion.parse(2.1)


def test_requirement_describe() -> None:
    assert (
        ServiceRequirement("compute", 2, "2.47").describe() == "compute 2.47 or later"
    )
    assert (
        ServiceRequirement("compute", 2, "2.1", "2.46").describe()
        == "compute 2.1 to 2.46"
    )
    assert (
        ServiceRequirement("compute", 2, None, "2.46").describe()
        == "compute up to 2.46"
    )
    assert ServiceRequirement("image", 2).describe() == "image v2"


def test_requirement_describe_removal() -> None:
    requirement = ServiceRequirement("compute", 2, removed_in="Rocky")
    assert requirement.describe() == "compute v2 (removed in Rocky)"
    assert requirement.removal is not None
    assert requirement.removal.release == "rocky"


def test_requirement_removal_year_name() -> None:
    requirement = ServiceRequirement("compute", 2, removed_in="2025.1")
    assert requirement.removal is not None
    assert requirement.removal.release == "epoxy"


def test_requirement_removal_microversion_fact() -> None:
    requirement = ServiceRequirement("compute", 2, removed_in="compute 2.65")
    assert requirement.removal is not None
    assert requirement.removal.microversion == Microversion(2, 65)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"service_type": "volumev3", "major": 3},
            "use the official service type 'block-storage'",
        ),
        (
            {"service_type": "nova", "major": 2},
            "use the official service type 'compute'",
        ),
        ({"service_type": "Compute", "major": 2}, "invalid service type 'Compute'"),
        ({"service_type": "compute", "major": "2"}, "major must be an int"),
        (
            {"service_type": "compute", "major": 2, "min_microversion": "2.x"},
            "min_microversion",
        ),
        (
            {"service_type": "compute", "major": 2, "min_microversion": "3.1"},
            "does not belong to major version 2",
        ),
        (
            {
                "service_type": "compute",
                "major": 2,
                "min_microversion": "2.50",
                "max_microversion": "2.40",
            },
            "is above max_microversion",
        ),
        (
            {"service_type": "image", "major": 2, "min_microversion": "2.1"},
            "has no microversions known",
        ),
        (
            {"service_type": "compute", "major": 2, "removed_in": "rockey"},
            "did you mean 'rocky'",
        ),
        (
            {"service_type": "compute", "major": 2, "removed_in": "image 2.1"},
            "own microversioned service",
        ),
    ],
)
def test_requirement_rejects(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ActionDefinitionError, match=message):
        ServiceRequirement(**kwargs)  # type: ignore[arg-type]


def test_deprecation_describe() -> None:
    note = Deprecation(reason="flavor ids are gone", replacement="nova.servers_list@2")
    assert note.describe() == "deprecated: flavor ids are gone; use nova.servers_list@2"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reason": ""}, "reason must be a non-empty string"),
        ({"reason": "old", "replacement": "bad name@2"}, "invalid replacement"),
        ({"reason": "old", "replacement": "nova.x@"}, "empty version"),
    ],
)
def test_deprecation_rejects(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ActionDefinitionError, match=message):
        Deprecation(**kwargs)


COMPUTE = ServiceRequirement("compute", 2, "2.47")
NOTE = Deprecation(reason="old", replacement="demo.new@1")


@action("demo.listed", version="2.0.0", requirements=(COMPUTE,), deprecated=NOTE)
def listed(context: RunContext) -> None:
    pass


class Listed(Action):
    name = "demo.listed_class"
    requirements = (COMPUTE,)
    deprecated = NOTE

    def run(self, context: RunContext) -> None:
        pass


@pytest.mark.parametrize("target", [listed, Listed])
def test_descriptor_carries_requirements(target: object) -> None:
    descriptor = describe_action(target)
    assert descriptor.requirements == (COMPUTE,)
    assert descriptor.deprecated == NOTE


def test_decorator_rejects_duplicate_service() -> None:
    with pytest.raises(ActionDefinitionError, match="required twice"):
        action("demo.twice", requirements=(COMPUTE, ServiceRequirement("compute", 2)))


def test_decorator_rejects_non_requirement() -> None:
    with pytest.raises(ActionDefinitionError, match="ServiceRequirement objects"):
        action("demo.bad", requirements=("compute",))  # type: ignore[arg-type]


def test_class_rejects_bad_deprecation() -> None:
    with pytest.raises(ActionDefinitionError, match="deprecated must be Deprecation"):

        class Bad(Action):
            name = "demo.bad_deprecation"
            deprecated = "yes"  # type: ignore[assignment]

            def run(self, context: RunContext) -> None:
                pass


@pytest.mark.parametrize(
    ("name", "start"),
    [
        ("bogus", "unknown OpenStack release 'bogus'. Use a series name from "),
        ("zedd", "unknown OpenStack release 'zedd'; did you mean 'zed'? Use a series"),
    ],
)
def test_unknown_release_message(name: str, start: str) -> None:
    with pytest.raises(ValueError) as caught:
        normalize_release(name)
    assert str(caught.value).startswith(start)
