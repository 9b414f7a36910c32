"""Arbitrary text never makes the parser fail with anything but DefinitionError."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.spec import DefinitionError, parse

KEYS = [
    "version",
    "name",
    "workflows",
    "actions",
    "wf",
    "tasks",
    "type",
    "input",
    "output",
    "output-on-error",
    "vars",
    "task-defaults",
    "t",
    "u",
    "action",
    "workflow",
    "publish",
    "publish-on-error",
    "with-items",
    "retry",
    "wait-before",
    "timeout",
    "pause-before",
    "concurrency",
    "join",
    "requires",
    "on-success",
    "on-error",
    "on-complete",
    "on-skip",
    "next",
    "branch",
    "global",
    "count",
    "delay",
    "break-on",
    "base",
    "base-input",
    "keep-result",
    "safe-rerun",
    "target",
    "tags",
    "description",
    "fail-on",
]
SCALARS = [
    "'2.0'",
    "2.0",
    "-1",
    "0",
    "3",
    "true",
    "null",
    "''",
    "direct",
    "reverse",
    "all",
    "one",
    "std.noop",
    "'std.echo output=\"x\" n=1'",
    "<% $.x %>",
    "'<% $.a + %>'",
    "'{{ _.x }}'",
    "'x in [1, 2]'",
    "'x in <% $.l %>'",
    "'count=2 delay=0'",
    "t",
    "u",
    "fail",
    "'fail msg=\"m\"'",
    "'fail(msg=\"m\")'",
    "&a",
    "*a",
    "@a",
    "'a b'",
    "[]",
    "{}",
]


def _node(depth: int) -> st.SearchStrategy[str]:
    scalar = st.sampled_from(SCALARS)
    if depth == 0:
        return scalar
    child = _node(depth - 1)
    flow_map = st.dictionaries(st.sampled_from(KEYS), child, max_size=4).map(
        lambda d: "{" + ", ".join(f"{k}: {v}" for k, v in d.items()) + "}"
    )
    flow_list = st.lists(child, max_size=3).map(
        lambda items: "[" + ", ".join(items) + "]"
    )
    return st.one_of(scalar, flow_map, flow_list)


DOCUMENTS = st.dictionaries(st.sampled_from(KEYS), _node(4), max_size=6).map(
    lambda d: "\n".join(f"{k}: {v}" for k, v in d.items()) + "\n"
)


@settings(max_examples=300, deadline=None)
@given(DOCUMENTS)
def test_structured_text(text: str) -> None:
    try:
        parse(text)
    except DefinitionError as error:
        assert error.issues


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab:-[]{},'\"&*@!#|>\n\t <%>=.0123456789")))
)
def test_random_text(text: str) -> None:
    try:
        parse(text)
    except DefinitionError as error:
        assert error.issues


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_unicode_text(text: str) -> None:
    try:
        parse(f"version: '2.0'\nwf:\n  tasks:\n    t:\n      action: {text}\n")
    except DefinitionError as error:
        assert error.issues
