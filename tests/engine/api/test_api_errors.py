"""Bad requests get a 4xx with a stable code, the field and a message."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from .conftest import GREETING


def error_of(response: object) -> dict:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"code", "field", "message"}
    return body


def test_malformed_json_is_400(client: TestClient) -> None:
    response = client.post(
        "/v2/workflows",
        content=b'{"definition": ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_json"


def test_unknown_field_names_it(client: TestClient) -> None:
    response = client.post(
        "/v2/workflows", json={"definition": GREETING, "namspace": "x"}
    )
    body = error_of(response)
    assert response.status_code == 422
    assert body["code"] == "unknown_field"
    assert body["field"] == "namspace"


def test_missing_field_names_it(client: TestClient) -> None:
    response = client.post("/v2/environments", json={})
    body = error_of(response)
    assert response.status_code == 422
    assert body["code"] == "missing_field"
    assert body["field"] == "name"


@pytest.mark.parametrize("content", [None, b""])
def test_missing_body_names_required_fields(
    client: TestClient, content: bytes | None
) -> None:
    response = client.post(
        "/v2/environments",
        content=content,
        headers={"content-type": "application/json"},
    )
    body = error_of(response)
    assert response.status_code == 422
    assert body["code"] == "missing_field"
    assert "request body is missing" in body["message"]
    assert "required fields name (" in body["message"]
    assert "variables" in body["message"]
    assert "field required" not in body["message"]


def test_missing_body_without_required_fields(client: TestClient) -> None:
    response = client.post("/v2/executions")
    body = error_of(response)
    assert response.status_code == 422
    assert "request body is missing" in body["message"]
    assert "workflow_name" in body["message"]
    assert "definition" in body["message"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v2/workflows", {"definition": 5}, "definition"),
        ("/v2/environments", {"name": "e", "variables": [1]}, "variables"),
        ("/v2/environments", {"name": " padded"}, "name"),
        ("/v2/environments", {"name": "e\u0000"}, "name"),
        ("/v2/executions", {"definition": GREETING, "input": "x"}, "input"),
        ("/v2/executions", {"definition": GREETING, "description": 1}, "description"),
    ],
)
def test_wrong_type_is_422(
    client: TestClient, path: str, body: dict, field: str
) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 422
    assert error_of(response)["field"] == field


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "e", "variables": {"x": NaN}}',
        b'{"name": "e", "variables": {"x": Infinity}}',
        b'{"name": "e", "variables": {"x": "\\ud800"}}',
        b'{"name": "e", "variables": {"\\u0000": 1}}',
        b'{"name": "e", "variables": ' + b'{"a": ' * 70 + b"1" + b"}" * 71,
    ],
    ids=["nan", "infinity", "surrogate", "nul-key", "deep"],
)
def test_unstorable_values_are_422(client: TestClient, raw: bytes) -> None:
    response = client.post(
        "/v2/environments", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "variables"


def test_body_without_content_type_is_422(client: TestClient) -> None:
    response = client.post("/v2/environments", content=b'{"name": "e"}')
    assert response.status_code == 422
    assert "Content-Type: application/json" in error_of(response)["message"]


def test_oversize_body_is_413(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body_size=1000)
    response = client.post("/v2/workflows", json={"definition": "x" * 2000})
    body = error_of(response)
    assert response.status_code == 413
    assert body["code"] == "body_too_large"
    assert "1000 bytes" in body["message"]


def test_unknown_route_is_404(client: TestClient) -> None:
    response = client.get("/v2/nothing")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_wrong_method_is_405(client: TestClient) -> None:
    response = client.delete("/v2/executions")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_yaml_that_is_not_a_mapping(client: TestClient) -> None:
    response = client.post("/v2/workflows", json={"definition": "- a\n- b\n"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_definition"


def test_deeply_nested_yaml_is_400(client: TestClient) -> None:
    text = "version: '2.0'\nwf: " + "[" * 5000 + "]" * 5000 + "\n"
    response = client.post("/v2/workflows", json={"definition": text})
    assert response.status_code == 400


def test_bad_limit_is_422(client: TestClient) -> None:
    response = client.get("/v2/executions?limit=0")
    assert response.status_code == 422
    assert error_of(response)["field"] == "limit"


def test_bad_datetime_is_422(client: TestClient) -> None:
    response = client.get("/v2/executions?created_after=yesterday")
    assert response.status_code == 422
    assert error_of(response)["field"] == "created_after"


def test_health_and_readiness(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {
        "status": "ready",
        "database": True,
        "engine": True,
    }


def test_readiness_without_engine_loop(client: TestClient) -> None:
    client.app.state.engine_alive = None  # type: ignore[attr-defined]
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["engine"] is False


def test_openapi_declares_error_bodies(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    responses = document["paths"]["/v2/executions"]["post"]["responses"]
    assert (
        "ErrorBody" in responses["404"]["content"]["application/json"]["schema"]["$ref"]
    )
    assert "201" in responses
    assert "HTTPBearer" in document["components"]["securitySchemes"]


def test_chunked_oversize_body_is_413(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body_size=100)

    def chunks() -> object:
        yield b'{"definition": "'
        yield b"x" * 200
        yield b'"}'

    response = client.post(
        "/v2/workflows", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert error_of(response)["code"] == "body_too_large"


def test_datetime_out_of_range_is_422(client: TestClient) -> None:
    response = client.get(
        "/v2/executions", params={"created_before": "9999-12-31T23:59:59-05:00"}
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "created_before"


TWO_WORKFLOWS = """\
version: '2.0'
first:
  tasks:
    a:
      action: std.noop
