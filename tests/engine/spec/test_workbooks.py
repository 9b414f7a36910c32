"""Workbooks: full names, ad-hoc actions and workbook keys."""

from __future__ import annotations

import pytest

from engine.spec import DefinitionError, parse
from engine.spec.model import REQUIRED, InputParam

from .conftest import parse_text, rejection

WORKBOOK = """
version: '2.0'
name: ops
description: Operations
tags: [nightly]
actions:
  greet:
    base: std.echo output="hi" delay=1
    base-input:
      output: overridden
      extra: <% $.name %>
    input:
      - name
      - punctuation: "!"
    output: <% $ %>
    description: Says hello
    tags: [friendly]
workflows:
  version: '2.0'
  main:
    type: direct
    tasks:
      hello:
        action: ops.greet name=world
        on-success: [sub]
      sub:
        workflow: helper
  helper:
    tasks:
      t: {action: std.noop}
"""


def test_workbook_full_names() -> None:
    definition = parse_text(WORKBOOK)
    assert definition.workbook == "ops"
    assert definition.description == "Operations"
    assert definition.tags == ("nightly",)
    assert list(definition.workflows) == ["ops.main", "ops.helper"]
    main = definition.workflows["ops.main"]
    assert main.workbook == "ops"
    assert main.short_name == "main"
    assert main.tasks["sub"].workflow == "helper"
    assert main.line == 20


def test_adhoc_action() -> None:
    action = parse_text(WORKBOOK).actions["ops.greet"]
    assert action.name == "ops.greet"
    assert action.workbook == "ops"
    assert action.base == "std.echo"
    assert action.base_input == {"output": "hi", "delay": 1, "extra": "<% $.name %>"}
    assert action.input == (
        InputParam("name", REQUIRED),
        InputParam("punctuation", "!"),
    )
    assert action.output == "<% $ %>"
    assert action.description == "Says hello"
    assert action.tags == ("friendly",)
    assert action.line == 7


def test_workbook_with_actions_only() -> None:
    definition = parse(
        "version: '2.0'\nname: lib\nactions:\n  a:\n    base: std.noop\n"
    )
    assert definition.workflows == {}
    assert list(definition.actions) == ["lib.a"]


def test_kind_forces_workbook() -> None:
    with pytest.raises(DefinitionError) as caught:
        parse(
            "version: '2.0'\nwf:\n  tasks: {t: {action: std.noop}}\n", kind="workbook"
        )
    assert "Unknown workbook key 'wf'" in str(caught.value)


def test_kind_forces_workflow_list() -> None:
    text = (
        "version: '2.0'\n"
        "name: {tasks: {t: {action: std.noop}}}\n"
        "actions: {tasks: {a: {action: std.noop}}}\n"
    )
    definition = parse(text, kind="workflows")
    assert list(definition.workflows) == ["name", "actions"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "version: 2.0\nname: wb\nworkflows: {wf: {tasks: {t: {}}}}",
            "Invalid workbook version (2.0)",
        ),
        (
            "version: '1.0'\nname: wb\nworkflows: {wf: {tasks: {t: {}}}}",
            "Invalid workbook version ('1.0')",
        ),
        (
            "name: wb\nworkflows: {wf: {tasks: {t: {}}}}",
            "Invalid workbook version (missing)",
        ),
        (
            "version: '2.0'\nname: my wb\nactions: {a: {base: std.noop}}",
            "Name 'my wb' must not contain spaces",
        ),
        (
            "version: '2.0'\nname: ''\nactions: {a: {base: std.noop}}",
            "Invalid workbook name",
        ),
        (
            "version: '2.0'\nname: wb\nowner: x\nactions: {a: {base: std.noop}}",
            "Unknown workbook key 'owner'",
        ),
        (
            "version: '2.0'\nname: wb\ndescription: ''\nactions: {a: {base: std.noop}}",
            "expected a non-empty string",
        ),
        ("version: '2.0'\nname: wb\nworkflows: {}", "Invalid workflows {}"),
        (
            "version: '2.0'\nname: wb\nworkflows: {a.b: {tasks: {t: {}}}}",
            "Invalid name 'a.b' in workflows",
        ),
        (
            "version: '2.0'\nname: wb\nworkflows: {version: '1.0'}",
            "Invalid version '1.0'",
        ),
        (
            "version: '2.0'\nname: wb\nactions: {a: {base-input: {x: 1}}}",
            "The action has no 'base'",
        ),
        (
            "version: '2.0'\nname: wb\nactions: {a: {base: std.noop, foo: 1}}",
            "Unknown action key 'foo'",
        ),
        (
            "version: '2.0'\nname: wb\nactions: {a: {base: std.noop, base-input: {}}}",
            "The mapping is empty",
        ),
        (
            "version: '2.0'\nname: wb\nactions: {a: {base: 'std.echo x=<% 1 + %>'}}",
            "Parse error",
        ),
        (
            "version: '2.0'\nname: wb\nactions: {a: {base: a, output: <% 1 + %>}}",
            "Parse error",
        ),
        ("version: '2.0'\nname: wb\nactions: {a: 5}", "Invalid action 5"),
    ],
)
def test_workbook_rejected(text: str, message: str) -> None:
    assert message in str(rejection(text))


def test_action_issue_names_action() -> None:
    error = rejection("version: '2.0'\nname: wb\nactions:\n  a:\n    base: ''\n")
    (issue,) = error.issues
    assert issue.action == "wb.a"
    assert issue.workflow is None
    assert issue.key == "base"
    assert issue.line == 5
    assert str(issue).startswith("<string>:5: action 'wb.a', key 'base': ")


def test_section_version_accepted() -> None:
    definition = parse(
        "version: '2.0'\nname: wb\nworkflows:\n"
        "  version: 2.0\n  wf: {tasks: {t: {action: std.noop}}}\n"
    )
    assert list(definition.workflows) == ["wb.wf"]


def test_action_output_mapping_not_checked() -> None:
    # Mistral 23.0.0 checks the expressions of a string output only.
    parse(
        "version: '2.0'\nname: wb\nactions:\n"
        "  a: {base: std.noop, output: {x: <% 1 + %>}}\n"
    )
