"""Execution routes: start, list with filters, state changes, rerun, report."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from engine.core import EngineCore

from .conftest import FAILING, GREETING, isolate_cloud_config

PAUSING = """\
version: '2.0'
held:
  tasks:
    first:
      action: std.noop
      on-success: second
    second:
      action: std.echo output=<% env().greeting %>
      pause-before: true
      publish:
        said: <% task().result %>
"""

PARENT = """\
version: '2.0'
parent:
  tasks:
    call:
      workflow: child
child:
  tasks:
    work:
      action: std.noop
"""

REVERSE = """\
version: '2.0'
backwards:
  type: reverse
  tasks:
    a:
      action: std.noop
    b:
      action: std.noop
      requires: [a]
"""


def start(client: TestClient, **body: object) -> dict:
    response = client.post("/v2/executions", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_start_definition_runs_to_success(
    client: TestClient, finish: Callable[[str], None]
) -> None:
    started = start(client, definition=GREETING, input={"name": "ops"})
    assert started["state"] == "RUNNING"
    finish(started["id"])
    shown = client.get(f"/v2/executions/{started['id']}").json()
    assert shown["state"] == "SUCCESS"
    assert shown["output"] == {"text": "Hello, ops"}
    assert shown["workflow_name"] == "greet"


def test_start_stored_workflow_by_name_and_id(
    client: TestClient, finish: Callable[[str], None]
) -> None:
    stored = client.post("/v2/workflows", json={"definition": GREETING}).json()
    by_name = start(client, workflow_name="greet", input={"name": "a"})
    by_id = start(client, workflow_id=stored["workflows"][0]["id"], input={"name": "b"})
    finish(by_name["id"])
    finish(by_id["id"])
    outputs = [
        client.get(f"/v2/executions/{e['id']}").json()["output"]
        for e in (by_name, by_id)
    ]
    assert outputs == [{"text": "Hello, a"}, {"text": "Hello, b"}]


def test_start_falls_back_to_default_namespace(client: TestClient) -> None:
    client.post("/v2/workflows", json={"definition": GREETING})
    started = start(
        client, workflow_name="greet", namespace="team", input={"name": "x"}
    )
    assert started["namespace"] == "team"


def test_start_masks_secret_input(client: TestClient) -> None:
    started = start(
        client,
        definition=GREETING,
        input={"name": "a", "password": "hunter2"},
        env={"api": {"Token": "t0p"}, "region": "north"},
    )
    assert started["input"] == {"name": "a", "password": "***"}
    assert started["env"] == {"api": {"Token": "***"}, "region": "north"}


def test_start_unknown_workflow_is_404(client: TestClient) -> None:
    response = client.post("/v2/executions", json={"workflow_name": "ghost"})
    assert response.status_code == 404
    assert response.json()["field"] == "workflow_name"


def test_start_missing_input_names_field(client: TestClient) -> None:
    response = client.post("/v2/executions", json={"definition": GREETING})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert response.json()["field"] == "input.name"
    assert "missing=['name']" in response.json()["message"]


def test_start_reverse_without_target_names_task_name(client: TestClient) -> None:
    response = client.post("/v2/executions", json={"definition": REVERSE})
    assert response.status_code == 400
    assert response.json()["field"] == "task_name"


def test_start_reverse_with_target(
    client: TestClient, finish: Callable[[str], None]
) -> None:
    started = start(client, definition=REVERSE, task_name="b")
    finish(started["id"])
    tasks = client.get(f"/v2/executions/{started['id']}/tasks").json()["tasks"]
    assert [t["name"] for t in tasks] == ["a", "b"]
    assert started["params"] == {"task_name": "b"}


def test_start_needs_a_workflow(client: TestClient) -> None:
    response = client.post("/v2/executions", json={"input": {}})
    assert response.status_code == 422
    assert "workflow_name" in response.json()["message"]


def test_start_with_stored_environment(
    client: TestClient, finish: Callable[[str], None]
) -> None:
    client.post(
        "/v2/environments",
        json={"name": "prod", "variables": {"greeting": "hi", "secret": "s"}},
    )
    started = start(client, definition=PAUSING, env="prod")
    assert started["env"] == {"greeting": "hi", "secret": "***"}
    assert started["params"] == {"env_name": "prod"}


def test_start_with_unknown_environment_is_404(client: TestClient) -> None:
    response = client.post(
        "/v2/executions", json={"definition": PAUSING, "env": "nope"}
    )
    assert response.status_code == 404
    assert response.json()["field"] == "env"


def test_pause_resume_cancel_through_put(
    client: TestClient, finish: Callable[[str], None]
) -> None:
    started = start(client, definition=PAUSING, env={"greeting": "old"})
    finish(started["id"])
    url = f"/v2/executions/{started['id']}"
    assert client.get(url).json()["state"] == "PAUSED"
    resumed = client.put(url, json={"state": "RUNNING", "env": {"greeting": "new"}})
    assert resumed.status_code == 200
    finish(started["id"])
    tasks = client.get(f"{url}/tasks?name=second").json()["tasks"]
    assert tasks[0]["published"] == {"said": "new"}
    assert client.get(url).json()["state"] == "SUCCESS"


def test_cancel_with_message_through_patch(client: TestClient) -> None:
    started = start(client, definition=PAUSING, env={"greeting": "x"})
    url = f"/v2/executions/{started['id']}"
    response = client.patch(
        url, json={"state": "CANCELLED", "state_info": "no longer needed"}
    )
    assert response.status_code == 200
    assert response.json()["state"] == "CANCELLED"
    assert response.json()["state_info"] == "no longer needed"


def test_bad_state_change_is_409(
    client: TestClient, finish: Callable[[str], None]
) -> None:
    started = start(client, definition=GREETING, input={"name": "a"})
    finish(started["id"])
    response = client.put(f"/v2/executions/{started['id']}", json={"state": "PAUSED"})
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_state_change"
    assert "only a RUNNING execution can be paused" in response.json()["message"]


def test_unknown_target_state_is_422(client: TestClient) -> None:
    started = start(client, definition=GREETING, input={"name": "a"})
    response = client.put(f"/v2/executions/{started['id']}", json={"state": "SUCCESS"})
    assert response.status_code == 422
    assert response.json()["field"] == "state"
    assert "PAUSED" in response.json()["message"]


def test_description_update(client: TestClient) -> None:
    started = start(client, definition=GREETING, input={"name": "a"}, description="one")
    url = f"/v2/executions/{started['id']}"
    assert client.put(url, json={"description": "two"}).json()["description"] == "two"


def test_rerun_failed_task(
    client: TestClient, finish: Callable[[str], None], core: EngineCore
) -> None:
    started = start(client, definition=FAILING)
    finish(started["id"])
    url = f"/v2/executions/{started['id']}"
    assert client.get(url).json()["state"] == "ERROR"
    response = client.post(f"{url}/rerun", json={"task_name": "boom"})
    assert response.status_code == 200
    assert response.json()["state"] == "RUNNING"
    finish(started["id"])
    boom = client.get(f"{url}/tasks?name=boom").json()["tasks"][0]
    actions = client.get(f"/v2/tasks/{boom['id']}/action_executions").json()
    assert len(actions["action_executions"]) == 2


def test_rerun_of_task_that_never_ran_is_409(
    client: TestClient, finish: Callable[[str], None]
) -> None:
    started = start(client, definition=FAILING)
    finish(started["id"])
    response = client.post(
        f"/v2/executions/{started['id']}/rerun", json={"task_name": "after"}
    )
    assert response.status_code == 409
    assert response.json()["field"] == "task_name"


def test_rerun_of_unknown_task_is_400(
    client: TestClient, finish: Callable[[str], None]
) -> None:
    started = start(client, definition=FAILING)
    finish(started["id"])
    response = client.post(
        f"/v2/executions/{started['id']}/rerun", json={"task_name": "nosuch"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert response.json()["field"] == "task_name"
    assert response.json()["message"] == (
        "Workflow broken has no task 'nosuch'; its tasks: boom, after"
    )


def test_list_filters(client: TestClient, finish: Callable[[str], None]) -> None:
    good = start(client, definition=GREETING, input={"name": "a"})
    bad = start(client, definition=FAILING)
    parent = start(client, definition=PARENT, workflow_name="parent")
    for execution in (good, bad, parent):
        finish(execution["id"])

    def ids(query: str) -> list[str]:
        response = client.get(f"/v2/executions?{query}")
        assert response.status_code == 200, response.text
        return [e["id"] for e in response.json()["executions"]]

    children = ids(f"parent_id={parent['id']}")
    assert ids("state=ERROR") == [bad["id"]]
    assert ids("workflow_name=greet") == [good["id"]]
    assert ids("top_level=true") == [parent["id"], bad["id"], good["id"]]
    assert len(children) == 1
    assert ids("top_level=false") == children


def test_list_created_range(client: TestClient) -> None:
    started = start(client, definition=GREETING, input={"name": "a"})
    now = datetime.now(UTC)
    before = (now - timedelta(hours=1)).isoformat()
    after = (now + timedelta(hours=1)).isoformat()
    response = client.get("/v2/executions", params={"created_after": before})
    assert [e["id"] for e in response.json()["executions"]] == [started["id"]]
    response = client.get("/v2/executions", params={"created_after": after})
    assert response.json()["executions"] == []
    response = client.get("/v2/executions", params={"created_before": before})
    assert response.json()["executions"] == []


def test_list_pages_newest_first(client: TestClient) -> None:
    started = [
        start(client, definition=GREETING, input={"name": str(i)}) for i in range(5)
    ]
    seen: list[str] = []
    url: str | None = "/v2/executions?limit=2"
    while url:
        body = client.get(url).json()
        seen += [e["id"] for e in body["executions"]]
        url = body["next"]
    assert seen == [e["id"] for e in reversed(started)]


def test_list_unknown_state_is_422(client: TestClient) -> None:
    response = client.get("/v2/executions?state=DONE")
    assert response.status_code == 422
    assert response.json()["field"] == "state"


def test_report_of_failed_execution(
    client: TestClient, finish: Callable[[str], None]
) -> None:
    started = start(client, definition=FAILING)
    finish(started["id"])
    response = client.get(f"/v2/executions/{started['id']}/report")
    body = response.json()
    assert response.status_code == 200
    assert [step["name"] for step in body["causes"][0]["path"]] == [
        "broken",
        "boom",
        "std.fail",
    ]
    assert body["execution"]["not_run"][0]["name"] == "after"


def test_report_options(client: TestClient, finish: Callable[[str], None]) -> None:
    started = start(client, definition=PARENT, workflow_name="parent")
    finish(started["id"])
    url = f"/v2/executions/{started['id']}/report"
    shallow = client.get(url, params={"depth": 0}).json()
    errors = client.get(url, params={"errors_only": "true"}).json()
    assert shallow["execution"]["tasks"][0]["workflows"][0]["truncated"] is True
    assert errors["execution"]["tasks"] == []
    assert client.get(url, params={"depth": -1}).status_code == 422


def test_unknown_execution_is_404(client: TestClient) -> None:
    response = client.get("/v2/executions/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_start_unknown_cloud_names_field(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    isolate_cloud_config(monkeypatch, tmp_path)
    response = client.post(
        "/v2/executions", json={"definition": FAILING, "cloud": "nowhere"}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["field"] == "cloud"
    assert "nowhere" in response.json()["message"]


def test_start_on_unreachable_cloud_is_503(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    isolate_cloud_config(monkeypatch, tmp_path)
    # Nothing listens on port 9, so discovering the cloud's services fails.
    auth = {
        "auth_url": "http://127.0.0.1:9/v3",
        "username": "ops",
        "password": "unused",
        "project_name": "ops",
        "user_domain_name": "Default",
        "project_domain_name": "Default",
    }
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(json.dumps({"clouds": {"down": {"auth": auth}}}))
    response = client.post(
        "/v2/executions", json={"definition": FAILING, "cloud": "down"}
    )
    assert response.status_code == 503
    assert response.json()["code"] == "cloud_unavailable"
    assert response.json()["field"] == "cloud"
    assert "Cannot use cloud 'down'" in response.json()["message"]


def test_start_with_chosen_id_is_idempotent(client: TestClient) -> None:
    chosen = "7d0a4f6e-3b1c-4c7e-9a55-0f1e2d3c4b5a"
    body = {"definition": GREETING, "input": {"name": "ops"}, "id": chosen}
    first = client.post("/v2/executions", json=body)
    again = client.post("/v2/executions", json=body)
    listed = client.get("/v2/executions").json()["executions"]
    assert first.status_code == 201
    assert first.json()["id"] == chosen
    assert again.status_code == 200
    assert again.json()["id"] == chosen
    assert [e["id"] for e in listed] == [chosen]


def test_start_with_other_projects_id_is_409(
    make_client: Callable[..., TestClient],
) -> None:
    tokens = {"alpha-token": "alpha", "beta-token": "beta"}
    alpha = make_client("alpha-token", tokens=tokens)
    beta = make_client("beta-token", tokens=tokens)
    chosen = "0b7c9a52-8d1e-4f3a-b6c2-5e4d3c2b1a09"
    body = {"definition": GREETING, "input": {"name": "ops"}, "id": chosen}
    assert alpha.post("/v2/executions", json=body).status_code == 201
    taken = beta.post("/v2/executions", json=body)
    assert taken.status_code == 409
    assert taken.json()["code"] == "already_exists"
    assert taken.json()["field"] == "id"
    assert beta.get(f"/v2/executions/{chosen}").status_code == 404


def test_start_with_invalid_id_is_422(client: TestClient) -> None:
    body = {"definition": GREETING, "input": {"name": "ops"}, "id": "not-a-uuid"}
    response = client.post("/v2/executions", json=body)
    assert response.status_code == 422
    assert response.json()["field"] == "id"


def test_execution_lists_resolutions_and_leases(
    client: TestClient, finish: Callable[[str], None]
) -> None:
    started = start(client, definition=GREETING, input={"name": "ops"})
    # The result of the started action is recorded only by finish().
    assert [lease["task"] for lease in started["leases"]] == ["say"]
    assert started["leases"][0]["action"] == "std.echo"
    assert started["leases"][0]["held_by"]
    assert started["leases"][0]["until"].endswith("Z")
    finish(started["id"])
    shown = client.get(f"/v2/executions/{started['id']}").json()
    listed = client.get("/v2/executions").json()["executions"]
    assert shown["resolutions"] == {}
    assert shown["leases"] == []
    assert listed[0]["leases"] == []
