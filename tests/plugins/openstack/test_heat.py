"""Heat stack actions, outputs and waiting."""

from __future__ import annotations

import pytest

from action_sdk import ActionError

from .conftest import CloudRun

TEMPLATE = {"heat_template_version": "2018-08-31", "resources": {}}
STACK = {"id": "st1", "stack_name": "web", "stack_status": "CREATE_COMPLETE"}


def test_stacks_create(os_cloud: CloudRun) -> None:
    answer = {"stack": {"id": "st1", "links": []}}
    os_cloud.add("POST", "orchestration", "/stacks", json=answer, status=201)
    result = os_cloud.run(
        "heat.stacks_create",
        {
            "stack_name": "web",
            "template": TEMPLATE,
            "parameters": {"flavor": "m1.small"},
            "disable_rollback": False,
            "tags": ["a", "b"],
        },
    )
    assert result == answer
    assert os_cloud.last_json() == {
        "stack_name": "web",
        "template": TEMPLATE,
        "parameters": {"flavor": "m1.small"},
        "disable_rollback": False,
        "tags": "a,b",
    }
    assert "OpenStack-API-Version" not in os_cloud.last.headers


@pytest.mark.parametrize(
    "payload", [{}, {"template": TEMPLATE, "template_url": "http://t.test/t.yaml"}]
)
def test_stacks_create_needs_one_template(
    os_cloud: CloudRun, payload: dict[str, object]
) -> None:
    with pytest.raises(ActionError, match="exactly one of template and template_url"):
        os_cloud.run("heat.stacks_create", {"stack_name": "web", **payload})


def test_stacks_get_follows_lookup_redirect(os_cloud: CloudRun) -> None:
    endpoint = os_cloud.cloud.endpoint("orchestration").rstrip("/")
    os_cloud.add(
        "GET",
        "orchestration",
        "/stacks/web",
        status=302,
        headers={"Location": f"{endpoint}/stacks/web/st1"},
    )
    os_cloud.add("GET", "orchestration", "/stacks/web/st1", json={"stack": STACK})
    assert os_cloud.run("heat.stacks_get", {"stack_id": "web"}) == STACK
    assert os_cloud.last.url.endswith("/stacks/web/st1")


def test_stacks_list(os_cloud: CloudRun) -> None:
    endpoint = os_cloud.cloud.endpoint("orchestration").rstrip("/")
    os_cloud.add(
        "GET",
        "orchestration",
        "/stacks?global_tenant=True",
        json={
            "stacks": [STACK],
            "links": [{"rel": "next", "href": f"{endpoint}/stacks?marker=st1"}],
        },
    )
    os_cloud.add(
        "GET",
        "orchestration",
        "/stacks?global_tenant=True&marker=st1",
        json={"stacks": []},
    )
    assert os_cloud.run("heat.stacks_list", {"global_tenant": True}) == [STACK]


@pytest.mark.parametrize(("existing", "method"), [(False, "PUT"), (True, "PATCH")])
def test_stacks_update(os_cloud: CloudRun, existing: bool, method: str) -> None:
    os_cloud.add(method, "orchestration", "/stacks/web", status=202)
    payload = {"stack_id": "web", "parameters": {"count": 3}, "existing": existing}
    if not existing:
        payload["template"] = TEMPLATE
    assert os_cloud.run("heat.stacks_update", payload) is None
    assert os_cloud.last.method == method


def test_stacks_update_full_needs_template(os_cloud: CloudRun) -> None:
    with pytest.raises(ActionError, match="a full update needs template"):
        os_cloud.run("heat.stacks_update", {"stack_id": "web", "parameters": {}})


def test_stacks_delete(os_cloud: CloudRun) -> None:
    os_cloud.add("DELETE", "orchestration", "/stacks/web", status=204)
    assert os_cloud.run("heat.stacks_delete", {"stack_id": "web"}) is None


def test_outputs(os_cloud: CloudRun) -> None:
    outputs = {"outputs": [{"output_key": "ip", "description": "IP"}]}
    output = {"output_key": "ip", "output_value": "10.0.0.5", "description": "IP"}
    os_cloud.add("GET", "orchestration", "/stacks/web/outputs", json=outputs)
    os_cloud.add(
        "GET", "orchestration", "/stacks/web/outputs/ip", json={"output": output}
    )
    assert os_cloud.run("heat.stacks_output_list", {"stack_id": "web"}) == outputs
    result = os_cloud.run(
        "heat.stacks_output_show", {"stack_id": "web", "output_key": "ip"}
    )
    assert result == {"output": output}


def test_resources_list(os_cloud: CloudRun) -> None:
    resource = {"resource_name": "server", "resource_status": "CREATE_COMPLETE"}
    os_cloud.add(
        "GET",
        "orchestration",
        "/stacks/web/resources?nested_depth=2",
        json={"resources": [resource]},
    )
    payload = {"stack_id": "web", "nested_depth": 2}
    assert os_cloud.run("heat.resources_list", payload) == [resource]


def stack(status: str, reason: str = "") -> dict[str, object]:
    return {"stack": {**STACK, "stack_status": status, "stack_status_reason": reason}}


def test_wait_success(os_cloud: CloudRun) -> None:
    path = "/stacks/web?resolve_outputs=False"
    os_cloud.add("GET", "orchestration", path, json=stack("CREATE_IN_PROGRESS"))
    os_cloud.add("GET", "orchestration", path, json=stack("CREATE_COMPLETE"))
    result = os_cloud.run(
        "heat.stacks_wait_for_status", {"stack_id": "web", "poll_interval": 0}
    )
    assert result["stack_status"] == "CREATE_COMPLETE"


@pytest.mark.parametrize("status", ["CREATE_FAILED", "ROLLBACK_COMPLETE"])
def test_wait_failure(os_cloud: CloudRun, status: str) -> None:
    reason = "Resource CREATE failed: quota exceeded"
    os_cloud.add("GET", "orchestration", "/stacks/web", json=stack(status, reason))
    with pytest.raises(ActionError) as caught:
        os_cloud.run("heat.stacks_wait_for_status", {"stack_id": "web"})
    assert f"reached status {status!r}" in str(caught.value)
    assert "*_FAILED or ROLLBACK_COMPLETE" in str(caught.value)
    assert reason in str(caught.value)


def test_wait_timeout(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "GET", "orchestration", "/stacks/web", json=stack("UPDATE_IN_PROGRESS")
    )
    with pytest.raises(ActionError, match="last status seen was 'UPDATE_IN_PROGRESS'"):
        os_cloud.run(
            "heat.stacks_wait_for_status",
            {
                "stack_id": "web",
                "status": "UPDATE_COMPLETE",
                "timeout": 0.03,
                "poll_interval": 0.01,
            },
        )
