"""Bearer tokens and project isolation: no route reaches another project."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from .conftest import ASYNC, FAILING, TOKENS

WORKBOOK = """\
version: '2.0'
name: book
workflows:
  main:
    tasks:
      one:
        action: std.noop
"""


@dataclass
class Owned:
    """Ids of project A's resources."""

    workflow_id: str
    execution_id: str
    task_id: str
    action_id: str
    async_action_id: str


@dataclass(frozen=True)
class Call:
    method: str
    #: Route path as the app declares it, with ``{...}`` placeholders.
    route: str
    #: Values for the placeholders, as attribute names of ``Owned`` or text.
    params: tuple[tuple[str, str], ...] = ()
    body: Any = None
    query: tuple[tuple[str, str], ...] = ()


def owned_by_a(client: TestClient, finish: Callable[[str], None]) -> Owned:
    workflows = client.post("/v2/workflows", json={"definition": FAILING}).json()
    assert (
        client.post("/v2/workbooks", json={"definition": WORKBOOK}).status_code == 201
    )
    assert client.post("/v2/environments", json={"name": "prod"}).status_code == 201
    execution = client.post("/v2/executions", json={"workflow_name": "broken"}).json()
    finish(execution["id"])
    task = client.get(f"/v2/executions/{execution['id']}/tasks").json()["tasks"][0]
    actions = client.get(f"/v2/tasks/{task['id']}/action_executions").json()
    waiting = client.post("/v2/executions", json={"definition": ASYNC}).json()
    waiting_task = client.get(f"/v2/executions/{waiting['id']}/tasks").json()["tasks"][
        0
    ]
    async_actions = client.get(
        f"/v2/tasks/{waiting_task['id']}/action_executions"
    ).json()
    return Owned(
        workflow_id=workflows["workflows"][0]["id"],
        execution_id=execution["id"],
        task_id=task["id"],
        action_id=actions["action_executions"][0]["id"],
        async_action_id=async_actions["action_executions"][0]["id"],
    )


EXECUTION = (("execution_id", "execution_id"),)
TASK = (("task_id", "task_id"),)

#: Requests that must return 404 for project B, by route.
REFUSED = [
    Call("PUT", "/v2/workflows", body={"definition": FAILING}),
    Call("GET", "/v2/workflows/{identifier}", (("identifier", "workflow_id"),)),
    Call("GET", "/v2/workflows/{identifier}", (("identifier", "=broken"),)),
    Call("DELETE", "/v2/workflows/{identifier}", (("identifier", "workflow_id"),)),
    Call("DELETE", "/v2/workflows/{identifier}", (("identifier", "=broken"),)),
    Call("PUT", "/v2/workbooks", body={"definition": WORKBOOK}),
    Call("GET", "/v2/workbooks/{name}", (("name", "=book"),)),
    Call("DELETE", "/v2/workbooks/{name}", (("name", "=book"),)),
    Call("POST", "/v2/executions", body={"workflow_name": "broken"}),
    Call("POST", "/v2/executions", body={"workflow_id": "@workflow_id"}),
    Call("POST", "/v2/executions", body={"definition": FAILING, "env": "prod"}),
    Call("GET", "/v2/executions/{execution_id}", EXECUTION),
    Call("PUT", "/v2/executions/{execution_id}", EXECUTION, {"state": "CANCELLED"}),
    Call("PATCH", "/v2/executions/{execution_id}", EXECUTION, {"description": "x"}),
    Call(
        "POST", "/v2/executions/{execution_id}/rerun", EXECUTION, {"task_name": "boom"}
    ),
    Call("GET", "/v2/executions/{execution_id}/report", EXECUTION),
    Call("GET", "/v2/executions/{execution_id}/tasks", EXECUTION),
    Call("GET", "/v2/tasks/{task_id}", TASK),
    Call("GET", "/v2/tasks/{task_id}/action_executions", TASK),
    Call("GET", "/v2/action_executions/{action_id}", (("action_id", "action_id"),)),
    Call(
        "PUT",
        "/v2/action_executions/{action_id}",
        (("action_id", "async_action_id"),),
        {"state": "SUCCESS"},
    ),
    Call("GET", "/v2/environments/{name}", (("name", "=prod"),)),
    Call("PUT", "/v2/environments/{name}", (("name", "=prod"),), {"description": "x"}),
    Call("DELETE", "/v2/environments/{name}", (("name", "=prod"),)),
]

