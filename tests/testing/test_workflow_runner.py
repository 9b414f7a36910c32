"""The in-process workflow runner and its assertion helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.assertions import assert_output, assert_succeeded, assert_task
from testing.workflows import WorkflowRunner

DEPLOY = """
version: '2.0'
deploy:
  input:
    - name
  output:
    server: <% $.server %>
  tasks:
    boot:
      action: acme.servers_create
      input:
        name: <% $.name %>
      publish:
        server: <% task().result.id %>
      on-error: report
    report:
      action: std.echo output="boot failed"
      publish:
        failure: <% task(boot).result %>
"""


def test_replaced_action_result_flows(tmp_path: Path) -> None:
    runner = WorkflowRunner()
    runner.replace("acme.servers_create", result={"id": "srv-1"})
    run = runner.run(DEPLOY, input={"name": "web"})
    assert_succeeded(run)
    assert_output(run, {"server": "srv-1"})
    assert run.calls["acme.servers_create"] == [{"name": "web"}]


def test_replaced_action_error_reaches_on_error() -> None:
    runner = WorkflowRunner()
    runner.replace("acme.servers_create", error="quota exceeded", error_data={"code": 413})
    run = runner.run(DEPLOY, input={"name": "web"})
    assert_task(run, "boot", state="ERROR", result={"code": 413})
    assert_task(run, "report", state="SUCCESS", published={"failure": {"code": 413}})


def test_replaced_std_action_keeps_its_input_check() -> None:
    runner = WorkflowRunner()
    runner.replace("std.echo", result="canned")
    run = runner.run(
        "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: std.echo wrong_name=\"x\"\n"
    )
    assert run.state == "ERROR"
    assert "unexpected=['wrong_name']" in run.task("t").state_info


def test_runs_a_file_with_its_real_actions(tmp_path: Path) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text(
        "version: '2.0'\nwf:\n  output:\n    v: <% $.v %>\n  tasks:\n"
        "    t:\n      action: std.echo output=3\n      publish:\n        v: <% task().result %>\n"
    )
    run = WorkflowRunner().run(path)
    assert_output(run, {"v": 3})


def test_assertion_messages_name_task_and_values() -> None:
    runner = WorkflowRunner()
    runner.replace("acme.servers_create", error="no host")
    run = runner.run(DEPLOY, input={"name": "db"})
    with pytest.raises(AssertionError, match="task 'boot': state is ERROR, expected SUCCESS"):
        assert_task(run, "boot", state="SUCCESS")
    with pytest.raises(AssertionError, match="task 'missing' did not run; tasks that ran: boot, report"):
        assert_task(run, "missing", state="SUCCESS")
    with pytest.raises(AssertionError, match="server: '<missing>' != expected 'x'"):
        assert_output(run, {"server": "x"})
    with pytest.raises(AssertionError, match="ended in SUCCESS|task 'boot' ERROR"):
        failing = WorkflowRunner()
        failing.replace("acme.servers_create", error="no host")
        assert_succeeded(
            failing.run(DEPLOY.replace("      on-error: report\n", ""), input={"name": "db"})
        )


def test_fixture_gives_a_runner(workflow_runner: WorkflowRunner) -> None:
    workflow_runner.replace("std.noop", result="replaced")
    run = workflow_runner.run(
        "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: std.noop\n"
        "      publish:\n        r: <% task().result %>\n"
    )
    assert_task(run, "t", state="SUCCESS", published={"r": "replaced"})
