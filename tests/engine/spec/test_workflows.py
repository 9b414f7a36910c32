"""Workflow keys, workflow lists and the checks of the task graph."""

from __future__ import annotations

import pytest

from engine.spec import parse
from engine.spec.model import REQUIRED, InputParam

from .conftest import parse_text, parse_workflow, rejection


def test_workflow_keys() -> None:
    workflow = parse_workflow(
        """
        version: '2.0'
        wf:
          description: Copies things
          tags: [copy, nightly]
          input:
            - source
            - target: /tmp
            - mode: null
          output:
            copied: <% $.copied %>
          output-on-error:
            failed: true
          vars:
            limit: 3
          tasks:
            copy:
              action: std.noop
        """
    )
    assert workflow.name == "wf"
    assert workflow.type == "direct"
    assert workflow.description == "Copies things"
    assert workflow.tags == ("copy", "nightly")

    assert workflow.input == (
        InputParam("source", REQUIRED),
        InputParam("target", "/tmp"),
        InputParam("mode", None),
    )
    assert workflow.input[0].required
    assert not workflow.input[2].required

    assert workflow.output == {"copied": "<% $.copied %>"}
    assert workflow.output_on_error == {"failed": True}
    assert workflow.vars == {"limit": 3}

    assert list(workflow.tasks) == ["copy"]
    assert workflow.line == 3
    assert workflow.tasks["copy"].line == 17
    assert workflow.workbook is None


def test_workflow_list_with_several_workflows() -> None:
    definition = parse_text(
        """
        version: '2.0'
        first:
          tasks:
            a: {workflow: second}
        second:
          type: reverse
          tasks:
            b: {action: std.noop}
            c: {requires: b}
        """
    )
    assert list(definition.workflows) == ["first", "second"]
    assert definition.workbook is None
    assert definition.version == "2.0"
    assert definition.workflows["second"].type == "reverse"
    assert definition.workflows["second"].tasks["c"].requires == ("b",)


def test_version_not_compared() -> None:
    # Mistral 23.0.0 runs any workflow list version as 2.0.
    definition = parse("version: '1.0'\nwf:\n  tasks:\n    t: {action: std.noop}\n")
    assert definition.version == "1.0"


def test_unknown_workflow_keys_accepted() -> None:
    # Mistral 23.0.0 does not check the keys of a workflow.
    parse_workflow(
        "version: '2.0'\nwf:\n  owner: ops\n  tasks:\n    t: {action: std.noop}\n"
    )


def test_repeated_input_keeps_last_default() -> None:
    workflow = parse_workflow(
        "version: '2.0'\nwf:\n  input: [a, {b: 1}, {a: 2}]\n"
        "  tasks:\n    t: {action: std.noop}\n"
    )
    assert workflow.input == (InputParam("a", 2), InputParam("b", 1))


@pytest.mark.parametrize(
    ("workflow_yaml", "message"),
    [
        (
            "type: sideways\n  tasks: {t: {action: std.noop}}",
            "Unknown workflow type 'sideways'",
        ),
        ("type: null\n  tasks: {t: {action: std.noop}}", "Unknown workflow type null"),
        (
            "input: 5\n  tasks: {t: {action: std.noop}}",
            "Invalid value 5: expected a list",
        ),
        ("input: [a, a]\n  tasks: {t: {action: std.noop}}", "Item 'a' is repeated"),
        (
            "input: [{a: 1, b: 2}]\n  tasks: {t: {action: std.noop}}",
            "Invalid parameter",
        ),
        ("output: <% $.x %>\n  tasks: {t: {action: std.noop}}", "expected a mapping"),
        ("output: {o: <% $.x + %>}\n  tasks: {t: {action: std.noop}}", "Parse error"),
        ("vars: {}\n  tasks: {t: {action: std.noop}}", "The mapping is empty"),
        ("tags: [a, a]\n  tasks: {t: {action: std.noop}}", "Item 'a' is repeated"),
        ("description: x", "has no 'tasks' section"),
        ("tasks: {}", "Invalid tasks {}"),
        ("tasks: {1: {action: std.noop}}", "Invalid task name 1"),
        ("tasks: {t: null}", "Invalid task null"),
    ],
)
def test_workflow_rejected(workflow_yaml: str, message: str) -> None:
    assert message in str(rejection(f"version: '2.0'\nwf:\n  {workflow_yaml}\n"))