#: List requests that must come back empty for project B: (call, list key).
EMPTY = [
    (Call("GET", "/v2/workflows"), "workflows"),
    (Call("GET", "/v2/workbooks"), "workbooks"),
    (Call("GET", "/v2/namespaces"), "namespaces"),
    (Call("GET", "/v2/executions"), "executions"),
    (
        Call("GET", "/v2/executions", query=(("parent_id", "@execution_id"),)),
        "executions",
    ),
    (Call("GET", "/v2/environments"), "environments"),
]

#: Requests that create in project B what project A already has: no conflict.
CREATED = [
    Call("POST", "/v2/workflows", body={"definition": FAILING}),
    Call("POST", "/v2/workbooks", body={"definition": WORKBOOK}),
    Call("POST", "/v2/environments", body={"name": "prod"}),
]

#: Requests that read no stored data.
STATELESS = [
    Call("POST", "/v2/workflows/validate", body={"definition": FAILING}),
    Call("POST", "/v2/workbooks/validate", body={"definition": WORKBOOK}),
]


def resolve(value: Any, owned: Owned) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        return getattr(owned, value[1:])
    if isinstance(value, dict):
        return {key: resolve(item, owned) for key, item in value.items()}
    return value


def send(client: TestClient, call: Call, owned: Owned) -> Any:
    path = call.route
    for name, source in call.params:
        value = source[1:] if source.startswith("=") else getattr(owned, source)
        path = path.replace("{" + name + "}", value)
    query = {name: resolve(value, owned) for name, value in call.query}
    return client.request(
        call.method, path, json=resolve(call.body, owned), params=query
    )


@pytest.fixture
def clients(make_client: Callable[..., TestClient]) -> tuple[TestClient, TestClient]:
    return make_client("token-a", tokens=TOKENS), make_client("token-b", tokens=TOKENS)


def test_every_route_is_covered(client: TestClient) -> None:
    declared = {
        (method, route.path)
        for route in client.app.routes  # type: ignore[attr-defined]
        if isinstance(route, Route) and route.path.startswith("/v2/")
        for method in (route.methods or set()) - {"HEAD"}
    }
    calls = REFUSED + [call for call, _ in EMPTY] + CREATED + STATELESS
    covered = {(call.method, call.route) for call in calls}
    assert declared - covered == set()


def test_other_project_is_refused(
    clients: tuple[TestClient, TestClient], finish: Callable[[str], None]
) -> None:
    client_a, client_b = clients
    owned = owned_by_a(client_a, finish)
    for call in REFUSED:
        response = send(client_b, call, owned)
        assert response.status_code == 404, (call, response.text)
        assert response.json()["code"] == "not_found", call
    for call, key in EMPTY:
        response = send(client_b, call, owned)
        assert response.status_code == 200, (call, response.text)
        assert response.json()[key] == [], call
    for call in CREATED:
        assert send(client_b, call, owned).status_code == 201, call
    for call in STATELESS:
        assert send(client_b, call, owned).status_code == 200, call
    assert_unchanged(client_a, owned)


def assert_unchanged(client_a: TestClient, owned: Owned) -> None:
    execution = client_a.get(f"/v2/executions/{owned.execution_id}").json()
    action = client_a.get(f"/v2/action_executions/{owned.async_action_id}").json()
    assert execution["state"] == "ERROR"
    assert execution["description"] == ""
    assert action["state"] != "SUCCESS"
    assert client_a.get("/v2/workflows/broken").status_code == 200
    assert client_a.get("/v2/workbooks/book").status_code == 200
    assert client_a.get("/v2/environments/prod").json()["description"] == ""
    assert len(client_a.get("/v2/executions").json()["executions"]) == 2


def test_missing_token_is_401(make_client: Callable[..., TestClient]) -> None:
    client = make_client(tokens=TOKENS)
    response = client.get("/v2/executions")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


def test_unknown_token_is_401(make_client: Callable[..., TestClient]) -> None:
    response = make_client("wrong", tokens=TOKENS).get("/v2/workflows")
    assert response.status_code == 401
    assert "not valid" in response.json()["message"]


def test_probes_need_no_token(make_client: Callable[..., TestClient]) -> None:
    client = make_client(tokens=TOKENS)
    assert client.get("/health").status_code == 200
    assert client.get("/openapi.json").status_code == 200


def test_without_tokens_everything_is_project_default(
    client: TestClient, database: Any
) -> None:
    from engine.db.environments import find_environment

    client.post("/v2/environments", json={"name": "open"})
    with database.sessions() as session:
        assert find_environment(session, "open", "") is not None
