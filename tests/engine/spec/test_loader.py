"""YAML loading: line records, Mistral's plain indicators, libyaml parity."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.spec import DefinitionError, loader
from engine.spec.loader import load_yaml

TEXT = """\
version: '2.0'
wf:
  tasks:
    a:
      action: std.noop
      on-success:
        - b
        - c: <% true %>
"""


def test_key_and_item_lines() -> None:
    loaded = load_yaml(TEXT)
    tasks = loaded.data["wf"]["tasks"]
    clause = tasks["a"]["on-success"]
    assert loaded.lines.key_line(loaded.data, "wf") == 2
    assert loaded.lines.key_line(tasks, "a") == 4
    assert loaded.lines.key_line(tasks["a"], "on-success") == 6
    assert loaded.lines.item_line(clause, 0) == 7
    assert loaded.lines.item_line(clause, 1) == 8
    assert loaded.lines.item_line(clause, 2) is None
    assert loaded.lines.key_line(tasks, "missing") is None
    assert loaded.lines.key_line({}, "a") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: &anchor\n", {"a": "&anchor"}),
        ("a: *alias\n", {"a": "*alias"}),
        ("a: @at\n", {"a": "@at"}),
        ("a: [*x, &y]\n", {"a": ["*x", "&y"]}),
        ("- &a x\n- *a\n", ["&a x", "*a"]),
        ("a: <% $.x * 2 %>\n", {"a": "<% $.x * 2 %>"}),
        ("a: !!str &x\n", {"a": "&x"}),
    ],
)
def test_plain_indicators(text: str, expected: Any) -> None:
    assert load_yaml(text).data == expected


def test_merge_key_still_works() -> None:
    assert load_yaml("<<: {a: 1}\nb: 2\n").data == {"a": 1, "b": 2}


def test_safe_types_only() -> None:
    with pytest.raises(DefinitionError) as caught:
        load_yaml("a: !!python/object:os.system {}\n")
    assert "could not determine a constructor" in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 5000 + "]" * 5000,
        "a:\n" + "".join(f"{' ' * i}- \n" for i in range(1, 2000)),
    ],
)
def test_deep_nesting_rejected_or_loaded(text: str) -> None:
    try:
        load_yaml(text)
    except DefinitionError as error:
        assert error.issues[0].message.startswith("Invalid YAML")


YAML_PIECES = st.sampled_from(
    [
        "a",
        "b: ",
        "- ",
        "  ",
        "\n",
        ": ",
        "[",
        "]",
        "{",
        "}",
        ", ",
        "'q'",
        '"d"',
        "&x",
        "*x",
        "@x",
        "!t ",
        "!!str ",
        "# c",
        "<% $ * 2 %>",
        "? ",
        "|",
        ">",
        "1",
        "2.5",
        "true",
        "null",
        "---",
        "...",
        "\t",
        "x&y",
        "-1",
        "%",
        "\r",
        "\r\n",
        "~",
        "<<: ",
        "|-\n  x",
        "'",
        '"',
        "\u00e9",
        "\ufeff",
        "\x85",
        "\u2028",
        "!",
        "`",
        "!= ",
        "  - ",
        "#",
        "|+",
        ">-",
        "%YAML 1.1\n",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(YAML_PIECES, max_size=30).map("".join))
def test_libyaml_matches_pure_loader(text: str) -> None:
    if loader._FastLoader is None or loader._NEEDS_PURE_LOADER.search(text):
        return
    assert _load_with(loader._FastLoader, text) == _load_with(loader._PureLoader, text)


def _load_with(loader_class: type, text: str) -> Any:
    instance = loader_class(text)
    try:
        return ("ok", instance.get_single_data())
    except Exception:  # noqa: BLE001 - both loaders must fail, messages may differ
        return ("error",)
    finally:
        instance.dispose()


def test_trailing_tab_rejected_like_mistral() -> None:
    # libyaml accepts this; Mistral's pure-Python loader does not.
    with pytest.raises(DefinitionError) as caught:
        load_yaml("a: b\t\n")
    assert "cannot start any token" in str(caught.value)
