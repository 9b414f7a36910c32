"""Task keys: action and workflow, input, with-items, join and key checks."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import parse_task, rejection


def task_error(task_yaml: str, workflow_type: str = "direct") -> str:
    body = "\n".join("      " + line for line in task_yaml.strip().splitlines())
    text = f"version: '2.0'\nwf:\n  type: {workflow_type}\n  tasks:\n    t:\n{body}\n"
    return str(rejection(text))


def test_action_with_inline_input() -> None:
    task = parse_task('action: std.echo output="x" delay=1')
    assert task.action == "std.echo"
    assert task.workflow is None
    assert task.inline_input == {"output": "x", "delay": 1}


def test_workflow_with_inline_input() -> None:
    task = parse_task('workflow: sub a=7 b="q"')
    assert task.workflow == "sub"
    assert task.action is None
    assert task.inline_input == {"a": 7, "b": "q"}


def test_task_without_action() -> None:
    task = parse_task("publish: {a: 1}")
    assert task.action is None
    assert task.workflow is None


def test_inline_and_input_kept_apart() -> None:
    task = parse_task('action: std.echo output="inline"\ninput: {output: block}')
    assert task.inline_input == {"output": "inline"}
    assert task.input == {"output": "block"}


@pytest.mark.parametrize(
    ("join", "expected"),
    [("all", "all"), ("one", 1), ("2", 2), ("0", None), ("1.0", 1)],
)
def test_join_values(join: str, expected: Any) -> None:
    task = parse_task(
        f"join: {join}",
        """
        s: {on-success: [a, b]}
        a: {on-success: t}
        b: {on-success: t}
        """,
    )
    assert task.join == expected


@pytest.mark.parametrize("join", ["'1'", "-1", "true", "any"])
def test_join_rejected(join: str) -> None:
    assert "Invalid join" in task_error(f"join: {join}")


@pytest.mark.parametrize(
    ("task_yaml", "message"),
    [
        ("action: std.noop\nworkflow: other", "has both 'action' and 'workflow'"),
        ("action: ''", "expected a non-empty string"),
        ("action: '-x y=1'", "Invalid inline syntax '-x y=1'"),
        ("action: std.echo output=<% $.a + %>", "Parse error"),
        ("input: 5", "Invalid value 5: expected a mapping"),
        ("input: {}", "The mapping is empty"),
        (
            "action: std.echo output=1\ninput: <% $.x %>",
            "inline parameters and an 'input'",
        ),
        ("publish: []", "expected a mapping of names to values"),
        ("publish: {1: a}", "names in this mapping must be strings"),
        ("keep-result: 'no'", "expected true, false"),
        ("target: 5", "expected a non-empty string"),
        ("description: ''", "expected a non-empty string"),
        ("tags: [a, a]", "Item 'a' is repeated"),
        ("pubish: {a: 1}", "Did you mean 'publish'?"),
        ("foo: 1", "Unknown task key 'foo' ('foo' was unexpected)"),
        ("requires: [a]", "'requires' was unexpected"),
    ],
)
def test_task_rejected(task_yaml: str, message: str) -> None:
    assert message in task_error(task_yaml)


@pytest.mark.parametrize(
    "key", ["on-success: a", "on-error: a", "on-complete: a", "join: all"]
)
def test_direct_keys_rejected_in_reverse(key: str) -> None:
    name = key.split(":")[0]
    assert f"'{name}' was unexpected" in task_error(key, "reverse")


def test_ignored_keys_accepted() -> None:
    task = parse_task("action: std.noop\nname: other\nversion: 9\ntype: reverse")
    assert task.name == "t"


def test_empty_task_rejected_for_word_names() -> None:
    message = str(rejection("version: '2.0'\nwf:\n  tasks:\n    t: {}\n"))
    assert "The task is empty" in message


def test_empty_task_accepted_for_other_names() -> None:
    # Mistral 23.0.0 checks emptiness only for names made of word characters.
    parse_task("action: std.noop", "a-b: {}")


@pytest.mark.parametrize(
    ("length", "join", "accepted"),
    [
        (255, "", True),
        (256, "", False),
        (208, "join: all", True),
        (209, "join: all", False),
    ],
)
def test_task_name_limits(length: int, join: str, accepted: bool) -> None:
    name = "n" * length
    text = (
        "version: '2.0'\nwf:\n  tasks:\n"
        f"    s: {{on-success: {name}}}\n    {name}: {{action: std.noop, {join}}}\n"
    )
    if accepted:
        parse_task("action: std.noop")
        assert "characters long" not in _errors_or_empty(text)
    else:
        assert "characters long" in _errors_or_empty(text)


def _errors_or_empty(text: str) -> str:
    from engine.spec import DefinitionError, parse

    try:
        parse(text)
    except DefinitionError as error:
        return str(error)
    return ""


def test_bare_inline_word_is_a_warning() -> None:
    from engine.spec.parser import parse

    text = "version: '2.0'\nwf:\n  tasks:\n    say:\n      action: std.echo output=hello\n"
    definition = parse(text, "wf.yaml")
    [warning] = definition.warnings
    assert warning.line == 5
    assert warning.task == "say"
    assert warning.key == "action"
    assert "Inline parameter 'output=hello' is ignored" in warning.message
    assert 'write output="..." to pass text' in warning.message
