"""ActionRunner: one action resolved and run the way the engine runs it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from action_sdk import (
    ActionError,
    ActionInputError,
    RunContext,
    SecurityContext,
    ServiceClients,
    ServiceNotAvailable,
    ServiceRequirement,
    action,
    hookimpl,
)
from registry.discovery import catalog_from_plugins
from registry.errors import ActionNotFound, DiscoveryError
from registry.resolution import ResolutionError
from testing import ActionRun, ActionRunner, FakeCloud

OLD_COMPUTE = ServiceRequirement(
    "compute", 2, min_microversion="2.1", max_microversion="2.46"
)
NEW_COMPUTE = ServiceRequirement("compute", 2, min_microversion="2.47")


@action("demo.servers", version="1.0.0", requirements=(OLD_COMPUTE,))
def servers_v1(context: RunContext) -> Any:
    return context.services["compute"].get("/servers").json()["servers"]


@action("demo.servers", version="2.0.0", requirements=(NEW_COMPUTE,))
def servers_v2(context: RunContext, detailed: bool = False) -> Any:
    path = "/servers/detail" if detailed else "/servers"
    return context.services["compute"].get(path).json()["servers"]


@action("demo.echo")
def echo(context: RunContext, value: Any = None) -> Any:
    return {"value": value, "task": context.task_name}


@action("demo.fail")
def fail(reason: str) -> None:
    raise ActionError(f"failed: {reason}", data={"reason": reason})


@action("demo.crash")
def crash() -> None:
    raise KeyError("flavor")


@action("demo.today")
def today() -> Any:
    return date(2026, 1, 2)


@action("demo.wait", is_async=True)
def wait(context: RunContext) -> None:
    return None


@action("demo.wait_wrong", is_async=True)
def wait_wrong() -> str:
    return "too early"


@action(
    "demo.undeclared",
    requirements=(ServiceRequirement("compute", 2),),
)
def undeclared(context: RunContext) -> Any:
    return context.services["placement"].get("/resource_providers").json()


DEMO_ACTIONS = (
    servers_v1, servers_v2, echo, fail, crash, today, wait, wait_wrong, undeclared,
)  # fmt: skip


@pytest.fixture
def runner() -> ActionRunner:
    return ActionRunner.for_actions(*DEMO_ACTIONS, plugin="demo")


def serve_servers(cloud: FakeCloud) -> None:
    cloud.add("GET", "compute", "/servers", json={"servers": [{"id": "s1"}]})
    cloud.add(
        "GET", "compute", "/servers/detail", json={"servers": [{"id": "s1", "x": 1}]}
    )


@pytest.mark.releases("queens", "gazpacho")
def test_run_on_fake_cloud(runner: ActionRunner, fake_cloud: FakeCloud) -> None:
    serve_servers(fake_cloud)
    run = runner.run("demo.servers", cloud=fake_cloud)
    highest = fake_cloud.microversion_range("compute")[1]
    assert run.state == "SUCCESS"
    assert run.version == "2.0.0"
    assert run.plugin == "demo"
    assert run.microversions == {"compute": highest}
    assert run.result == [{"id": "s1"}]
    sent = fake_cloud.calls[-1].request.headers["OpenStack-API-Version"]
    assert sent == f"compute {highest}"


@pytest.mark.parametrize(
    ("name", "pin"), [("demo.servers@1", None), ("demo.servers", "1")]
)
def test_pin_in_name_or_argument(
    runner: ActionRunner, fake_cloud: FakeCloud, name: str, pin: str | None
) -> None:
    serve_servers(fake_cloud)
    run = runner.run(name, pin=pin, cloud=fake_cloud)
    assert run.version == "1.0.0"
    assert run.microversions == {"compute": "2.46"}
    assert run.action == "demo.servers@1"


def test_pin_given_twice(runner: ActionRunner) -> None:
    with pytest.raises(ValueError, match="already has a pin"):
        runner.resolve("demo.servers@1", pin="2", services={"compute": "2.60"})


def test_input_validated_with_defaults(
    runner: ActionRunner, fake_cloud: FakeCloud
) -> None:
    serve_servers(fake_cloud)
    run = runner.run("demo.servers", {"detailed": "true"}, cloud=fake_cloud)
    assert run.input == {"detailed": True}
    assert run.result == [{"id": "s1", "x": 1}]


def test_invalid_input_raises(runner: ActionRunner, fake_cloud: FakeCloud) -> None:
    with pytest.raises(ActionInputError) as caught:
        runner.run("demo.servers", {"detail": True}, cloud=fake_cloud)
    assert caught.value.unexpected == ["detail"]


def test_context_ids_filled(runner: ActionRunner) -> None:
    run = runner.run("demo.echo", context=RunContext(task_name="t1"))
    for value in (
        run.context.execution_id,
        run.context.task_id,
        run.context.action_execution_id,
    ):
        assert value is not None
        assert uuid.UUID(value)
    assert run.result == {"value": None, "task": "t1"}


def test_context_ids_kept(runner: ActionRunner) -> None:
    given = RunContext(execution_id="e1", task_id="t1", action_execution_id="a1")
    run = runner.run("demo.echo", context=given)
    assert run.context.execution_id == "e1"
    assert run.context.task_id == "t1"
    assert run.context.action_execution_id == "a1"


def test_security_context_passed(runner: ActionRunner, fake_cloud: FakeCloud) -> None:
    serve_servers(fake_cloud)
    token = fake_cloud.issue_token()
    security = SecurityContext(
        auth_token=token, auth_url=fake_cloud.auth_url, project_id=fake_cloud.project_id
    )
    run = runner.run(
        "demo.servers", cloud=fake_cloud, context=RunContext(security=security)
    )
    assert run.context.security is security
    token_bodies = [
        str(call.request.body)
        for call in fake_cloud.calls
        if call.request.url.endswith("/auth/tokens") and call.request.body
    ]
    assert any(token in body for body in token_bodies)


def test_named_cloud(runner: ActionRunner, fake_cloud: FakeCloud) -> None:
    serve_servers(fake_cloud)
    runner.add_cloud("lab", fake_cloud)
    assert runner.run("demo.servers", cloud="lab").result == [{"id": "s1"}]


def test_unknown_cloud_name(runner: ActionRunner) -> None:
    with pytest.raises(ValueError, match="unknown cloud 'lab' .added: none."):
        runner.run("demo.servers", cloud="lab")


def test_cloud_and_services_rejected(
    runner: ActionRunner, fake_cloud: FakeCloud
) -> None:
    with pytest.raises(ValueError, match="either cloud or services"):
        runner.resolve("demo.servers", cloud=fake_cloud, services={"compute": "2.60"})


def test_release_without_services_rejected(runner: ActionRunner) -> None:
    with pytest.raises(ValueError, match="release describes explicit services"):
        runner.resolve("demo.servers", release="zed")


@pytest.mark.parametrize(
    ("services", "version"),
    [({"compute": "2.46"}, "1.0.0"), (["compute=2.47"], "2.0.0")],
)
def test_resolve_explicit_versions(
    runner: ActionRunner, services: Any, version: str
) -> None:
    assert runner.resolve("demo.servers", services=services).version == version


def test_explicit_versions_need_clients(runner: ActionRunner) -> None:
    with pytest.raises(ValueError, match="compute has no endpoint"):
        runner.run("demo.servers", services={"compute": "2.60"})


class ListClient:
    """A ServiceClient stand-in that returns one canned body."""

    service_type = "compute"
    endpoint = "http://compute.example.test/v2.1"
    microversion = "2.60"

    def get(self, path: str, **kwargs: Any) -> Any:
        return self

    def json(self) -> Any:
        return {"servers": [{"id": "canned"}]}


def test_explicit_versions_with_clients(runner: ActionRunner) -> None:
    context = RunContext(services=ServiceClients({"compute": ListClient()}))
    run = runner.run("demo.servers", services={"compute": "2.60"}, context=context)
    assert run.result == [{"id": "canned"}]


def test_no_cloud_for_requirements(runner: ActionRunner) -> None:
    with pytest.raises(ResolutionError, match="has no compute service"):
        runner.run("demo.servers")


def test_action_error_kept(runner: ActionRunner) -> None:
    run = runner.run("demo.fail", {"reason": "quota"})
    assert run.state == "ERROR"
    assert isinstance(run.error, ActionError)
    assert run.error.data == {"reason": "quota"}
    with pytest.raises(AssertionError, match="demo.fail 1.0.0 failed: failed: quota"):
        _ = run.result


def test_result_message_shows_data(runner: ActionRunner) -> None:
    run = runner.run("demo.fail", {"reason": "quota"})
    with pytest.raises(AssertionError) as caught:
        _ = run.result
    assert "error data: {'reason': 'quota'}" in str(caught.value)
    assert caught.value.__cause__ is run.error


def test_unexpected_exception_wrapped(runner: ActionRunner) -> None:
    run = runner.run("demo.crash")
    assert run.error is not None
    assert run.error.message == "KeyError: 'flavor'"
    assert isinstance(run.error.__cause__, KeyError)


def test_result_must_be_json(runner: ActionRunner) -> None:
    with pytest.raises(AssertionError, match="result of action demo.today 1.0.0"):
        runner.run("demo.today")


def test_undeclared_service(runner: ActionRunner, fake_cloud: FakeCloud) -> None:
    with pytest.raises(ServiceNotAvailable, match="clients for compute"):
        runner.run("demo.undeclared", cloud=fake_cloud)


def test_async_run_completes(runner: ActionRunner) -> None:
    run = runner.run("demo.wait")
    assert run.state == "RUNNING"
    assert run.is_async
    with pytest.raises(AssertionError, match="still RUNNING"):
        _ = run.result
    run.complete({"approved": True})
    assert run.state == "SUCCESS"
    assert run.result == {"approved": True}


def test_async_run_fails(runner: ActionRunner) -> None:
    run = runner.run("demo.wait")
    run.fail("rejected", data={"by": "ops"})
    assert run.state == "ERROR"
    assert run.error is not None
    assert run.error.data == {"by": "ops"}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("demo.echo", "it is not asynchronous"),
        ("demo.wait", "already ended in SUCCESS"),
    ],
)
def test_complete_rejected(runner: ActionRunner, name: str, message: str) -> None:
    run = runner.run(name)
    if run.is_async:
        run.complete()
    with pytest.raises(RuntimeError, match=message):
        run.complete()


def test_async_must_return_none(runner: ActionRunner) -> None:
    with pytest.raises(
        AssertionError, match="is asynchronous but returned 'too early'"
    ):
        runner.run("demo.wait_wrong")


def test_unknown_action_names_failed_plugins() -> None:
    class Broken:
        @hookimpl
        def levante_actions(self) -> list[Any]:
            return ["not an action"]

    catalog = catalog_from_plugins({"broken": Broken()})
    with pytest.raises(ActionNotFound) as caught:
        ActionRunner(catalog).run("broken.thing")
    notes = getattr(caught.value, "__notes__", [])
    assert len(notes) == 1
    assert notes[0].startswith("plugin broken failed to load: PluginLoadError")


def test_for_actions_rejects_non_action() -> None:
    with pytest.raises(ValueError, match="invalid action at index 0"):
        ActionRunner.for_actions(print)


def test_stopped_cloud_hint(runner: ActionRunner) -> None:
    stopped = FakeCloud("zed", auth_url="http://127.0.0.1:5900/v3")
    with pytest.raises(DiscoveryError) as caught:
        runner.run("demo.servers", cloud=stopped)
    assert "started?" in caught.value.__notes__[0]


def test_fixture_runs_installed_actions(action_runner: ActionRunner) -> None:
    run = action_runner.run("std.echo", {"output": [1, 2]})
    assert isinstance(run, ActionRun)
    assert run.plugin == "std"
    assert run.result == [1, 2]
