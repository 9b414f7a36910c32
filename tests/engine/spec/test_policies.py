"""Task policies and the retry forms."""

from __future__ import annotations

from typing import Any

import pytest

from engine.spec.model import RetrySpec

from .conftest import parse_task, parse_workflow, rejection


@pytest.mark.parametrize(
    ("retry", "expected"),
    [
        ("{count: 3, delay: 1}", RetrySpec(3, 1)),
        ("'count=3 delay=1 break-on=<% $.stop %>'", RetrySpec(3, 1, "<% $.stop %>")),
        (
            "'count=<% $.n %> delay=0 continue-on=<% $.go %>'",
            RetrySpec("<% $.n %>", 0, None, "<% $.go %>"),
        ),
        (
            "{count: '{{ _.n }}', delay: 1.0, break-on: <% $.x %>}",
            RetrySpec("{{ _.n }}", 1.0, "<% $.x %>"),
        ),
    ],
)
def test_retry_forms(retry: str, expected: RetrySpec) -> None:
    task = parse_task(f"action: std.noop\nretry: {retry}")
    assert task.policies.retry == expected


@pytest.mark.parametrize(
    ("retry", "message"),
    [
        ("{count: 3}", "Retry is missing 'delay'"),
        ("count=3", "Retry is missing 'count' and 'delay'"),
        ("'count=3 delay=1 foo=2'", "Unknown retry field 'foo'"),
        ("{count: -1, delay: 1}", "Retry count: Invalid value -1"),
        ("{count: 3, delay: 1, break-on: x}", "Retry break-on: Invalid value 'x'"),
        ("{count: 3, delay: <% 1 + %>}", "Parse error"),
        ("7", "Invalid value 7. Write retry as a mapping"),
    ],
)
def test_retry_rejected(retry: str, message: str) -> None:
    error = rejection(
        f"""
        version: '2.0'
        wf:
          tasks:
            t:
              action: std.noop
              retry: {retry}
        """
    )
    assert message in str(error)
    assert all(
        issue.key is not None and issue.key.startswith("retry")
        for issue in error.issues
    )


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("wait-before", "2", 2),
        ("wait-before", "1.0", 1.0),
        ("wait-after", "<% $.w %>", "<% $.w %>"),
        ("timeout", "0", 0),
        ("concurrency", "'{{ _.c }}'", "{{ _.c }}"),
        ("pause-before", "true", True),
        ("pause-before", "false", False),
        ("fail-on", "<% $.x > 1 %>", "<% $.x > 1 %>"),
        ("safe-rerun", "true", True),
    ],
)
def test_policy_values(key: str, value: str, expected: Any) -> None:
    task = parse_task(f"action: std.noop\n{key}: {value}")
    assert getattr(task.policies, key.replace("-", "_")) == expected


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("wait-before", "-2"),
        ("wait-before", "1.5"),
        ("wait-before", "true"),
        ("timeout", "ten"),
        ("concurrency", "'<% 1 %> extra'"),
        ("pause-before", "1"),
        ("fail-on", "'no'"),
        ("safe-rerun", "'yes'"),
    ],
)
def test_policy_rejected(key: str, value: str) -> None:
    error = rejection(
        f"""
        version: '2.0'
        wf:
          tasks:
            t:
              action: std.noop
              {key}: {value}
        """
    )
    (issue,) = error.issues
    assert issue.key == key
    assert issue.line == 7
    assert "Invalid value" in issue.message


def test_unset_policies_are_none() -> None:
    policies = parse_task("action: std.noop").policies
    assert policies.retry is None
    assert policies.wait_before is None
    assert policies.pause_before is None


def test_task_defaults_policies_and_clauses() -> None:
    workflow = parse_workflow(
        """
        version: '2.0'
        wf:
          task-defaults:
            retry: count=2 delay=0
            timeout: 5
            safe-rerun: true
            on-error: [handler]
            requires: [a]
          tasks:
            a: {action: std.noop}
            handler: {action: std.noop}
        """
    )
    defaults = workflow.task_defaults
    assert defaults.policies.retry == RetrySpec(2, 0)
    assert defaults.policies.timeout == 5
    assert defaults.policies.safe_rerun is True
    assert defaults.on_error is not None
    assert defaults.on_error.transitions[0].target == "handler"
    assert defaults.requires == ("a",)


@pytest.mark.parametrize(
    ("defaults", "message"),
    [
        ("{}", "The mapping is empty"),
        ("{foo: 1}", "Unknown key 'foo' in task-defaults"),
        ("{description: x}", "Unknown key 'description' in task-defaults"),
        ("{wait-before: -1}", "Invalid value -1"),
    ],
)
def test_task_defaults_rejected(defaults: str, message: str) -> None:
    error = rejection(
        f"""
        version: '2.0'
        wf:
          task-defaults: {defaults}
          tasks:
            a: {{action: std.noop}}
        """
    )
    assert message in str(error)
