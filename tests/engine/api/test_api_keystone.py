"""Keystone token authentication: project from the token, cache, errors, CLI."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import responses
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from starlette.testclient import TestClient

from engine.api import ApiConfig, create_app
from engine.api.config import TOKENS_ENV, TokenConfigError
from engine.api.keystone import (
    KeystoneAuth,
    KeystoneConfigError,
    KeystoneUnavailable,
    TokenCache,
    TokenInfo,
    TokenRejected,
    build_keystone_auth,
    normalize_keystone_url,
    parse_token_body,
)
from engine.cli import main
from engine.core import EngineCore
from testing.fakecloud import FakeCloud
from testing.identity import format_timestamp

from .conftest import FAILING, free_port, isolate_cloud_config, wait_until_ready

#: A fake Keystone that `responses` serves; nothing listens there.
KEYSTONE = "http://127.0.0.1:35357"
SERVICE_PASSWORD = "service-password"
PROJECT_A = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
PROJECT_B = "f9e8d7c6b5a4039281706f5e4d3c2b1a"


@dataclass
class FakeKeystone:
    """Keystone v3 token issuing and validation with tokens a test defines.

    The service user "levante" authenticates with ``SERVICE_PASSWORD``;
    ``GET /v3/auth/tokens`` then validates the tokens that ``add_token``
    created, returning 404 for unknown and expired ones as Keystone does.
    """

    service_tokens: set[str] = field(default_factory=set)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Number of validation requests, by subject token.
    validations: dict[str, int] = field(default_factory=dict)
    #: When true, every request fails to connect.
    down: bool = False
    #: Status of validation responses in place of the normal response.
    validation_status: int | None = None

    def add_token(
        self,
        project_id: str | None,
        roles: tuple[str, ...] = ("member",),
        lifetime: timedelta = timedelta(hours=1),
    ) -> str:
        token = secrets.token_urlsafe(32)
        body: dict[str, Any] = {
            "methods": ["password"],
            "user": {"id": f"user-of-{project_id}", "name": "someone"},
            "expires_at": format_timestamp(datetime.now(UTC) + lifetime),
            "issued_at": format_timestamp(datetime.now(UTC)),
        }
        if project_id is not None:
            body["project"] = {"id": project_id, "name": "p"}
            body["roles"] = [{"id": name + "-id", "name": name} for name in roles]
        self.tokens[token] = {"token": body}
        return token

    def issue(self, request: Any) -> tuple[int, dict[str, str], str]:
        if self.down:
            raise requests.ConnectionError("connection refused")
        auth = json.loads(request.body)["auth"]
        user = auth["identity"]["password"]["user"]
        if user["name"] != "levante" or user["password"] != SERVICE_PASSWORD:
            return 401, {}, json.dumps({"error": {"code": 401}})
        token = secrets.token_urlsafe(32)
        self.service_tokens.add(token)
        expires = format_timestamp(datetime.now(UTC) + timedelta(hours=1))
        body = {"token": {"project": {"id": "service"}, "expires_at": expires}}
        return 201, {"X-Subject-Token": token}, json.dumps(body)

    def validate(self, request: Any) -> tuple[int, dict[str, str], str]:
        if self.down:
            raise requests.ConnectionError("connection refused")
        if request.headers.get("X-Auth-Token") not in self.service_tokens:
            return 401, {}, json.dumps({"error": {"code": 401}})
        subject = request.headers.get("X-Subject-Token", "")
        self.validations[subject] = self.validations.get(subject, 0) + 1
        if self.validation_status is not None:
            return self.validation_status, {}, json.dumps({"error": {}})
        body = self.tokens.get(subject)
        if body is None:
            return 404, {}, json.dumps({"error": {"code": 404}})
        expires = datetime.fromisoformat(body["token"]["expires_at"])
        if expires <= datetime.now(UTC):
            return 404, {}, json.dumps({"error": {"code": 404}})
        return 200, {"X-Subject-Token": subject}, json.dumps(body)


@pytest.fixture
def keystone() -> Iterator[FakeKeystone]:
    fake = FakeKeystone()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        url = KEYSTONE + "/v3/auth/tokens"
        mock.add_callback("POST", url, fake.issue, content_type="application/json")
        mock.add_callback("GET", url, fake.validate, content_type="application/json")
        yield fake


def service_session(password: str = SERVICE_PASSWORD) -> ks_session.Session:
    auth = v3.Password(
        auth_url=KEYSTONE + "/v3",
        username="levante",
        password=password,
        project_name="service",
        user_domain_id="default",
        project_domain_id="default",
    )
    return ks_session.Session(auth=auth)


@pytest.fixture
def make_app(core: EngineCore) -> Iterator[Callable[..., TestClient]]:
    """Build a client of an API in Keystone mode; options go to KeystoneAuth."""
    clients: list[TestClient] = []

    def make(**options: Any) -> TestClient:
        auth = KeystoneAuth(service_session(), KEYSTONE + "/v3", **options)
        app = create_app(core, ApiConfig(keystone=auth), engine_alive=lambda: True)
        client = TestClient(app)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def subject(token: str) -> dict[str, str]:
    return {"X-Auth-Token": token}


# Project isolation


def test_token_project_sees_own_executions(
    keystone: FakeKeystone,
    make_app: Callable[..., TestClient],
    make_client: Callable[..., TestClient],
    finish: Callable[[str], None],
) -> None:
    client = make_app()
    token_a = keystone.add_token(PROJECT_A)
    started = client.post(
        "/v2/executions", json={"definition": FAILING}, headers=subject(token_a)
    )
    assert started.status_code == 201, started.text
    execution_id = started.json()["id"]
    finish(execution_id)

    listed = client.get("/v2/executions", headers=subject(token_a)).json()
    assert [item["id"] for item in listed["executions"]] == [execution_id]
    # The same token as a bearer token reaches the same project.
    execution = client.get(f"/v2/executions/{execution_id}", headers=bearer(token_a))
    assert execution.status_code == 200
    # A static token of the same project id reads the execution, so the
    # execution is stored under the Keystone token's project id.
    static = make_client("static", tokens={"static": PROJECT_A})
    assert static.get(f"/v2/executions/{execution_id}").status_code == 200


def test_other_project_gets_404(
    keystone: FakeKeystone,
    make_app: Callable[..., TestClient],
    finish: Callable[[str], None],
) -> None:
    client = make_app()
    token_a = keystone.add_token(PROJECT_A)
    token_b = keystone.add_token(PROJECT_B)
    execution_id = client.post(
        "/v2/executions", json={"definition": FAILING}, headers=subject(token_a)
    ).json()["id"]
    finish(execution_id)

    response = client.get(f"/v2/executions/{execution_id}", headers=subject(token_b))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    tasks = client.get(f"/v2/executions/{execution_id}/tasks", headers=bearer(token_b))
    assert tasks.status_code == 404
    listed = client.get("/v2/executions", headers=subject(token_b)).json()
    assert listed["executions"] == []


def test_x_auth_token_wins_over_bearer(
    keystone: FakeKeystone, make_app: Callable[..., TestClient]
) -> None:
    client = make_app()
    token_a = keystone.add_token(PROJECT_A)
    headers = {**subject(token_a), **bearer("not-a-keystone-token")}
    assert client.get("/v2/executions", headers=headers).status_code == 200


# Rejected tokens


def assert_error(response: Any, status: int, code: str, field: str | None) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "field", "message"}
    assert body["code"] == code
    assert body["field"] == field
    message: str = body["message"]
    return message


def test_missing_token_is_401(
    keystone: FakeKeystone, make_app: Callable[..., TestClient]
) -> None:
    response = make_app().get("/v2/executions")
    message = assert_error(response, 401, "unauthorized", "X-Auth-Token")
    assert "X-Auth-Token" in message
    assert keystone.validations == {}


def test_unknown_token_is_401(
    keystone: FakeKeystone, make_app: Callable[..., TestClient]
) -> None:
    response = make_app().get("/v2/executions", headers=subject("made-up-token"))
    message = assert_error(response, 401, "unauthorized", "X-Auth-Token")
    assert "invalid or expired" in message


def test_expired_token_is_401(
    keystone: FakeKeystone, make_app: Callable[..., TestClient]
) -> None:
    token = keystone.add_token(PROJECT_A, lifetime=timedelta(seconds=-1))
    response = make_app().get("/v2/executions", headers=bearer(token))
    message = assert_error(response, 401, "unauthorized", "X-Auth-Token")
    assert "invalid or expired" in message


def test_unscoped_token_is_401(
    keystone: FakeKeystone, make_app: Callable[..., TestClient]
) -> None:
    token = keystone.add_token(None)
    response = make_app().get("/v2/executions", headers=subject(token))
    message = assert_error(response, 401, "unauthorized", "X-Auth-Token")
    assert "not scoped to a project" in message


def test_token_with_space_never_reaches_keystone(
    keystone: FakeKeystone, make_app: Callable[..., TestClient]
) -> None:
    response = make_app().get("/v2/executions", headers=subject("two words"))
    assert_error(response, 401, "unauthorized", "X-Auth-Token")
    assert keystone.validations == {}


def test_openapi_documents_x_auth_token(make_app: Callable[..., TestClient]) -> None:
    document = make_app().get("/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["KeystoneToken"]
    assert scheme["type"] == "apiKey"
    assert scheme["in"] == "header"
    assert scheme["name"] == "X-Auth-Token"
    security = document["paths"]["/v2/executions"]["get"]["security"]
    assert {"KeystoneToken": []} in security
    assert {"HTTPBearer": []} in security


def test_health_routes_need_no_token(
    keystone: FakeKeystone, make_app: Callable[..., TestClient]
) -> None:
    assert make_app().get("/health").status_code == 200


# Keystone failures


def test_keystone_down_is_503(
    keystone: FakeKeystone, make_app: Callable[..., TestClient]
) -> None:
    client = make_app()
    token = keystone.add_token(PROJECT_A)
    keystone.down = True
    response = client.get("/v2/executions", headers=subject(token))
    message = assert_error(response, 503, "service_unavailable", None)
    assert "Keystone" in message

    keystone.down = False
    assert client.get("/v2/executions", headers=subject(token)).status_code == 200


def test_keystone_down_warns_once(
    keystone: FakeKeystone, caplog: pytest.LogCaptureFixture
) -> None:
    auth = KeystoneAuth(service_session(), KEYSTONE)
    token = keystone.add_token(PROJECT_A)
    keystone.down = True
    for _ in range(3):
        with pytest.raises(KeystoneUnavailable):
            auth.validate(token)
    warnings = [r for r in caplog.records if r.name == "engine.api.keystone"]
    assert len(warnings) == 1
    assert "cannot reach Keystone at http://127.0.0.1:35357" in warnings[0].getMessage()


def test_rejected_service_credentials_is_503(
    keystone: FakeKeystone, core: EngineCore
) -> None:
    auth = KeystoneAuth(service_session("wrong"), KEYSTONE)
    app = create_app(core, ApiConfig(keystone=auth))
    token = keystone.add_token(PROJECT_A)
    with TestClient(app) as client:
        response = client.get("/v2/executions", headers=subject(token))
    assert_error(response, 503, "service_unavailable", None)


@pytest.mark.parametrize("status", [403, 500, 502])
def test_unexpected_keystone_status_is_503(
    keystone: FakeKeystone, make_app: Callable[..., TestClient], status: int
) -> None:
    client = make_app()
    token = keystone.add_token(PROJECT_A)
    keystone.validation_status = status
    response = client.get("/v2/executions", headers=subject(token))
    assert_error(response, 503, "service_unavailable", None)


# Cache


def test_cache_avoids_second_validation(
    keystone: FakeKeystone, make_app: Callable[..., TestClient]
) -> None:
    client = make_app()
    token = keystone.add_token(PROJECT_A)
    assert client.get("/v2/executions", headers=subject(token)).status_code == 200
    assert client.get("/v2/workflows", headers=bearer(token)).status_code == 200
    assert keystone.validations == {token: 1}


def test_cache_off_validates_every_request(
    keystone: FakeKeystone, make_app: Callable[..., TestClient]
) -> None:
    client = make_app(cache_seconds=0)
    token = keystone.add_token(PROJECT_A)
    for _ in range(2):
        assert client.get("/v2/executions", headers=subject(token)).status_code == 200
    assert keystone.validations == {token: 2}


def test_token_near_expiry_is_not_cached(
    keystone: FakeKeystone, make_app: Callable[..., TestClient]
) -> None:
    client = make_app()
    token = keystone.add_token(PROJECT_A, lifetime=timedelta(seconds=20))
    for _ in range(2):
        assert client.get("/v2/executions", headers=subject(token)).status_code == 200
    assert keystone.validations == {token: 2}


def test_cache_entry_ends_after_cache_seconds(keystone: FakeKeystone) -> None:
    now = [datetime.now(UTC)]
    auth = KeystoneAuth(
        service_session(), KEYSTONE, cache_seconds=60, clock=lambda: now[0]
    )
    token = keystone.add_token(PROJECT_A)
    assert auth.validate(token).project_id == PROJECT_A
    now[0] += timedelta(seconds=59)
    assert auth.validate(token).project_id == PROJECT_A
    assert keystone.validations == {token: 1}
    now[0] += timedelta(seconds=2)
    assert auth.validate(token).project_id == PROJECT_A
    assert keystone.validations == {token: 2}


def test_rejected_tokens_are_not_cached(keystone: FakeKeystone) -> None:
    auth = KeystoneAuth(service_session(), KEYSTONE)
    for _ in range(2):
        with pytest.raises(TokenRejected):
            auth.validate("unknown-token")
    assert keystone.validations == {"unknown-token": 2}
    assert len(auth.cache) == 0


def test_cache_drops_least_recently_used() -> None:
    cache = TokenCache(size=2)
    now = datetime.now(UTC)
    later = now + timedelta(minutes=5)
    info = TokenInfo(PROJECT_A, "user", frozenset(), later)
    cache.put(b"a", info, later)
    cache.put(b"b", info, later)
    assert cache.get(b"a", now) is info
    cache.put(b"c", info, later)
    assert len(cache) == 2
    assert cache.get(b"b", now) is None
    assert cache.get(b"a", now) is info
    assert cache.get(b"c", now) is info


def test_cache_entry_expires_at_deadline() -> None:
    cache = TokenCache(size=10)
    now = datetime.now(UTC)
    info = TokenInfo(PROJECT_A, "user", frozenset(), now + timedelta(hours=1))
    cache.put(b"a", info, now + timedelta(seconds=10))
    assert cache.get(b"a", now + timedelta(seconds=9)) is info
    assert cache.get(b"a", now + timedelta(seconds=10)) is None
    assert len(cache) == 0


# Roles


def test_missing_required_role_is_403(
    keystone: FakeKeystone, make_app: Callable[..., TestClient]
) -> None:
    client = make_app(required_roles=["workflow_operator"])
    token = keystone.add_token(PROJECT_A, roles=("reader",))
    response = client.get("/v2/executions", headers=subject(token))
    message = assert_error(response, 403, "forbidden", "X-Auth-Token")
    assert "workflow_operator" in message
    assert PROJECT_A in message


def test_required_role_matches_case_insensitively(
    keystone: FakeKeystone, make_app: Callable[..., TestClient]
) -> None:
    client = make_app(required_roles=["admin", "Workflow_Operator"])
    token = keystone.add_token(PROJECT_A, roles=("reader", "workflow_operator"))
    assert client.get("/v2/executions", headers=subject(token)).status_code == 200


def test_any_role_accepted_without_requirement(
    keystone: FakeKeystone, make_app: Callable[..., TestClient]
) -> None:
    token = keystone.add_token(PROJECT_A, roles=())
    response = make_app().get("/v2/executions", headers=subject(token))
    assert response.status_code == 200


# Token bodies and URLs


def test_parse_token_body_reads_fields() -> None:
    body = {
        "token": {
            "project": {"id": PROJECT_A},
            "user": {"id": "u1"},
            "roles": [{"name": "Member"}, {"name": "reader"}],
            "expires_at": "2030-01-02T03:04:05.000000Z",
        }
    }
    info = parse_token_body(body)
    assert info.project_id == PROJECT_A
    assert info.user_id == "u1"
    assert info.roles == frozenset({"member", "reader"})
    assert info.expires_at == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_parse_naive_expiry_as_utc() -> None:
    body = {
        "token": {
            "project": {"id": PROJECT_A},
            "expires_at": "2030-01-02T03:04:05.000000",
        }
    }
    info = parse_token_body(body)
    assert info.expires_at == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert info.roles == frozenset()


@pytest.mark.parametrize(
    "token",
    [
        {"project": {"id": "has space"}, "expires_at": "2030-01-01T00:00:00Z"},
        {"project": {"id": PROJECT_A}, "expires_at": "tomorrow"},
        {"project": {"id": PROJECT_A}},
    ],
)
def test_parse_token_body_rejects_bad_fields(token: dict[str, Any]) -> None:
    with pytest.raises(KeystoneUnavailable):
        parse_token_body({"token": token})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["token", "project", "id", "roles", "name", "expires_at"])
            | st.text(max_size=5),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@given(json_values)
def test_parse_token_body_never_crashes(body: Any) -> None:
    try:
        info = parse_token_body(body)
    except (TokenRejected, KeystoneUnavailable):
        return
    assert info.project_id
    assert info.expires_at.tzinfo is not None


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("http://127.0.0.1:5000/v3", "http://127.0.0.1:5000"),
        ("http://127.0.0.1:5000/v3/", "http://127.0.0.1:5000"),
        (
            "https://keystone.example.org/identity",
            "https://keystone.example.org/identity",
        ),
        (
            "https://keystone.example.org/identity/v3",
            "https://keystone.example.org/identity",
        ),
    ],
)
def test_normalize_keystone_url(url: str, root: str) -> None:
    assert normalize_keystone_url(url) == root


@pytest.mark.parametrize(
    "url", ["", "keystone:5000", "ftp://127.0.0.1/v3", "http://127.0.0.1:5000/v3?x=1"]
)
def test_normalize_keystone_url_rejects(url: str) -> None:
    with pytest.raises(KeystoneConfigError, match="invalid Keystone URL"):
        normalize_keystone_url(url)


def test_tokens_and_keystone_are_exclusive() -> None:
    auth = KeystoneAuth(service_session(), KEYSTONE)
    with pytest.raises(TokenConfigError, match="cannot be combined"):
        ApiConfig(tokens={"t": "p"}, keystone=auth)


# The project's fake cloud and clouds.yaml credentials


@pytest.fixture
def cloud_credentials(
    fake_cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> FakeCloud:
    """Point clouds.yaml at the fake cloud, as the entry "fake"."""
    isolate_cloud_config(monkeypatch, tmp_path)
    config = {"clouds": {"fake": fake_cloud.cloud_config()}}
    (tmp_path / "clouds.yaml").write_text(yaml.safe_dump(config))
    return fake_cloud


def test_fake_cloud_token_selects_its_project(
    cloud_credentials: FakeCloud,
    core: EngineCore,
    make_client: Callable[..., TestClient],
) -> None:
    auth = build_keystone_auth(None, "fake", cache_seconds=0)
    assert auth.url == cloud_credentials.auth_url.removesuffix("/v3")
    app = create_app(core, ApiConfig(keystone=auth))
    token = cloud_credentials.issue_token()
    with TestClient(app) as client:
        created = client.post(
            "/v2/workflows", json={"definition": FAILING}, headers=subject(token)
        )
        assert created.status_code == 201, created.text

        cloud_credentials.revoke_tokens()
        response = client.get("/v2/workflows", headers=subject(token))
    assert_error(response, 401, "unauthorized", "X-Auth-Token")
    static = make_client("static", tokens={"static": cloud_credentials.project_id})
    names = [item["name"] for item in static.get("/v2/workflows").json()["workflows"]]
    assert "broken" in names


def test_build_rejects_wrong_service_password(
    cloud_credentials: FakeCloud, tmp_path: Path
) -> None:
    config = {"clouds": {"fake": cloud_credentials.cloud_config()}}
    config["clouds"]["fake"]["auth"]["password"] = "wrong"
    (tmp_path / "clouds.yaml").write_text(yaml.safe_dump(config))
    with pytest.raises(KeystoneConfigError, match="rejected the service credentials"):
        build_keystone_auth(None, "fake")


def test_build_names_unknown_cloud(cloud_credentials: FakeCloud) -> None:
    with pytest.raises(KeystoneConfigError, match="'nowhere'"):
        build_keystone_auth(None, "nowhere")


def test_build_without_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    isolate_cloud_config(monkeypatch, tmp_path)
    with pytest.raises(KeystoneConfigError, match="OS_AUTH_URL"):
        build_keystone_auth(KEYSTONE, None)


def test_build_reads_os_variables(
    fake_cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    isolate_cloud_config(monkeypatch, tmp_path)
    auth = fake_cloud.cloud_config()["auth"]
    monkeypatch.setenv("OS_AUTH_URL", auth["auth_url"])
    monkeypatch.setenv("OS_USERNAME", auth["username"])
    monkeypatch.setenv("OS_PASSWORD", auth["password"])
    monkeypatch.setenv("OS_PROJECT_NAME", auth["project_name"])
    monkeypatch.setenv("OS_USER_DOMAIN_NAME", auth["user_domain_name"])
    monkeypatch.setenv("OS_PROJECT_DOMAIN_NAME", auth["project_domain_name"])
    keystone = build_keystone_auth(None, None)
    token = fake_cloud.issue_token()
    assert keystone.validate(token).project_id == fake_cloud.project_id


# levante serve options


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Replace run_service, so serve returns with the ApiConfig it built."""
    configs: list[Any] = []

    def record(options: Any, config: ApiConfig, database: Any = None) -> None:
        configs.append(config)
        if database is not None:
            database.dispose()

    monkeypatch.setattr("engine.api.service.run_service", record)
    monkeypatch.delenv(TOKENS_ENV, raising=False)
    monkeypatch.delenv("LEVANTE_KEYSTONE_URL", raising=False)
    monkeypatch.delenv("LEVANTE_API_AUTH", raising=False)
    return configs


