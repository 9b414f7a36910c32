"""Record and replay against a local HTTP server that the tests start themselves."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from keystoneauth1 import adapter, session
from keystoneauth1.identity import v3

from testing.recording import (
    EXPIRY_PLACEHOLDER,
    SCRUBBED,
    CassetteMissError,
    CloudRecorder,
    Interaction,
    RecordingError,
    cassette_path,
    decode_body,
    encode_body,
    load_cassette,
    record_mode_enabled,
    save_cassette,
    scrub,
)

pytest_plugins = ["pytester"]

PASSWORD = "local-server-password"
TOKEN = "local-server-token-0123456789"


class LocalCloud(BaseHTTPRequestHandler):
    """A tiny keystone and compute on 127.0.0.1, enough for a recorded session."""

    expires_at = "2099-01-01T00:00:00.000000Z"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(
        self, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _root(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        request = json.loads(self.rfile.read(length))
        user = request["auth"]["identity"]["password"]["user"]
        if self.path != "/v3/auth/tokens" or user["password"] != PASSWORD:
            self._reply(401, {"error": {"code": 401}})
            return
        endpoint = {
            "interface": "public",
            "region": "RegionOne",
            "region_id": "RegionOne",
            "url": self._root() + "/v2.1",
            "id": "e1",
        }
        token = {
            "token": {
                "methods": ["password"],
                "expires_at": self.expires_at,
                "issued_at": "2024-01-01T00:00:00.000000Z",
                "user": {"id": "u1", "name": "admin", "domain": {"id": "default"}},
                "project": {"id": "p1", "name": "admin", "domain": {"id": "default"}},
                "catalog": [
                    {
                        "type": "compute",
                        "name": "nova",
                        "id": "s1",
                        "endpoints": [endpoint],
                    }
                ],
            }
        }
        self._reply(201, token, {"X-Subject-Token": TOKEN})

    def do_GET(self) -> None:
        if self.headers.get("X-Auth-Token") != TOKEN:
            self._reply(401, {"error": {"code": 401}})
        elif self.path == "/v2.1/servers":
            self._reply(200, {"servers": [{"id": "s1", "adminPass": "generated"}]})
        elif self.path == "/v2.1/servers?name=web":
            self._reply(200, {"servers": []})
        else:
            self._reply(404, {"itemNotFound": {"code": 404}})


class QuietServer(ThreadingHTTPServer):
    """HTTP server that keeps handler errors instead of printing them."""

    errors: list[BaseException | None]

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.errors.append(sys.exc_info()[1])


@pytest.fixture
def local_cloud() -> Iterator[str]:
    """Serve LocalCloud on a free 127.0.0.1 port and yield its auth URL."""
    server = QuietServer(("127.0.0.1", 0), LocalCloud)
    server.errors = []
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}/v3"
    server.shutdown()
    server.server_close()
    thread.join()


def run_session(auth_url: str) -> list[Any]:
    """Authenticate and list servers twice, the way an action would."""
    auth = v3.Password(
        auth_url=auth_url,
        username="admin",
        password=PASSWORD,
        project_name="admin",
        user_domain_name="Default",
        project_domain_name="Default",
    )
    ks_session = session.Session(auth=auth)
    client = adapter.Adapter(ks_session, service_type="compute")
    try:
        return [
            client.get("/servers").json(),
            client.get("/servers", params={"name": "web"}).json(),
        ]
    finally:
        ks_session.session.close()


def test_record_then_replay(local_cloud: str, tmp_path: Path) -> None:
    cassette = tmp_path / "cassettes" / "session.yaml"
    with CloudRecorder(cassette, record=True) as recorder:
        recorded = run_session(local_cloud)
    assert recorder.mode == "record"
    assert [item.method for item in recorder.interactions] == ["POST", "GET", "GET"]

    text = cassette.read_text()
    assert TOKEN not in text
    assert PASSWORD not in text
    assert "generated" not in text
    assert LocalCloud.expires_at not in text
    assert f"{SCRUBBED}-TOKEN-1" in text
    assert EXPIRY_PLACEHOLDER in text

    with CloudRecorder(cassette) as replayer:
        replayed = run_session(local_cloud)
    assert replayed[1] == recorded[1] == {"servers": []}
    assert replayed[0] == {"servers": [{"id": "s1", "adminPass": SCRUBBED}]}
    assert replayer.misses == []


def test_replay_restores_future_expiry(local_cloud: str, tmp_path: Path) -> None:
    cassette = tmp_path / "session.yaml"
    with CloudRecorder(cassette, record=True):
        run_session(local_cloud)
    with CloudRecorder(cassette):
        reply = requests.post(local_cloud + "/auth/tokens", json={}, timeout=5)
    expires_at = datetime.strptime(
        reply.json()["token"]["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ"
    ).replace(tzinfo=UTC)
    assert expires_at > datetime.now(UTC) + timedelta(minutes=30)
    assert reply.headers["X-Subject-Token"] == f"{SCRUBBED}-TOKEN-1"


def test_replay_miss_names_method_and_url(tmp_path: Path) -> None:
    cassette = tmp_path / "empty.yaml"
    save_cassette(cassette, [])
    with CloudRecorder(cassette) as replayer:
        with pytest.raises(CassetteMissError) as error:
            requests.delete("http://127.0.0.1:8774/v2.1/servers/s1", timeout=5)
    message = str(error.value)
    assert message.startswith("DELETE http://127.0.0.1:8774/v2.1/servers/s1 was not")
    assert "--levante-record" in message
    assert replayer.misses == ["DELETE http://127.0.0.1:8774/v2.1/servers/s1"]
    assert "1 request(s) not recorded" in replayer.miss_report()


def test_replay_serves_in_order_last_repeats(tmp_path: Path) -> None:
    url = "http://127.0.0.1:8774/v2.1/servers/s1"
    states = ["BUILD", "ACTIVE"]
    interactions = [
        Interaction(
            "GET",
            url,
            {},
            None,
            200,
            {"Content-Type": "application/json"},
            {"json": {"status": state}},
        )
        for state in states
    ]
    cassette = tmp_path / "poll.yaml"
    save_cassette(cassette, interactions)
    with CloudRecorder(cassette):
        seen = [requests.get(url, timeout=5).json()["status"] for _ in range(3)]
    assert seen == ["BUILD", "ACTIVE", "ACTIVE"]


def test_missing_cassette_is_reported(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="not found; record it"):
        CloudRecorder(tmp_path / "absent.yaml").start()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[unclosed", "not valid YAML"),
        ("format: 9\n", "not a format 1 Levante cassette"),
        ("format: 1\ninteractions:\n- request: {}\n", "interaction 0"),
    ],
)
def test_bad_cassette_is_reported(tmp_path: Path, content: str, message: str) -> None:
    cassette = tmp_path / "bad.yaml"
    cassette.write_text(content)
    with pytest.raises(RecordingError, match=message):
        load_cassette(cassette)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"auth": {"identity": {"password": {"user": {"password": "p"}}}}},
            {"auth": {"identity": {"password": {"user": {"password": SCRUBBED}}}}},
        ),
        (
            {"application_credential": {"secret": "s", "name": "n"}},
            {"application_credential": {"secret": SCRUBBED, "name": "n"}},
        ),
        ({"server": {"adminPass": "x"}}, {"server": {"adminPass": SCRUBBED}}),
        ({"totp": {"passcode": "123456"}}, {"totp": {"passcode": SCRUBBED}}),
        ({"items": [{"new_password": "n"}]}, {"items": [{"new_password": SCRUBBED}]}),
        ({"password_expires_at": None}, {"password_expires_at": None}),
        ({"password_expires_at": "2030-01-01"}, {"password_expires_at": "2030-01-01"}),
        ({"note": "tok-1 inside"}, {"note": f"{SCRUBBED}-TOKEN-1 inside"}),
    ],
)
def test_scrub_request_body(body: Any, expected: Any) -> None:
    interaction = Interaction(
        "POST", "http://h/x", {"X-Auth-Token": "tok-1"}, {"json": body}, 200, {}, None
    )
    assert scrub([interaction])[0].request_body == {"json": expected}


def test_scrub_headers_and_expiry() -> None:
    interaction = Interaction(
        "POST",
        "http://h/v3/auth/tokens?nocatalog",
        {"Authorization": "Basic abc", "Content-Type": "application/json"},
        None,
        201,
        {"X-Subject-Token": "tok-9", "Set-Cookie": "s=1"},
        {
            "json": {
                "token": {"expires_at": "2030-01-01T00:00:00Z", "issued_at": "x"},
                "trust": {"expires_at": "2031-01-01T00:00:00Z"},
            }
        },
    )
    scrubbed = scrub([interaction])[0]
    assert scrubbed.request_headers["Authorization"] == SCRUBBED
    assert scrubbed.request_headers["Content-Type"] == "application/json"
    assert scrubbed.response_headers["X-Subject-Token"] == f"{SCRUBBED}-TOKEN-1"
    assert scrubbed.response_headers["Set-Cookie"] == SCRUBBED
    token = scrubbed.response_body["json"]["token"]
    assert token["expires_at"] == EXPIRY_PLACEHOLDER
    assert token["issued_at"] == "x"
    assert (
        scrubbed.response_body["json"]["trust"]["expires_at"] == "2031-01-01T00:00:00Z"
    )


@pytest.mark.parametrize(
    ("content", "content_type", "expected", "decoded"),
    [
        (b'{"a": 1}', "application/json", {"json": {"a": 1}}, b'{"a": 1}'),
        (b'{"a": 1}', "text/plain", {"text": '{"a": 1}'}, b'{"a": 1}'),
        (b"not json", "application/json", {"text": "not json"}, b"not json"),
        (b"\xff\x00", None, {"base64": "/wA="}, b"\xff\x00"),
        (b"", "application/json", None, b""),
        (None, None, None, b""),
    ],
)
def test_body_round_trip(
    content: bytes | None, content_type: str | None, expected: Any, decoded: bytes
) -> None:
    encoded = encode_body(content, content_type)
    assert encoded == expected
    assert decode_body(encoded) == decoded


def test_cassette_path_beside_test() -> None:
    path = cassette_path(Path("/p/tests/test_nova.py"), "test_list[queens-2.1]")
    assert path == Path("/p/tests/cassettes/test_nova.test_list_queens-2.1.yaml")


@pytest.mark.parametrize(
    ("option", "env", "expected"),
    [
        (False, None, False),
        (True, None, True),
        (False, "1", True),
        (False, "true", True),
        (False, "0", False),
        (False, "", False),
    ],
)
def test_record_mode_enabled(
    monkeypatch: pytest.MonkeyPatch, option: bool, env: str | None, expected: bool
) -> None:
    if env is None:
        monkeypatch.delenv("LEVANTE_RECORD", raising=False)
    else:
        monkeypatch.setenv("LEVANTE_RECORD", env)
    assert record_mode_enabled(option) is expected


def test_cassette_yaml_layout(tmp_path: Path) -> None:
    cassette = tmp_path / "one.yaml"
    interaction = Interaction(
        "GET",
        "http://h/x",
        {},
        None,
        200,
        {"Content-Type": "text/plain"},
        {"text": "ok"},
    )
    save_cassette(cassette, [interaction])
    document = yaml.safe_load(cassette.read_text())
    assert document["format"] == 1
    assert document["interactions"] == [
        {
            "request": {
                "method": "GET",
                "url": "http://h/x",
                "headers": {},
                "body": None,
            },
            "response": {
                "status": 200,
                "headers": {"Content-Type": "text/plain"},
                "body": {"text": "ok"},
            },
        }
    ]


# The cloud_recorder fixture, run in an inner pytest session.

INNER_TEST = """
import requests

