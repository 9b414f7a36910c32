"""The in-process workflow runner and its assertion helpers."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from action_sdk import RunContext, ServiceRequirement, action, hookimpl
from engine.core import StartError
from registry.discovery import catalog_from_plugins
from registry.resolution import Resolution
from testing.actions import add_run_listener, remove_run_listener
from testing.assertions import assert_output, assert_succeeded, assert_task
from testing.fakecloud import FakeCloud
from testing.recording import CassetteMissError, CloudRecorder, save_cassette
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
    with pytest.raises(
        AssertionError, match="task 'missing' did not run; tasks that ran: boot, report"
    ):
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


# Runs on a cloud. Compute 2.88 dropped the capacity fields of hypervisors,
# so nova.hypervisors_list 1.0.0 runs up to 2.87 and 2.0.0 from 2.88 on.

HYPERVISORS = """
version: '2.0'
hosts:
  output:
    hosts: <% $.hosts %>
  tasks:
    list:
      action: nova.hypervisors_list{pin}
      publish:
        hosts: <% task().result.select($.hypervisor_hostname) %>
"""
#: Release to the version and microversion the registry picks there.
EXPECTED = {"train": ("1.0.0", "2.79"), "zed": ("2.0.0", "2.93")}


def serve_hypervisors(cloud: FakeCloud) -> None:
    """Serve a different hypervisor before and after compute 2.88."""
    cloud.add(
        "GET",
        "compute",
        "/os-hypervisors/detail",
        json={"hypervisors": [{"id": 1, "hypervisor_hostname": "old-host"}]},
        max_microversion="2.87",
    )
    cloud.add(
        "GET",
        "compute",
        "/os-hypervisors/detail",
        json={"hypervisors": [{"id": "4e1c", "hypervisor_hostname": "new-host"}]},
        min_microversion="2.88",
    )


def hypervisor_requests(cloud: FakeCloud) -> list[Any]:
    return [
        call.request
        for call in cloud.calls
        if urlsplit(str(call.request.url)).path.endswith("/os-hypervisors/detail")
    ]


@pytest.mark.releases("train", "zed")
def test_cloud_run_resolves_per_release(
    workflow_runner: WorkflowRunner, fake_cloud: FakeCloud, openstack_release: str
) -> None:
    version, microversion = EXPECTED[openstack_release]
    serve_hypervisors(fake_cloud)

    run = workflow_runner.run(HYPERVISORS.format(pin=""), cloud=fake_cloud)

    assert_succeeded(run)
    host = "old-host" if version == "1.0.0" else "new-host"
    assert_output(run, {"hosts": [host]})
    resolution = run.resolutions["list"]
    assert resolution["version"] == version
    assert resolution["plugin"] == "openstack"
    assert resolution["services"]["compute"]["microversion"] == microversion
    assert resolution["services"]["compute"]["endpoint"] == fake_cloud.endpoint(
        "compute"
    ).removesuffix("/")
    assert run.cloud == resolution["cloud"]
    sent = hypervisor_requests(fake_cloud)
    assert len(sent) == 1
    assert sent[0].headers["OpenStack-API-Version"] == f"compute {microversion}"


@pytest.mark.releases("train", "zed")
def test_constructor_cloud_used_by_every_run(
    fake_cloud: FakeCloud, openstack_release: str
) -> None:
    serve_hypervisors(fake_cloud)
    runner = WorkflowRunner(cloud=fake_cloud)

    first = runner.run(HYPERVISORS.format(pin=""))
    second = runner.run(HYPERVISORS.format(pin=""))

    version, _ = EXPECTED[openstack_release]
    assert first.resolutions["list"]["version"] == version
    assert second.resolutions["list"]["version"] == version
    assert first.cloud == second.cloud
    assert len(hypervisor_requests(fake_cloud)) == 2


def test_run_cloud_overrides_constructor_cloud(
    fake_cloud_factory: Callable[..., FakeCloud],
) -> None:
    train = fake_cloud_factory("train")
    zed = fake_cloud_factory("zed")
    serve_hypervisors(train)
    serve_hypervisors(zed)
    runner = WorkflowRunner(cloud=train)

    on_zed = runner.run(HYPERVISORS.format(pin=""), cloud=zed)
    on_train = runner.run(HYPERVISORS.format(pin=""))

    assert on_zed.resolutions["list"]["version"] == "2.0.0"
    assert on_train.resolutions["list"]["version"] == "1.0.0"
    assert on_zed.cloud != on_train.cloud
    assert len(hypervisor_requests(zed)) == 1
    assert len(hypervisor_requests(train)) == 1


@pytest.mark.releases("train", "zed")
def test_unknown_pin_fails_before_start(
    workflow_runner: WorkflowRunner, fake_cloud: FakeCloud
) -> None:
    serve_hypervisors(fake_cloud)
    with pytest.raises(StartError) as raised:
        workflow_runner.run(HYPERVISORS.format(pin="@3"), cloud=fake_cloud)
    message = str(raised.value)
    assert "task 'list' (nova.hypervisors_list@3)" in message
    assert (
        "Cannot resolve nova.hypervisors_list@3: no installed version matches "
        "the pin (version 3)" in message
    )
    assert "2.0.0 (needs compute 2.88 to 2.100): outside the pin" in message
    assert hypervisor_requests(fake_cloud) == []


@pytest.mark.releases("train")
def test_pin_newer_than_cloud_fails_before_start(
    workflow_runner: WorkflowRunner, fake_cloud: FakeCloud
) -> None:
    with pytest.raises(StartError) as raised:
        workflow_runner.run(HYPERVISORS.format(pin="@2"), cloud=fake_cloud)
    message = str(raised.value)
    needs = "task pins version 2, whose only release needs compute 2.88 to 2.100"
    assert needs in message
    assert "offers compute 2.1 to 2.79" in message
    assert hypervisor_requests(fake_cloud) == []


FLAVORS_AND_HYPERVISORS = """
version: '2.0'
inventory:
  output:
    flavors: <% $.flavors %>
    hosts: <% $.hosts %>
  tasks:
    flavors:
      action: nova.flavors_list
      publish:
        flavors: <% task().result.select($.name) %>
      on-success: hypervisors
    hypervisors:
      action: nova.hypervisors_list
      publish:
        hosts: <% task().result %>
      on-success: notify
    notify:
      action: acme.notify text="done"
