"""Mistral workflows that use mistral-extra's parameter names, run by the engine."""

from __future__ import annotations

import json

import pytest

from testing.fakecloud import FakeCloud
from testing.workflows import WorkflowRunner

REBOOT = """
version: '2.0'
reboot:
  input: [server_id]
  output:
    status: <% $.status %>
  tasks:
    reboot:
      action: nova.servers_reboot server=<% $.server_id %> reboot_type="HARD"
      on-success: check
    check:
      action: nova.servers_get
      input:
        server: <% $.server_id %>
      publish:
        status: <% task().result.status %>
"""

BOTH_NAMES = """
version: '2.0'
reboot:
  input: [server_id]
  tasks:
    reboot:
      action: nova.servers_reboot
      input:
        server: <% $.server_id %>
        server_id: <% $.server_id %>
"""


def action_requests(cloud: FakeCloud) -> list[tuple[str, str]]:
    return [
        (call.request.method, call.request.url)
        for call in cloud.calls
        if "/servers/s1" in call.request.url
    ]


@pytest.mark.releases("queens", "epoxy")
def test_mistral_style_reboot_runs(fake_cloud: FakeCloud) -> None:
    fake_cloud.add("POST", "compute", "/servers/s1/action", status=202)
    fake_cloud.add(
        "GET",
        "compute",
        "/servers/s1",
        json={"server": {"id": "s1", "status": "ACTIVE"}},
    )
    run = WorkflowRunner(cloud=fake_cloud).run(REBOOT, input={"server_id": "s1"})
    assert run.state == "SUCCESS", run.state_info
    assert run.output == {"status": "ACTIVE"}
    endpoint = fake_cloud.endpoint("compute")
    assert action_requests(fake_cloud) == [
        ("POST", f"{endpoint}/servers/s1/action"),
        ("GET", f"{endpoint}/servers/s1"),
    ]
    reboot = next(
        c
        for c in fake_cloud.calls
        if c.request.method == "POST" and c.request.url.endswith("/servers/s1/action")
    )
    assert json.loads(reboot.request.body) == {"reboot": {"type": "HARD"}}


def test_name_and_alias_fail_task(fake_cloud: FakeCloud) -> None:
    fake_cloud.add("POST", "compute", "/servers/s1/action", status=202)
    run = WorkflowRunner(cloud=fake_cloud).run(BOTH_NAMES, input={"server_id": "s1"})
    assert run.state == "ERROR"
    task = run.task("reboot")
    assert task.state == "ERROR"
    assert "parameter 'server_id' is given more than once" in str(task.state_info)
    assert action_requests(fake_cloud) == []
