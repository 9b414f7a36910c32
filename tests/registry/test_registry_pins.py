import pytest

from registry.errors import InvalidPin
from registry.pins import parse_pin, split_pin

VERSIONS = [
    "0.3.0",
    "0.3.5",
    "0.4.0",
    "1.0.0",
    "2.0.0",
    "2.0.1",
    "2.1.0",
    "2.5.3",
    "3.0.0",
]


@pytest.mark.parametrize(
    ("pin", "matching"),
    [
        ("2", ["2.0.0", "2.0.1", "2.1.0", "2.5.3"]),
        ("2.1", ["2.1.0", "2.5.3"]),
        ("2.0.1", ["2.0.1", "2.1.0", "2.5.3"]),
        ("0.3", ["0.3.0", "0.3.5"]),
        ("0", ["0.3.0", "0.3.5", "0.4.0"]),
        (">=2.1,<3", ["2.1.0", "2.5.3"]),
        (">2.0.0, <=2.1", ["2.0.1", "2.1.0"]),
        ("==2.0.1", ["2.0.1"]),
        ("!=2.0.0,>=2,<3", ["2.0.1", "2.1.0", "2.5.3"]),
        (">=3", ["3.0.0"]),
    ],
)
def test_pin_matches(pin: str, matching: list[str]) -> None:
    parsed = parse_pin(pin)
    assert [v for v in VERSIONS if parsed.matches(v)] == matching


def test_prerelease_needs_exact_pin() -> None:
    assert not parse_pin(">=2").matches("3.0.0-rc.1")
    assert parse_pin("==3.0.0-rc.1").matches("3.0.0-rc.1")


@pytest.mark.parametrize(
    ("text", "name", "pin"),
    [
        ("nova.servers_list", "nova.servers_list", None),
        ("nova.servers_list@2", "nova.servers_list", "2"),
        ("nova.servers_list@>=2.1,<3", "nova.servers_list", ">=2.1,<3"),
    ],
)
def test_split_pin(text: str, name: str, pin: str | None) -> None:
    parsed_name, parsed_pin = split_pin(text)
    assert parsed_name == name
    assert (parsed_pin.text if parsed_pin else None) == pin


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nova.x@", "empty version pin in 'nova.x@'"),
        ("@2", "the action name before '@' is empty"),
        ("nova.x@two", "invalid version pin clause 'two'"),
        ("nova.x@~2", "invalid version pin clause '~2'"),
        ("nova.x@>=2.x", "invalid version '2.x'"),
        ("nova.x@2.1.1.1", "invalid version '2.1.1.1'"),
    ],
)
def test_split_pin_rejects(text: str, message: str) -> None:
    with pytest.raises(InvalidPin, match=message):
        split_pin(text)


@pytest.mark.parametrize(
    ("pin", "text"),
    [
        ("3", "version 3"),
        (">=2.1,<3", "versions >=2.1,<3"),
        ("==2.0.1", "version 2.0.1"),
    ],
)
def test_pin_describe(pin: str, text: str) -> None:
    assert parse_pin(pin).describe() == text
