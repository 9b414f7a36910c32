"""Start-up failures of ``levante serve`` and ``levante api``: clear errors, right exit status."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import responses
from click.testing import CliRunner
from starlette.testclient import TestClient

from engine.api.config import TOKENS_ENV, TokenConfigError, load_tokens
from engine.api.keystone import KeystoneAuth, KeystoneUnavailable
from engine.api.service import ServiceStartError, bind_listener
from engine.cli import main
from engine.cli.errors import EXIT_INVALID, EXIT_UNAVAILABLE

from .conftest import isolate_cloud_config
from .test_api_keystone import (
    KEYSTONE,
    PROJECT_A,
    SERVICE_PASSWORD,
    FakeKeystone,
    keystone,  # noqa: F401 (fixture)
    make_app,  # noqa: F401 (fixture)
    service_session,
    subject,
)

TOKENS_URL = KEYSTONE + "/v3/auth/tokens"

#: What a proxy in front of a Keystone that is down may return with status 200.
HTML_PAGE = "<html><body><h1>Maintenance</h1></body></html>"


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Replace run_service, so a command returns with the ApiConfig it built."""
    configs: list[Any] = []

    def record(options: Any, config: Any, database: Any = None) -> None:
        configs.append(config)
        if database is not None:
            database.dispose()

    monkeypatch.setattr("engine.api.service.run_service", record)
    monkeypatch.delenv(TOKENS_ENV, raising=False)
    monkeypatch.delenv("LEVANTE_KEYSTONE_URL", raising=False)
    monkeypatch.delenv("LEVANTE_API_AUTH", raising=False)
    return configs


@pytest.fixture
def service_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Give the service Keystone credentials through the OS_* variables."""
    isolate_cloud_config(monkeypatch, tmp_path)
    monkeypatch.setenv("OS_AUTH_TYPE", "v3password")
    monkeypatch.setenv("OS_AUTH_URL", KEYSTONE + "/v3")
    monkeypatch.setenv("OS_USERNAME", "levante")
    monkeypatch.setenv("OS_PASSWORD", SERVICE_PASSWORD)
    monkeypatch.setenv("OS_PROJECT_NAME", "service")
    monkeypatch.setenv("OS_USER_DOMAIN_NAME", "Default")
    monkeypatch.setenv("OS_PROJECT_DOMAIN_NAME", "Default")


BAD_ANSWERS = {
    "html_200": (200, HTML_PAGE, "text/html"),
    "status_500": (500, '{"error": {"code": 500}}', "application/json"),
    "status_503_html": (503, HTML_PAGE, "text/html"),
}


@pytest.fixture(params=sorted(BAD_ANSWERS))
def broken_keystone(request: pytest.FixtureRequest) -> Iterator[responses.RequestsMock]:
    """A Keystone that returns an unusable response to every token request."""
    status, body, content_type = BAD_ANSWERS[request.param]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add("POST", TOKENS_URL, status=status, body=body, content_type=content_type)
        mock.add("GET", TOKENS_URL, status=status, body=body, content_type=content_type)
        yield mock


# Keystone returns unusable responses at start-up


def test_bad_keystone_answer_is_unavailable(broken_keystone: responses.RequestsMock) -> None:
    auth = KeystoneAuth(service_session(), KEYSTONE)
    with pytest.raises(KeystoneUnavailable, match="unusable response"):
        auth.check_service_credentials()
    broken_keystone.assert_call_count(TOKENS_URL, 1)


def test_serve_starts_despite_bad_keystone(
    broken_keystone: responses.RequestsMock,
    service_credentials: None,
    started: list[Any],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    db = str(tmp_path / "service.sqlite")
    result = CliRunner().invoke(main, ["serve", "--db", db, "--auth", "keystone"])
    assert result.exit_code == 0, result.output
    assert result.exception is None
    (config,) = started
    assert config.keystone is not None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("unusable response" in message for message in warnings), warnings
    assert any("requests get 503" in message for message in warnings), warnings


def test_requests_get_503_while_keystone_broken(
    broken_keystone: responses.RequestsMock, core: Any
) -> None:
    from engine.api import ApiConfig, create_app

    auth = KeystoneAuth(service_session(), KEYSTONE)
    with TestClient(create_app(core, ApiConfig(keystone=auth))) as client:
        response = client.get("/v2/executions", headers=subject("some-token"))
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "5"


def test_serve_rejects_wrong_service_password(
    keystone: FakeKeystone,  # noqa: F811 (fixture)
    service_credentials: None,
    started: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("OS_PASSWORD", "wrong")
    db = str(tmp_path / "service.sqlite")
    result = CliRunner().invoke(main, ["serve", "--db", db, "--auth", "keystone"])
    assert result.exit_code == EXIT_INVALID
    assert "Keystone rejected the service credentials" in result.output
    assert started == []


def test_keystone_down_503_has_retry_after(
    keystone: FakeKeystone,  # noqa: F811 (fixture)
    make_app: Callable[..., TestClient],  # noqa: F811 (fixture)
) -> None:
    client = make_app()
    token = keystone.add_token(PROJECT_A)
    keystone.down = True
    response = client.get("/v2/executions", headers=subject(token))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "retry the request in 5 seconds" in response.json()["message"]


# Port in use


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port of 127.0.0.1 that another socket listens on."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        yield holder.getsockname()[1]
    finally:
        holder.close()


def test_bind_listener_rejects_busy_port(busy_port: int) -> None:
    with pytest.raises(ServiceStartError, match="Address already in use"):
        bind_listener("127.0.0.1", busy_port)


def test_bind_listener_rejects_unknown_host() -> None:
    with pytest.raises(ServiceStartError, match="--host"):
        bind_listener("no-such-host.invalid", 0)


@pytest.mark.parametrize("command", ["serve", "api"])
def test_busy_port_exits_six(
    busy_port: int, command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKENS_ENV, raising=False)
    db = str(tmp_path / "service.sqlite")
    args = [command, "--port", str(busy_port), "--db", db]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == EXIT_UNAVAILABLE, result.output
    assert f"cannot listen on 127.0.0.1:{busy_port}" in result.output
    assert "choose another --port" in result.output


# Tokens file that defines no token


@pytest.mark.parametrize(
    "text", ["", "\n\n", "# token=project lines follow\n", "# only\n  \n,\n"]
)
def test_tokens_file_without_tokens_is_rejected(tmp_path: Path, text: str) -> None:
    path = tmp_path / "tokens.txt"
    path.write_text(text)
    with pytest.raises(TokenConfigError, match="defines no token"):
        load_tokens(path)


def test_serve_rejects_empty_tokens_file(started: list[Any], tmp_path: Path) -> None:
    path = tmp_path / "tokens.txt"
    path.write_text("# ops team\n")
    result = CliRunner().invoke(main, ["serve", "--tokens-file", str(path)])
    assert result.exit_code == EXIT_INVALID
    assert f"the tokens file {path} defines no token" in result.output
    assert started == []


def test_empty_environment_tokens_stay_open(
    started: list[Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(TOKENS_ENV, "")
    db = str(tmp_path / "service.sqlite")
    result = CliRunner().invoke(main, ["serve", "--db", db])
    assert result.exit_code == 0, result.output
    (config,) = started
    assert not config.authenticated
