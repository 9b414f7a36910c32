"""Issue messages: placement, format and collection of every problem."""

from __future__ import annotations

import pickle

import pytest

from engine.spec import DefinitionError, SpecIssue, parse

from .conftest import rejection


@pytest.mark.parametrize(
    ("issue", "text"),
    [
        (
            SpecIssue("Task 'x' not found.", "wf", "t", "on-success", 7, "wf.yaml"),
            "wf.yaml:7: workflow 'wf', task 't', key 'on-success': Task 'x' not found.",
        ),
        (SpecIssue("Bad.", workflow="wf", line=3), "<string>:3: workflow 'wf': Bad."),
        (SpecIssue("Bad.", key="version", line=1), "<string>:1: key 'version': Bad."),
        (SpecIssue("Bad.", source="a.yaml"), "a.yaml: Bad."),
        (
            SpecIssue("Bad.", action="wb.a", key="base", line=4),
            "<string>:4: action 'wb.a', key 'base': Bad.",
        ),
    ],
)
def test_issue_text(issue: SpecIssue, text: str) -> None:
    assert str(issue) == text


def test_every_issue_collected() -> None:
    error = rejection(
        """
        version: '2.0'
        wf:
          tasks:
            a:
              action: std.noop
              wait-before: -1
              on-success: [nowhere]
            b:
              action: std.noop
              retry: {count: 1}
        other wf:
          tasks:
            c: {action: std.noop}
        """
    )
    assert [
        (issue.workflow, issue.task, issue.key, issue.line) for issue in error.issues
    ] == [
        ("wf", "a", "wait-before", 7),
        ("wf", "a", "on-success", 8),
        ("wf", "b", "retry", 11),
        ("other wf", None, None, 12),
    ]
    lines = str(error).splitlines()
    assert len(lines) == 4
    assert lines[1] == (
        "<string>:8: workflow 'wf', task 'a', key 'on-success': "
        "Task 'nowhere' not found. Known tasks: a, b."
    )


def test_source_in_messages() -> None:
    with pytest.raises(DefinitionError) as caught:
        parse(
            "version: '2.0'\nwf:\n  tasks:\n    t: {join: x}\n", source="flows/wf.yaml"
        )
    assert str(caught.value).startswith(
        "flows/wf.yaml:4: workflow 'wf', task 't', key 'join': "
    )


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "version: '2.0'\nwf:\n  tasks:\n    a: {action: std.noop\n",
            5,
            "did not find expected ',' or '}'",
        ),
        ("version: '2.0'\nwf:\n\ttasks: {}\n", 3, "cannot start any token"),
        ("a: 1\n---\nb: 2\n", 2, "expected a single document"),
        ("a: [1\nb: 2\n", 2, "did not find expected ',' or ']'"),
        ("? [a]\n: 1\n", 1, "found unhashable key"),
        ("a: 1\nb: \x1f\n", 2, "unacceptable character #x001f"),
    ],
)
def test_yaml_error_has_line(text: str, line: int, message: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        parse(text, source="bad.yaml")
    (issue,) = caught.value.issues
    assert issue.line == line
    assert message in issue.message
    assert issue.message.startswith("Invalid YAML: ")


def test_error_pickles() -> None:
    error = rejection("version: '2.0'\n")
    copy = pickle.loads(pickle.dumps(error))
    assert copy.issues == error.issues
    assert str(copy) == str(error)


def test_error_needs_issues() -> None:
    with pytest.raises(ValueError):
        DefinitionError([])


def test_non_text_input() -> None:
    with pytest.raises(TypeError):
        parse(b"version: '2.0'")  # type: ignore[arg-type]