"""


@pytest.mark.releases("train", "zed")
def test_replaced_actions_on_a_cloud(
    workflow_runner: WorkflowRunner, fake_cloud: FakeCloud, openstack_release: str
) -> None:
    flavors = {"flavors": [{"name": "m1"}]}
    fake_cloud.add("GET", "compute", "/flavors/detail", json=flavors)
    workflow_runner.replace("nova.hypervisors_list", result=["canned-host"])
    workflow_runner.replace("acme.notify", result="sent")

    run = workflow_runner.run(FLAVORS_AND_HYPERVISORS, cloud=fake_cloud)

    assert_succeeded(run)
    assert_output(run, {"flavors": ["m1"], "hosts": ["canned-host"]})
    version, microversion = EXPECTED[openstack_release]
    replaced = run.resolutions["hypervisors"]
    assert replaced["version"] == version
    assert replaced["services"]["compute"]["microversion"] == microversion
    assert run.resolutions["flavors"]["version"] == "1.0.0"
    assert run.calls["nova.hypervisors_list"] == [
        {"detailed": True, "filters": None, "limit": None}
    ]
    assert run.calls["acme.notify"] == [{"text": "done"}]
    assert hypervisor_requests(fake_cloud) == []
    flavor_requests = [
        call for call in fake_cloud.calls if "/flavors/detail" in str(call.request.url)
    ]
    assert len(flavor_requests) == 1


@pytest.mark.releases("train")
def test_replaced_action_keeps_pin_check_on_cloud(
    workflow_runner: WorkflowRunner, fake_cloud: FakeCloud
) -> None:
    workflow_runner.replace("nova.hypervisors_list", result=[])
    with pytest.raises(StartError, match="task pins version 2, whose only release"):
        workflow_runner.run(HYPERVISORS.format(pin="@2"), cloud=fake_cloud)
    assert workflow_runner.run(
        HYPERVISORS.format(pin="@1"), cloud=fake_cloud
    ).resolutions["list"]["version"] == "1.0.0"


@pytest.mark.releases("zed")
def test_replaced_action_checks_input_on_cloud(
    workflow_runner: WorkflowRunner, fake_cloud: FakeCloud
) -> None:
    workflow_runner.replace("nova.hypervisors_list", result=[])
    run = workflow_runner.run(
        "version: '2.0'\nwf:\n  tasks:\n    t:\n"
        "      action: nova.hypervisors_list detailled=false\n",
        cloud=fake_cloud,
    )
    assert run.state == "ERROR"
    assert "detailled" in run.task("t").state_info
    assert run.calls["nova.hypervisors_list"] == []


def test_stopped_fake_cloud_is_rejected() -> None:
    cloud = FakeCloud("zed")
    with pytest.raises(ValueError, match="is not started.*fake_cloud fixture"):
        WorkflowRunner().run(HYPERVISORS.format(pin=""), cloud=cloud)


def test_cloud_of_wrong_type_is_rejected() -> None:
    with pytest.raises(TypeError, match="not str"):
        WorkflowRunner().run(HYPERVISORS.format(pin=""), cloud="lab")  # type: ignore[arg-type]


def test_recorded_cloud_replays_a_run(tmp_path: Path) -> None:
    cassette = tmp_path / "cassettes" / "hypervisors.yaml"
    with FakeCloud("train") as cloud:
        serve_hypervisors(cloud)
        config = {**cloud.cloud_config(), "openstack_release": "train"}
        with CloudRecorder(cassette, record=True):
            recorded = WorkflowRunner(cloud=config).run(HYPERVISORS.format(pin=""))
    assert_succeeded(recorded)

    with CloudRecorder(cassette) as replayer:
        replayed = WorkflowRunner(cloud=config).run(HYPERVISORS.format(pin=""))

    assert replayer.misses == []
    assert_output(replayed, {"hosts": ["old-host"]})
    assert replayed.resolutions["list"]["version"] == "1.0.0"
    assert replayed.resolutions["list"]["services"]["compute"]["microversion"] == "2.79"
    listing = [
        item
        for item in replayer.interactions
        if item.url.endswith("/os-hypervisors/detail")
    ]
    assert listing[0].request_headers["OpenStack-API-Version"] == "compute 2.79"


def test_recorded_cloud_miss_names_request(tmp_path: Path) -> None:
    cassette = tmp_path / "empty.yaml"
    save_cassette(cassette, [])
    config = FakeCloud("zed").cloud_config()
    with CloudRecorder(cassette) as replayer:
        with pytest.raises(CassetteMissError, match="GET http://127.0.0.1:5000/v3 "):
            WorkflowRunner(cloud=config).run(HYPERVISORS.format(pin=""))
    assert replayer.misses == ["GET http://127.0.0.1:5000/v3"]


@action(
    "legacy.containers",
    version="1.0.0",
    requirements=(ServiceRequirement("object-store", 1, removed_in="zed"),),
)
def legacy_containers(context: RunContext) -> str:
    """Stand for an API that the object-store removed in Zed."""
    return "listed"


class LegacyPlugin:
    @hookimpl
    def levante_actions(self) -> list[Any]:
        return [legacy_containers]


@pytest.mark.parametrize(
    ("fake_cloud", "message"),
    [
        ("train", None),
        ("zed", "removed in Zed, and the cloud (RegionOne) is declared as Zed"),
    ],
    indirect=["fake_cloud"],
)
def test_fake_cloud_release_is_declared(
    fake_cloud: FakeCloud, message: str | None
) -> None:
    # Swift reports no microversions, so only the declared release decides.
    runner = WorkflowRunner(catalog_from_plugins({"legacy": LegacyPlugin()}))
    workflow = (
        "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: legacy.containers\n"
    )
    if message is None:
        assert_task(runner.run(workflow, cloud=fake_cloud), "t", result="listed")
        return
    with pytest.raises(StartError, match=re.escape(message)):
        runner.run(workflow, cloud=fake_cloud)


PARENT_AND_CHILD = """
version: '2.0'
parent:
  tasks:
    flavors:
      action: nova.flavors_list
      on-success: child
    child:
      workflow: child