def test_servers(cloud_recorder):
    reply = requests.get("{url}", headers={{"X-Auth-Token": "{token}"}}, timeout=5)
    assert reply.json() == {{"servers": []}}
"""


@pytest.mark.parametrize("switch", ["option", "environment"])
def test_fixture_records_then_replays(
    pytester: pytest.Pytester,
    local_cloud: str,
    monkeypatch: pytest.MonkeyPatch,
    switch: str,
) -> None:
    url = local_cloud.removesuffix("/v3") + "/v2.1/servers?name=web"
    pytester.makepyfile(test_inner=INNER_TEST.format(url=url, token=TOKEN))
    monkeypatch.delenv("LEVANTE_RECORD", raising=False)
    if switch == "option":
        recorded = pytester.runpytest("-q", "--levante-record")
    else:
        monkeypatch.setenv("LEVANTE_RECORD", "1")
        recorded = pytester.runpytest("-q")
    recorded.assert_outcomes(passed=1)
    cassette = pytester.path / "cassettes" / "test_inner.test_servers.yaml"
    assert TOKEN not in cassette.read_text()

    monkeypatch.delenv("LEVANTE_RECORD", raising=False)
    replayed = pytester.runpytest("-q")
    replayed.assert_outcomes(passed=1)


def test_fixture_without_cassette_fails_clearly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_inner=INNER_TEST.format(url="http://127.0.0.1:1/x", token="t")
    )
    result = pytester.runpytest("-q")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*cassette*test_inner.test_servers.yaml not found*"])


def test_fixture_reports_swallowed_miss(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_inner="""
        import requests

        def test_swallows(cloud_recorder):
            try:
                requests.get("http://127.0.0.1:8774/v2.1/flavors", timeout=5)
            except AssertionError:
                pass
        """
    )
    (pytester.path / "cassettes").mkdir()
    save_cassette(pytester.path / "cassettes" / "test_inner.test_swallows.yaml", [])
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*GET http://127.0.0.1:8774/v2.1/flavors*"])
