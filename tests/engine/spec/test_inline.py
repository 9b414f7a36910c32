"""Inline parameters, read with Mistral 23.0.0's quirks."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.spec.inline import (
    InlineSyntaxError,
    dropped_parameters,
    parse_parameters,
    split_inline,
)


@pytest.mark.parametrize(
    ("text", "name", "params"),
    [
        ("std.noop", "std.noop", {}),
        ('std.echo output="inline words"', "std.echo", {"output": "inline words"}),
        ("std.echo output='single'", "std.echo", {"output": "single"}),
        ("std.echo output=42", "std.echo", {"output": 42}),
        ("std.echo output=2.5", "std.echo", {"output": 2}),
        ("std.echo output=hello", "std.echo", {}),
        ("std.echo output=007", "std.echo", {"output": "007"}),
        (
            "std.echo a=true b=false c=null",
            "std.echo",
            {"a": True, "b": False, "c": None},
        ),
        ("std.echo a=truex", "std.echo", {"a": True}),
        ("std.echo output=[1, 2]", "std.echo", {"output": [1, 2]}),
        ("std.echo output=[a, b]", "std.echo", {"output": "[a, b]"}),
        ("std.echo a=[1] b=[2]", "std.echo", {"a": "[1] b=[2]"}),
        ('std.echo output={"a": 1}', "std.echo", {}),
        ("std.echo output=<% $.x %>", "std.echo", {"output": "<% $.x %>"}),
        ("std.echo output={{ _.x }}", "std.echo", {"output": "{{ _.x }}"}),
        ('std.echo output="a" output="b"', "std.echo", {"output": "b"}),
        ("std.echo dash-name=1", "std.echo", {"dash-name": 1}),
        ("<% $.action %> x=1", "<% $.action %>", {"x": 1}),
        ("wf_name a=7", "wf_name", {"a": 7}),
        ('fail(msg="a b")', "fail", {"msg": "a b"}),
        ("fail msg=<% $.reason %>", "fail", {"msg": "<% $.reason %>"}),
        ("my task", "my", {}),
        ("std.echo\toutput=1", "std.echo\toutput=1", {}),
    ],
)
def test_split_inline(text: str, name: str, params: dict[str, Any]) -> None:
    assert split_inline(text) == (name, params)


@pytest.mark.parametrize("text", ["-x y=1", '"quoted" a=1', "=1 2"])
def test_split_inline_rejects_bad_start(text: str) -> None:
    with pytest.raises(InlineSyntaxError) as caught:
        split_inline(text)
    assert repr(text) in str(caught.value)


def test_parameters_found_anywhere() -> None:
    assert parse_parameters("count=3 delay=1 break-on=<% $.stop %>") == {
        "count": 3,
        "delay": 1,
        "break-on": "<% $.stop %>",
    }


@pytest.mark.parametrize(
    ("text", "dropped"),
    [
        ("std.echo output=hello", ["output=hello"]),
        ("std.echo output=hello delay=1", ["output=hello"]),
        ('std.echo output="a=b"', []),
        ("std.echo output=<% $.a=1 %>", []),
        ("std.echo output={{ x=1 }}", []),
        ("std.echo output=[a=1]", []),
        ("std.echo a=truex", []),
        ("std.echo output=2.5", []),
        ("std.echo note={a: 1}", ["note={a:"]),
        ("std.noop", []),
        ("sub name=web", ["name=web"]),
    ],
)
def test_dropped_parameters(text: str, dropped: list[str]) -> None:
    assert dropped_parameters(text) == dropped


@given(st.text(alphabet="ab=\"' <%>{}[]1.", max_size=40))
def test_dropped_parameters_never_kept(text: str) -> None:
    kept = parse_parameters(text)
    for pair in dropped_parameters(text):
        name = pair.split("=", 1)[0]
        assert pair.startswith(f"{name}=")
        # A dropped pair's name may still be kept by a later pair of the same name.
        assert name not in kept or text.count(f"{name}=") > 1