child:
  tasks:
    hypervisors:
      action: nova.hypervisors_list
      on-success: notify
    notify:
      action: acme.notify
"""


@pytest.mark.releases("train", "zed")
def test_cloud_run_tells_run_listeners(
    workflow_runner: WorkflowRunner, fake_cloud: FakeCloud, openstack_release: str
) -> None:
    fake_cloud.add("GET", "compute", "/flavors/detail", json={"flavors": []})
    serve_hypervisors(fake_cloud)
    workflow_runner.replace("acme.notify", result="sent")
    notified: list[Resolution] = []
    add_run_listener(notified.append)
    try:
        run = workflow_runner.run(PARENT_AND_CHILD, "parent", cloud=fake_cloud)
    finally:
        remove_run_listener(notified.append)

    assert_succeeded(run)
    version, microversion = EXPECTED[openstack_release]
    assert sorted((r.action, r.version) for r in notified) == [
        ("nova.flavors_list", "1.0.0"),
        ("nova.hypervisors_list", version),
    ]
    hypervisors = next(r for r in notified if r.action == "nova.hypervisors_list")
    assert hypervisors.microversions == {"compute": microversion}


def test_replaced_and_cloudless_runs_tell_no_listener(
    workflow_runner: WorkflowRunner, fake_cloud: FakeCloud
) -> None:
    workflow_runner.replace("nova.hypervisors_list", result=[])
    notified: list[Resolution] = []
    add_run_listener(notified.append)
    try:
        on_cloud = workflow_runner.run(HYPERVISORS.format(pin=""), cloud=fake_cloud)
        cloudless = workflow_runner.run(HYPERVISORS.format(pin=""))
    finally:
        remove_run_listener(notified.append)
    assert_succeeded(on_cloud)
    assert_succeeded(cloudless)
    assert notified == []
