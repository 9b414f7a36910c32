"""Workflow, workbook and namespace routes."""

from __future__ import annotations

from starlette.testclient import TestClient

WORKFLOWS = """\
version: '2.0'
first:
  input:
    - host
  tags: [ops]
  tasks:
    one:
      action: std.noop
second:
  tasks:
    two:
      action: std.noop
"""

WORKBOOK = """\
version: '2.0'
name: book
tags: [nightly]
actions:
  greet:
    base: std.echo
    base-input:
      output: hello
workflows:
  main:
    tasks:
      call:
        action: greet
"""

WORKBOOK_V2 = """\
version: '2.0'
name: book
workflows:
  other:
    tasks:
      call:
        action: std.noop
"""


def store(client: TestClient, text: str = WORKFLOWS, namespace: str = "") -> dict:
    response = client.post(
        "/v2/workflows", json={"definition": text, "namespace": namespace}
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_create_returns_every_workflow(client: TestClient) -> None:
    body = store(client)
    assert [w["name"] for w in body["workflows"]] == ["first", "second"]
    assert body["workflows"][0]["input"] == ["host"]
    assert body["workflows"][0]["tags"] == ["ops"]
    assert body["workflows"][0]["workbook"] is None


def test_create_twice_conflicts(client: TestClient) -> None:
    store(client)
    response = client.post("/v2/workflows", json={"definition": WORKFLOWS})
    assert response.status_code == 409
    assert response.json()["code"] == "already_exists"
    assert "first already exists" in response.json()["message"]


def test_show_by_name_and_by_id(client: TestClient) -> None:
    created = store(client)["workflows"][0]
    by_name = client.get("/v2/workflows/first").json()
    by_id = client.get(f"/v2/workflows/{created['id']}").json()
    assert by_name == by_id
    assert by_name["definition"] == WORKFLOWS


def test_show_in_other_namespace_not_found(client: TestClient) -> None:
    store(client, namespace="team")
    assert client.get("/v2/workflows/first").status_code == 404
    assert client.get("/v2/workflows/first?namespace=team").status_code == 200


def test_update_replaces_definition(client: TestClient) -> None:
    store(client)
    changed = WORKFLOWS.replace("std.noop", "std.echo output=1", 1)
    response = client.put("/v2/workflows", json={"definition": changed})
    assert response.status_code == 200
    assert client.get("/v2/workflows/first").json()["definition"] == changed


def test_update_unknown_is_not_found(client: TestClient) -> None:
    response = client.put("/v2/workflows", json={"definition": WORKFLOWS})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_delete_removes_workflow(client: TestClient) -> None:
    store(client)
    assert client.delete("/v2/workflows/first").status_code == 204
    assert client.get("/v2/workflows/first").status_code == 404
    assert client.delete("/v2/workflows/first").status_code == 404


def test_list_pages_with_next_link(client: TestClient) -> None:
    store(client)
    store(client, namespace="b")
    first = client.get("/v2/workflows?limit=3").json()
    assert [(w["namespace"], w["name"]) for w in first["workflows"]] == [
        ("", "first"),
        ("", "second"),
        ("b", "first"),
    ]
    assert "marker=" in first["next"]
    second = client.get(first["next"]).json()
    assert [(w["namespace"], w["name"]) for w in second["workflows"]] == [
        ("b", "second")
    ]
    assert second["next"] is None


def test_list_filters_namespace_and_tag(client: TestClient) -> None:
    store(client)
    store(client, namespace="b")
    in_b = client.get("/v2/workflows?namespace=b").json()["workflows"]
    tagged = client.get("/v2/workflows?tag=ops").json()["workflows"]
    assert {w["namespace"] for w in in_b} == {"b"}
    assert [w["name"] for w in tagged] == ["first", "first"]


def test_list_bad_marker_is_rejected(client: TestClient) -> None:
    response = client.get("/v2/workflows?marker=nope")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_marker"
    assert response.json()["field"] == "marker"


def test_validate_reports_issues_with_lines(client: TestClient) -> None:
    text = (
        "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: std.noop\n"
        "      bogus: 1\n"
    )
    response = client.post("/v2/workflows/validate", json={"definition": text})
    body = response.json()
    assert response.status_code == 200
    assert body["valid"] is False
    assert body["issues"][0]["line"] == 6
    assert body["issues"][0]["task"] == "t"


def test_validate_valid_lists_workflows(client: TestClient) -> None:
    body = client.post("/v2/workflows/validate", json={"definition": WORKFLOWS}).json()
    assert body == {
        "valid": True,
        "workflows": ["first", "second"],
        "issues": [],
        "warnings": [],
    }


def test_validate_lists_warnings(client: TestClient) -> None:
    text = "version: '2.0'\nwf:\n  tasks:\n    say:\n      action: std.echo output=hi\n"
    body = client.post("/v2/workflows/validate", json={"definition": text}).json()
    [warning] = body["warnings"]
    assert body["valid"] is True
    assert warning["line"] == 5
    assert warning["task"] == "say"
    assert "'output=hi' is ignored" in warning["message"]


def test_create_invalid_yaml_is_400(client: TestClient) -> None:
    response = client.post("/v2/workflows", json={"definition": "a: [unclosed"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_definition"
    assert response.json()["field"] == "definition"


def test_create_bad_expression_is_400(client: TestClient) -> None:
    text = "version: '2.0'\nwf:\n  output:\n    x: <% $.a + %>\n  tasks:\n    t: {}\n"
    response = client.post("/v2/workflows", json={"definition": text})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_definition"


def test_workflows_reject_workbook_text(client: TestClient) -> None:
    response = client.post("/v2/workflows", json={"definition": WORKBOOK})
    assert response.status_code == 400
    assert "/v2/workbooks" in response.json()["message"]


def test_workbook_create_stores_its_workflows(client: TestClient) -> None:
    response = client.post("/v2/workbooks", json={"definition": WORKBOOK})
    body = response.json()
    assert response.status_code == 201
    assert body["name"] == "book"
    assert body["workflows"] == ["book.main"]
    assert body["actions"] == ["book.greet"]
    assert body["tags"] == ["nightly"]
    workflow = client.get("/v2/workflows/book.main").json()
    assert workflow["workbook"] == "book"


def test_workbook_twice_conflicts(client: TestClient) -> None:
    client.post("/v2/workbooks", json={"definition": WORKBOOK})
    response = client.post("/v2/workbooks", json={"definition": WORKBOOK})
    assert response.status_code == 409
    assert response.json()["code"] == "already_exists"


def test_workbook_update_replaces_workflows(client: TestClient) -> None:
    client.post("/v2/workbooks", json={"definition": WORKBOOK})
    response = client.put("/v2/workbooks", json={"definition": WORKBOOK_V2})
    assert response.status_code == 200
    assert client.get("/v2/workflows/book.main").status_code == 404
    assert client.get("/v2/workflows/book.other").status_code == 200


def test_workbook_workflow_cannot_be_deleted_alone(client: TestClient) -> None:
    client.post("/v2/workbooks", json={"definition": WORKBOOK})
    response = client.delete("/v2/workflows/book.main")
    assert response.status_code == 409
    assert "workbook 'book'" in response.json()["message"]


def test_workbook_delete_removes_workflows(client: TestClient) -> None:
    client.post("/v2/workbooks", json={"definition": WORKBOOK})
    assert client.delete("/v2/workbooks/book").status_code == 204
    assert client.get("/v2/workbooks/book").status_code == 404
    assert client.get("/v2/workflows/book.main").status_code == 404


def test_workbook_rejects_workflow_list(client: TestClient) -> None:
    response = client.post("/v2/workbooks", json={"definition": WORKFLOWS})
    assert response.status_code == 400
    assert "not a workbook" in response.json()["message"]


def test_workbook_list_and_validate(client: TestClient) -> None:
    client.post("/v2/workbooks", json={"definition": WORKBOOK, "namespace": "n"})
    listed = client.get("/v2/workbooks").json()["workbooks"]
    valid = client.post("/v2/workbooks/validate", json={"definition": WORKBOOK})
    assert [(w["namespace"], w["name"]) for w in listed] == [("n", "book")]
    assert "definition" not in listed[0]
    assert valid.json()["valid"] is True


def test_namespaces_lists_used_ones(client: TestClient) -> None:
    store(client)
    store(client, namespace="team")
    client.post("/v2/workbooks", json={"definition": WORKBOOK, "namespace": "books"})
    assert client.get("/v2/namespaces").json() == {"namespaces": ["", "books", "team"]}