second:
  tasks:
    b:
      action: std.noop
"""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"definition": TWO_WORKFLOWS}, "workflow_name"),
        ({"definition": TWO_WORKFLOWS, "workflow_name": "third"}, "workflow_name"),
        ({"definition": GREETING, "input": {}}, "input.name"),
        ({"definition": GREETING, "input": {"name": "a", "count": 1}}, "input.count"),
        (
            {"definition": GREETING, "input": {"colour": 1, "count": 2}},
            "input.name",
        ),
    ],
    ids=["several-workflows", "unknown-workflow", "missing", "unexpected", "both"],
)
def test_start_error_names_field(client: TestClient, body: dict, field: str) -> None:
    response = client.post("/v2/executions", json=body)
    error = error_of(response)
    assert response.status_code == 400
    assert error["code"] == "invalid_input"
    assert error["field"] == field


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"definition": 5}, "definition", "definition: expected a string, got integer"),
        (
            {"definition": GREETING, "input": "x"},
            "input",
            "input: expected an object, got string",
        ),
        (
            {"definition": GREETING, "env": 5},
            "env",
            "env: expected an object or a string, got integer",
        ),
        (
            {"definition": GREETING, "task_name": ["t"]},
            "task_name",
            "task_name: expected a string, got array",
        ),
        (
            {"definition": GREETING, "description": None},
            "description",
            "description: expected a string, got null",
        ),
    ],
    ids=["definition", "input", "env-union", "task-name", "null"],
)
def test_wrong_type_names_field_and_type(
    client: TestClient, body: dict, field: str, message: str
) -> None:
    response = client.post("/v2/executions", json=body)
    error = error_of(response)
    assert response.status_code == 422
    assert error["code"] == "invalid_value"
    assert error["field"] == field
    assert error["message"] == message


def test_union_member_constraint_is_reported(client: TestClient) -> None:
    response = client.post(
        "/v2/executions", json={"definition": GREETING, "env": " padded"}
    )
    error = error_of(response)
    assert response.status_code == 422
    assert error["field"] == "env"
    assert "expected" not in error["message"]
    assert "pattern" in error["message"]


def test_rerun_flag_type_names_field(client: TestClient) -> None:
    response = client.post(
        "/v2/executions/x/rerun", json={"task_name": "t", "reset": "maybe"}
    )
    error = error_of(response)
    assert response.status_code == 422
    assert error["field"] == "reset"
    assert error["message"] == "reset: expected a boolean, got string"


def test_nested_field_path_and_type() -> None:
    from pydantic import BaseModel, ValidationError

    from engine.api.errors import describe_validation

    class Params(BaseModel):
        task_name: str

    class Body(BaseModel):
        params: Params
        input: dict[str, int]

    with pytest.raises(ValidationError) as raised:
        Body.model_validate({"params": {"task_name": 5}, "input": {"count": "x"}})
    errors = [
        {**error, "loc": ("body", *error["loc"])} for error in raised.value.errors()
    ]
    status, code, message, field = describe_validation(errors)
    assert status == 422
    assert code == "invalid_value"
    assert field == "params.task_name"
    assert "params.task_name: expected a string, got integer" in message
    assert "input.count: expected an integer, got string" in message


@pytest.mark.parametrize(
    ("raw", "line", "column"),
    [
        (b'{"definition": ', 1, 16),
        (b'{"definition": "x",\n  "namespace": oops}', 2, 16),
        (b'{\n\n  "a" 1}', 3, 7),
    ],
)
def test_malformed_json_gives_line_and_column(
    client: TestClient, raw: bytes, line: int, column: int
) -> None:
    response = client.post(
        "/v2/workflows", content=raw, headers={"content-type": "application/json"}
    )
    error = error_of(response)
    assert response.status_code == 400
    assert error["code"] == "invalid_json"
    assert error["field"] is None
    assert error["message"].startswith(
        f"Malformed JSON at line {line}, column {column}: "
    )


def test_json_body_not_an_object(client: TestClient) -> None:
    response = client.post("/v2/workflows", json=[1])
    error = error_of(response)
    assert response.status_code == 422
    assert error["field"] is None
    assert error["message"].endswith("got array")


def fill_path(path: str) -> str:
    """Replace each ``{parameter}`` of an OpenAPI path with a placeholder value."""
    return re.sub(r"\{[^}]+\}", "x", path)


def test_unknown_query_parameter_on_every_route(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    checked = 0
    for path, operations in document["paths"].items():
        if not path.startswith("/v2/"):
            continue
        for method, operation in operations.items():
            declared = [
                item["name"]
                for item in operation.get("parameters", [])
                if item["in"] == "query"
            ]
            response = client.request(
                method.upper(),
                fill_path(path),
                params={"zz_unknown": "1"},
                json={} if method in ("post", "put", "patch") else None,
            )
            error = error_of(response)
            where = f"{method.upper()} {path}"
            assert response.status_code == 422, where
            assert error["code"] == "unknown_parameter", where
            assert error["field"] == "zz_unknown", where
            assert "'zz_unknown'" in error["message"], where
            if declared:
                assert error["message"].endswith("accepted: " + ", ".join(declared)), (
                    where
                )
            else:
                assert "accepts no query parameters" in error["message"], where
            checked += 1
    assert checked >= 30


def test_known_query_parameters_still_work(client: TestClient) -> None:
    response = client.get("/v2/executions", params={"limit": 1, "state": "ERROR"})
    assert response.status_code == 200


def test_unknown_query_parameter_names_all(client: TestClient) -> None:
    response = client.get("/v2/executions?stat=ERROR&limt=2&limit=1")
    error = error_of(response)
    assert response.status_code == 422
    assert error["field"] == "stat"
    assert "'stat', 'limt'" in error["message"]
    assert "state" in error["message"]


def test_unknown_query_parameter_needs_token_first(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(tokens={"t": "p"})
    response = client.get("/v2/executions?bogus=1")
    assert response.status_code == 401


def test_probes_ignore_query_parameters(client: TestClient) -> None:
    assert client.get("/health?verbose=1").status_code == 200


def test_header_name_with_dash_is_kept() -> None:
    from engine.api.errors import describe_validation

    error = {"type": "missing", "loc": ("header", "x-request-id"), "msg": "Field"}
    assert describe_validation([error])[3] == "x-request-id"