def test_serve_help_lists_keystone_options() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--auth [tokens|keystone]", "--keystone-url", "--keystone-role"):
        assert option in result.output
    assert "--keystone-cloud" in result.output
    assert "--keystone-cache-seconds" in result.output


def test_serve_builds_keystone_config(
    cloud_credentials: FakeCloud, started: list[Any], tmp_path: Path
) -> None:
    db = str(tmp_path / "service.sqlite")
    args = ["serve", "--db", db, "--auth", "keystone", "--keystone-cloud", "fake"]
    args += ["--keystone-role", "member", "--keystone-cache-seconds", "60"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    (config,) = started
    assert config.tokens == {}
    assert config.keystone.required_roles == ("member",)
    assert config.keystone.cache_seconds == 60
    assert config.keystone.url == cloud_credentials.auth_url.removesuffix("/v3")


def test_api_reads_keystone_url_from_environment(
    cloud_credentials: FakeCloud,
    started: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("LEVANTE_API_AUTH", "keystone")
    monkeypatch.setenv("LEVANTE_KEYSTONE_URL", "http://127.0.0.1:5000/identity/v3")
    monkeypatch.setenv("OS_CLOUD", "fake")
    result = CliRunner().invoke(main, ["api", "--db", str(tmp_path / "a.sqlite")])
    assert result.exit_code == 0, result.output
    (config,) = started
    assert config.keystone.url == "http://127.0.0.1:5000/identity"


def test_serve_rejects_keystone_with_static_tokens(
    started: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKENS_ENV, "t=p")
    result = CliRunner().invoke(main, ["serve", "--auth", "keystone"])
    assert result.exit_code == 2
    assert "cannot be combined with static tokens" in result.output
    assert TOKENS_ENV in result.output
    assert started == []


def test_serve_rejects_keystone_options_without_mode(started: list[Any]) -> None:
    result = CliRunner().invoke(main, ["serve", "--keystone-role", "member"])
    assert result.exit_code == 2
    assert "need --auth keystone" in result.output
    assert started == []


def test_serve_reports_missing_credentials(
    started: list[Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    isolate_cloud_config(monkeypatch, tmp_path)
    result = CliRunner().invoke(main, ["serve", "--auth", "keystone"])
    assert result.exit_code == 2
    assert "no service credentials for Keystone" in result.output
    assert started == []


# levante serve as a real process, with Keystone over HTTP on 127.0.0.1

class HttpRequest:
    """The parts of a request that FakeKeystone reads."""

    def __init__(self, body: bytes, headers: Any) -> None:
        self.body = body
        self.headers = headers


def serve_fake_keystone(fake: FakeKeystone) -> ThreadingHTTPServer:
    """Serve ``fake`` over HTTP on a free port of 127.0.0.1, in a thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            self.reply(*fake.issue(HttpRequest(self.rfile.read(length), self.headers)))

        def do_GET(self) -> None:
            self.reply(*fake.validate(HttpRequest(b"", self.headers)))

        def reply(self, status: int, headers: dict[str, str], body: str) -> None:
            data = body.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_serve_process_with_keystone(tmp_path: Path) -> None:
    fake = FakeKeystone()
    keystone_server = serve_fake_keystone(fake)
    keystone_url = f"http://127.0.0.1:{keystone_server.server_address[1]}/v3"
    empty = tmp_path / "clouds.yaml"
    empty.write_text("clouds: {}\n")
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("OS_", "LEVANTE_"))
    }
    env.update(
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path),
        OS_CLIENT_CONFIG_FILE=str(empty),
        OS_AUTH_TYPE="v3password",
        OS_AUTH_URL=keystone_url,
        OS_USERNAME="levante",
        OS_PASSWORD=SERVICE_PASSWORD,
        OS_PROJECT_NAME="service",
        OS_USER_DOMAIN_NAME="Default",
        OS_PROJECT_DOMAIN_NAME="Default",
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-c", "from engine.cli import main; main()", "serve"]
    command += ["--port", str(port), "--db", str(tmp_path / "service.sqlite")]
    command += ["--auth", "keystone", "--keystone-role", "member"]
    log_path = tmp_path / "service.log"
    log = log_path.open("w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    token_a = fake.add_token(PROJECT_A)
    token_b = fake.add_token(PROJECT_B)
    reader = fake.add_token(PROJECT_A, roles=("reader",))
    try:
        wait_until_ready(url, process)
        with httpx.Client(base_url=url, timeout=30) as client:
            assert client.get("/v2/executions").status_code == 401
            started = client.post(
                "/v2/executions", json={"definition": FAILING}, headers=subject(token_a)
            )
            assert started.status_code == 201, started.text
            execution_id = started.json()["id"]
            path = f"/v2/executions/{execution_id}"
            assert client.get(path, headers=bearer(token_a)).status_code == 200
            assert client.get(path, headers=subject(token_b)).status_code == 404
            assert client.get(path, headers=subject(reader)).status_code == 403

            keystone_server.shutdown()
            keystone_server.server_close()
            late = fake.add_token(PROJECT_A)
            assert client.get(path, headers=subject(late)).status_code == 503
            # The cached token still works while Keystone is down.
            assert client.get(path, headers=subject(token_a)).status_code == 200
    finally:
        keystone_server.shutdown()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
    output = log_path.read_text()
    assert process.returncode == 0, output
    assert f"Keystone tokens validated at {keystone_url[:-3]}" in output
    assert "cannot reach Keystone" in output
    assert fake.validations[token_a] == 1
