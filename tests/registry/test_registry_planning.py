import pytest

from engine.spec.parser import parse
from registry.discovery import load_plugins
from registry.planning import WorkflowCheckError, check_workflow, plan_workflow
from registry.registry import Registry
from registry.versions import explicit_versions

WORKFLOW = """
version: '2.0'
report:
  input: [server]
  tasks:
    servers:
      action: nova.servers_list detailed=true
      on-success: reboot
    reboot:
      action: nova.servers_reboot
      input:
        server_id: <% $.server %>
        reboot_type: HARD
    volumes:
      action: cinder.volumes_list@1
      input: {limit: 5}
    dynamic:
      action: <% $.name %>
    sub:
      workflow: other
    local:
      action: std.echo output="x"
"""

BAD = """
version: '2.0'
bad:
  tasks:
    typo:
      action: nova.servers_list
      input: {detailed: maybe, colour: red}
    missing:
      action: nova.servers_get
    old:
      action: nova.servers_list@3
"""

WORKBOOK = """
version: '2.0'
name: book
actions:
  hard_reboot:
    base: nova.servers_reboot@1 reboot_type="HARD"
    input: [server_id]
    base-input:
      server_id: <% $.server_id %>
workflows:
  wf:
    tasks:
      reboot:
        action: hard_reboot server_id="abc"
"""


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry(load_plugins())


def test_plan_resolves_static_tasks(registry: Registry) -> None:
    plans = {
        p.task: p
        for p in plan_workflow(
            parse(WORKFLOW),
            explicit_versions(["compute=2.60", "block-storage=3.50"]),
            registry,
        )
    }
    assert plans["servers"].resolution is not None
    assert plans["servers"].resolution.microversions == {"compute": "2.60"}
    assert plans["servers"].input == {"detailed": True}
    assert plans["reboot"].dynamic_input == ("server_id",)
    assert plans["volumes"].resolution is not None
    assert plans["volumes"].resolution.version == "1.0.0"
    assert plans["dynamic"].skipped == "the action name is an expression"
    assert plans["sub"].skipped == "sub-workflow task"
    assert plans["local"].problems == ()


def test_check_workflow_passes(registry: Registry) -> None:
    plans = check_workflow(
        parse(WORKFLOW),
        explicit_versions(["compute=2.60", "block-storage=3.50"]),
        registry,
    )
    assert len(plans) == 6


def test_check_workflow_lists_problems(registry: Registry) -> None:
    with pytest.raises(WorkflowCheckError) as caught:
        check_workflow(parse(BAD), explicit_versions(["compute=2.60"]), registry)
    message = str(caught.value)
    assert message.startswith("3 of 3 tasks cannot run:")
    assert "bad.typo: nova.servers_list 2.0.0 has no parameter 'colour'" in message
    assert (
        "bad.typo: nova.servers_list 2.0.0: parameter 'detailed' must be of type "
        "boolean, got 'maybe' (string)" in message
    )
    assert (
        "bad.missing: nova.servers_get 2.0.0: missing required parameters: "
        "server_id (also accepted as server)" in message
    )
    assert (
        "bad.old: Cannot resolve nova.servers_list@3: no installed version matches "
        "the pin (version 3)" in message
    )


def test_missing_service_is_a_problem(registry: Registry) -> None:
    plans = plan_workflow(
        parse(WORKFLOW), explicit_versions(["compute=2.60"]), registry
    )
    volumes = next(p for p in plans if p.task == "volumes")
    assert "has no block-storage service" in volumes.problems[0]


def test_adhoc_action_unfolds(registry: Registry) -> None:
    plan = check_workflow(
        parse(WORKBOOK), explicit_versions(["compute=2.60"]), registry
    )[0]
    assert plan.base_action == "nova.servers_reboot@1"
    assert plan.input == {"reboot_type": "HARD"}
    assert plan.dynamic_input == ("server_id",)


def test_missing_parameter_without_alias(registry: Registry) -> None:
    text = "version: '2.0'\nwf:\n  tasks:\n    echo:\n      action: std.echo\n"
    plans = plan_workflow(parse(text), explicit_versions([]), registry)
    assert plans[0].problems == (
        "std.echo 1.0.0: missing required parameters: output",
    )
