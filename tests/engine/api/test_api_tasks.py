"""Task, action execution and environment routes."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from .conftest import ASYNC, GREETING

SECRET_ACTION = """\
version: '2.0'
login:
  tasks:
    call:
      action: std.echo
      input:
        output: {user: ops, password: hunter2}
"""


def start(client: TestClient, text: str, **body: object) -> str:
    response = client.post("/v2/executions", json={"definition": text, **body})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def only_task(client: TestClient, execution_id: str) -> dict:
    tasks = client.get(f"/v2/executions/{execution_id}/tasks").json()["tasks"]
    assert len(tasks) == 1
    return tasks[0]


def only_action(client: TestClient, task_id: str) -> dict:
    body = client.get(f"/v2/tasks/{task_id}/action_executions").json()
    assert len(body["action_executions"]) == 1
    return body["action_executions"][0]


def test_task_list_and_show(client: TestClient, finish: Callable[[str], None]) -> None:
    execution_id = start(client, GREETING, input={"name": "a"})
    finish(execution_id)
    task = only_task(client, execution_id)
    shown = client.get(f"/v2/tasks/{task['id']}").json()
    assert shown == task
    assert task["name"] == "say"
    assert task["state"] == "SUCCESS"
    assert task["published"] == {"text": "Hello, a"}
    assert task["result"] == "Hello, a"


def test_action_list_and_show(
    client: TestClient, finish: Callable[[str], None]
) -> None:
    execution_id = start(client, GREETING, input={"name": "a"})
    finish(execution_id)
    action = only_action(client, only_task(client, execution_id)["id"])
    shown = client.get(f"/v2/action_executions/{action['id']}").json()
    assert shown == action
    assert action["name"] == "std.echo"
    assert action["output"] == "Hello, a"
    assert action["input"]["output"] == "Hello, a"


def test_action_input_secrets_masked(
    client: TestClient, finish: Callable[[str], None]
) -> None:
    execution_id = start(client, SECRET_ACTION)
    finish(execution_id)
    action = only_action(client, only_task(client, execution_id)["id"])
    assert action["input"]["output"] == {"user": "ops", "password": "***"}


def test_async_action_completed_through_api(
    client: TestClient, finish: Callable[[str], None]
) -> None:
    execution_id = start(client, ASYNC)
    action = only_action(client, only_task(client, execution_id)["id"])
    assert action["is_async"] is True
    url = f"/v2/action_executions/{action['id']}"
    response = client.put(url, json={"state": "SUCCESS", "output": {"ok": 1}})
    assert response.status_code == 200
    assert response.json()["state"] == "SUCCESS"
    finish(execution_id)
    assert client.get(f"/v2/executions/{execution_id}").json()["state"] == "SUCCESS"
    assert only_task(client, execution_id)["published"] == {"got": {"ok": 1}}
    again = client.put(url, json={"state": "SUCCESS"})
    assert again.status_code == 409
    assert "already SUCCESS" in again.json()["message"]


def test_async_action_failed_through_api(
    client: TestClient, finish: Callable[[str], None]
) -> None:
    execution_id = start(client, ASYNC)
    action = only_action(client, only_task(client, execution_id)["id"])
    response = client.put(
        f"/v2/action_executions/{action['id']}",
        json={"state": "ERROR", "error": "device offline"},
    )
    assert response.json()["error"] == "device offline"
    finish(execution_id)
    task = only_task(client, execution_id)
    assert task["state"] == "ERROR"
    assert task["state_info"] == "device offline"


def test_sync_action_cannot_be_completed(
    client: TestClient, finish: Callable[[str], None]
) -> None:
    execution_id = start(client, GREETING, input={"name": "a"})
    finish(execution_id)
    action = only_action(client, only_task(client, execution_id)["id"])
    response = client.put(
        f"/v2/action_executions/{action['id']}", json={"state": "SUCCESS"}
    )
    assert response.status_code == 409
    assert "not asynchronous" in response.json()["message"]


def test_completion_error_needs_error_state(client: TestClient) -> None:
    execution_id = start(client, ASYNC)
    action = only_action(client, only_task(client, execution_id)["id"])
    response = client.put(
        f"/v2/action_executions/{action['id']}",
        json={"state": "SUCCESS", "error": "x"},
    )
    assert response.status_code == 422


def test_environment_crud(client: TestClient) -> None:
    created = client.post(
        "/v2/environments",
        json={"name": "prod", "description": "d", "variables": {"region": "n"}},
    )
    assert created.status_code == 201
    assert created.json()["variables"] == {"region": "n"}
    updated = client.put("/v2/environments/prod", json={"variables": {"region": "s"}})
    assert updated.json()["variables"] == {"region": "s"}
    assert updated.json()["description"] == "d"
    listed = client.get("/v2/environments").json()["environments"]
    assert [e["name"] for e in listed] == ["prod"]
    assert client.delete("/v2/environments/prod").status_code == 204
    assert client.get("/v2/environments/prod").status_code == 404


def test_environment_duplicate_conflicts(client: TestClient) -> None:
    client.post("/v2/environments", json={"name": "prod"})
    response = client.post("/v2/environments", json={"name": "prod"})
    assert response.status_code == 409
    assert response.json()["field"] == "name"


def test_environment_secrets_masked(client: TestClient) -> None:
    variables = {
        "db": {"password": "p", "host": "h"},
        "API_KEY": "k",
        "list": [{"token": 1}],
    }
    client.post("/v2/environments", json={"name": "prod", "variables": variables})
    shown = client.get("/v2/environments/prod").json()["variables"]
    assert shown == {
        "db": {"password": "***", "host": "h"},
        "API_KEY": "***",
        "list": [{"token": "***"}],
    }