def test_unchecked_expressions_accepted() -> None:
    # Mistral 23.0.0 leaves these to run time: output-on-error, input
    # defaults and strings nested below the first level.
    parse_workflow(
        """
        version: '2.0'
        wf:
          input:
            - a: <% $.x + %>
          output-on-error: {e: <% $.x + %>}
          output: {nested: {o: <% $.x + %>}}
          tasks:
            t:
              action: std.noop
              input: {deep: [<% $.x + %>]}
        """
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad name here", "Name 'bad name here' must not contain spaces"),
        ("1b4e28ba-2fa1-11d2-883f-0016d3cca427", "has the format of a UUID"),
        ("1b4e28ba2fa111d2883f0016d3cca427", "has the format of a UUID"),
        ("w" * 256, "the limit is 255"),
    ],
)
def test_workflow_name_rejected(name: str, message: str) -> None:
    error = rejection(
        f"version: '2.0'\n{name}:\n  tasks:\n    t: {{action: std.noop}}\n"
    )
    assert message in str(error)
    assert error.issues[0].line == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The definition has no 'version'"),
        ("version: '2.0'\n", "The definition has no workflows"),
        ("version: ''\nwf: {tasks: {t: {}}}", "Invalid version ''"),
        ("version: true\nwf: {tasks: {t: {action: std.noop}}}", "Invalid version true"),
        ("- a\n- b\n", "the document must be a mapping"),
        ("version: '2.0'\nwf: 5\n", "Invalid workflow 5"),
        ("version: '2.0'\n7: {tasks: {t: {}}}\n", "Invalid workflow name 7"),
    ],
)
def test_document_rejected(text: str, message: str) -> None:
    assert message in str(rejection(text))


def test_no_start_task() -> None:
    error = rejection(
        """
        version: '2.0'
        wf:
          tasks:
            a: {action: std.noop, on-success: b}
            b: {action: std.noop, on-success: a}
        """
    )
    (issue,) = error.issues
    assert "no start task" in issue.message
    assert issue.key == "tasks"


def test_defaults_clause_skips_own_task() -> None:
    # The task-defaults transition to 'a' is not taken by 'a' itself, so
    # 'a' has no inbound transition and starts the workflow.
    workflow = parse_workflow(
        """
        version: '2.0'
        wf:
          task-defaults:
            on-complete: [a]
          tasks:
            a: {action: std.noop}
        """
    )
    assert list(workflow.tasks) == ["a"]


@pytest.mark.parametrize(
    ("tasks_yaml", "message"),
    [
        (
            "a: {action: std.noop, join: all}",
            "has 'join: all' but no task transitions to it",
        ),
        (
            "s: {on-success: [a, b]}\n    a: {on-success: j}\n    b: {on-success: j}\n"
            "    j: {join: 3}",
            "has 'join: 3' but only 2 task(s) transition to it (a, b)",
        ),
    ],
)
def test_join_without_enough_inbound(tasks_yaml: str, message: str) -> None:
    error = rejection(f"version: '2.0'\nwf:\n  tasks:\n    {tasks_yaml}\n")
    assert message in str(error)


def test_reverse_requires_unknown() -> None:
    error = rejection(
        """
        version: '2.0'
        wf:
          type: reverse
          task-defaults:
            requires: ghost
          tasks:
            b:
              requires: [a, ghost_task]
            a: {action: std.noop}
        """
    )
    messages = [issue.message for issue in error.issues]
    assert messages[0].startswith("Task 'ghost' not found.")
    assert messages[1].startswith("Task 'ghost_task' not found.")
    assert error.issues[0].key == "task-defaults.requires"
    assert error.issues[1].line == 9


def test_reverse_requires_engine_command_rejected() -> None:
    error = rejection(
        "version: '2.0'\nwf:\n  type: reverse\n  tasks:\n    a: {requires: fail}\n"
    )
    assert "Task 'fail' not found." in str(error)


def test_known_tasks_list_is_cut() -> None:
    tasks = "\n".join(f"    t{i}: {{action: std.noop}}" for i in range(30))
    text = f"version: '2.0'\nwf:\n  tasks:\n    s: {{on-success: zzz}}\n{tasks}\n"
    assert "and 11 more." in str(rejection(text))
