"""The application: the registry router mounted under /v2 behind the token."""

from __future__ import annotations

from collections.abc import Callable

from starlette.testclient import TestClient

from engine.api.app import registry_router

from .conftest import TOKENS


def test_registry_router_found() -> None:
    assert registry_router() is not None


def test_registry_routes_are_mounted(make_client: Callable[..., TestClient]) -> None:
    client = make_client("token-a", tokens=TOKENS)
    response = client.get("/v2/plugins")
    assert response.status_code == 200
    assert "std" in [plugin["name"] for plugin in response.json()["plugins"]]


def test_registry_routes_need_token(make_client: Callable[..., TestClient]) -> None:
    response = make_client(tokens=TOKENS).get("/v2/actions")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_registry_errors_keep_their_code(
    make_client: Callable[..., TestClient],
) -> None:
    response = make_client().get("/v2/actions/no.such_action")
    assert response.status_code == 404
    assert response.json()["code"] == "action_not_found"
    assert "no.such_action" in response.json()["message"]
