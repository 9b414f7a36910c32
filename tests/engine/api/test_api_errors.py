"""Bad requests get a 4xx with a stable code, the field and a message."""

from __future__ import annotations

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
