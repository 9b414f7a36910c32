import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from action_sdk import (
    ActionDescriptor,
    ActionError,
    ActionInputError,
    RunContext,
    describe_action,
)
from plugins.std.http import HttpAction

LOOPBACK_ALLOWED = RunContext(extra={"std.http": {"denied_cidrs": []}})


@dataclass
class Server:
    base_url: str
    requests: list[dict[str, Any]] = field(default_factory=list)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "RecordingServer"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.handle_any()

    def do_POST(self) -> None:
        self.handle_any()

    def do_PUT(self) -> None:
        self.handle_any()

    def do_DELETE(self) -> None:
        self.handle_any()

    def handle_any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        parts = urlsplit(self.path)
        self.server.recorded.append({"method": self.command, "path": parts.path})
        route = getattr(self, "route_" + parts.path.strip("/").replace("-", "_"), None)
        if route is None and parts.path.startswith("/status/"):
            self.send(int(parts.path.rsplit("/", 1)[1]), b'{"error": "as asked"}')
            return
        if route is None:
            self.send(404, b"no such route", "text/plain")
            return
        route(parts, body)

    def send(
        self,
        status: int,
        body: bytes,
        content_type: str | None = "application/json",
        headers: list[tuple[str, str]] = [],  # noqa: B006
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def route_json(self, parts: Any, body: str) -> None:
        self.send(200, b'{"hello": "world", "n": [1, 2]}')

    def route_text(self, parts: Any, body: str) -> None:
        self.send(200, "plain text é".encode(), "text/plain; charset=utf-8")

    def route_latin(self, parts: Any, body: str) -> None:
        self.send(200, "café".encode("latin-1"), "text/plain")

    def route_number(self, parts: Any, body: str) -> None:
        self.send(200, b"123", "text/plain")

    def route_empty(self, parts: Any, body: str) -> None:
        self.send(204, b"", None)

    def route_echo(self, parts: Any, body: str) -> None:
        echoed = {
            "method": self.command,
            "query": parse_qs(parts.query),
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
        }
        self.send(200, json.dumps(echoed).encode())

    def route_auth(self, parts: Any, body: str) -> None:
        expected = "Basic " + base64.b64encode(b"ann:pa:ss").decode()
        if self.headers.get("Authorization") == expected:
            self.send(200, b'{"user": "ann"}')
        else:
            self.send(
                401,
                b'{"error": "unauthorized"}',
                headers=[("WWW-Authenticate", "Basic")],
            )

    def route_redirect(self, parts: Any, body: str) -> None:
        self.send(302, b"", None, headers=[("Location", "/json")])

    def route_redirect_localhost(self, parts: Any, body: str) -> None:
        port = self.server.server_address[1]
        self.send(
            302, b"", None, headers=[("Location", f"http://localhost:{port}/json")]
        )

    def route_temporary_redirect(self, parts: Any, body: str) -> None:
        self.send(307, b"", None, headers=[("Location", "/json")])

    def route_cookie(self, parts: Any, body: str) -> None:
        headers = [("Set-Cookie", "session=abc; Path=/")]
        self.send(200, json.dumps(self.headers.get("Cookie")).encode(), headers=headers)

    def route_headers(self, parts: Any, body: str) -> None:
        headers = [("X-Multi", "one"), ("X-Multi", "two"), ("X-Custom-Case", "kept")]
        self.send(200, b"{}", headers=headers)

    def route_big(self, parts: Any, body: str) -> None:
        self.send(200, b"x" * 2048, "text/plain")

    def route_big_chunked(self, parts: Any, body: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for _ in range(4):
            self.wfile.write(b"200\r\n" + b"y" * 512 + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")

    def route_slow(self, parts: Any, body: str) -> None:
        time.sleep(1.0)
        try:
            self.send(200, b"{}")
        except (BrokenPipeError, ConnectionResetError):
            pass  # The client gave up first, which is what the timeout test wants.


class RecordingServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    recorded: list[dict[str, Any]]


@pytest.fixture(scope="module")
def running_server() -> Iterator[RecordingServer]:
    server = RecordingServer(("127.0.0.1", 0), Handler)
    server.recorded = []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def server(running_server: RecordingServer) -> Server:
    running_server.recorded.clear()
    port = running_server.server_address[1]
    return Server(f"http://127.0.0.1:{port}", running_server.recorded)


@pytest.fixture(scope="module")
def http() -> ActionDescriptor:
    return describe_action(HttpAction)


def run(
    http: ActionDescriptor, context: RunContext = LOOPBACK_ALLOWED, **input: Any
) -> Any:
    return http.run(input, context)


def test_get_json(http: ActionDescriptor, server: Server) -> None:
    result = run(http, url=f"{server.base_url}/json")
    assert result["status"] == 200
    assert result["content"] == {"hello": "world", "n": [1, 2]}
    assert result["headers"]["Content-Type"] == "application/json"
    assert result["encoding"] == "utf-8"
    assert result["url"] == f"{server.base_url}/json"
    assert result["reason"] == "OK"
    assert result["history"] == []
    assert result["elapsed"] >= 0


def test_result_is_json_serializable(http: ActionDescriptor, server: Server) -> None:
    json.dumps(run(http, url=f"{server.base_url}/json"))


def test_text_content(http: ActionDescriptor, server: Server) -> None:
    result = run(http, url=f"{server.base_url}/text")
    assert result["content"] == "plain text é"
    assert result["encoding"] == "utf-8"


def test_text_without_charset_is_latin1(http: ActionDescriptor, server: Server) -> None:
    result = run(http, url=f"{server.base_url}/latin")
    assert result["content"] == "café"
    assert result["encoding"] == "ISO-8859-1"


def test_json_looking_text_is_parsed(http: ActionDescriptor, server: Server) -> None:
    assert run(http, url=f"{server.base_url}/number")["content"] == 123


def test_empty_body(http: ActionDescriptor, server: Server) -> None:
    result = run(http, url=f"{server.base_url}/empty")
    assert result["status"] == 204
    assert result["content"] == ""
    assert result["encoding"] is None


def test_query_params(http: ActionDescriptor, server: Server) -> None:
    result = run(
        http, url=f"{server.base_url}/echo", params={"a": "1", "b": ["x", "y"]}
    )
    assert result["content"]["query"] == {"a": ["1"], "b": ["x", "y"]}


def test_post_string_body(http: ActionDescriptor, server: Server) -> None:
    result = run(http, url=f"{server.base_url}/echo", method="POST", body="raw text")
    assert result["content"]["method"] == "POST"
    assert result["content"]["body"] == "raw text"


def test_post_dict_body_sent_as_json_text(
    http: ActionDescriptor, server: Server
) -> None:
    result = run(http, url=f"{server.base_url}/echo", method="post", body={"k": [1]})
    assert json.loads(result["content"]["body"]) == {"k": [1]}
    assert result["content"]["method"] == "POST"


def test_post_json(http: ActionDescriptor, server: Server) -> None:
    result = run(http, url=f"{server.base_url}/echo", method="PUT", json={"k": True})
    assert json.loads(result["content"]["body"]) == {"k": True}
    assert result["content"]["headers"]["content-type"] == "application/json"


def test_body_and_json_rejected(http: ActionDescriptor, server: Server) -> None:
    with pytest.raises(
        ActionError, match="Only one of the parameters 'json' and 'body'"
    ):
        run(http, url=f"{server.base_url}/echo", body="a", json={"b": 1})
    assert server.requests == []


def test_request_headers(http: ActionDescriptor, server: Server) -> None:
    headers = {"X-Token": "abc", "X-Count": 3, "X-Ratio": 0.5}
    result = run(http, url=f"{server.base_url}/echo", headers=headers)
    sent = result["content"]["headers"]
    assert sent["x-token"] == "abc"
    assert sent["x-count"] == "3"
    assert sent["x-ratio"] == "0.5"


def test_response_headers_keep_case_and_join(
    http: ActionDescriptor, server: Server
) -> None:
    headers = run(http, url=f"{server.base_url}/headers")["headers"]
    assert headers["X-Multi"] == "one, two"
    assert headers["X-Custom-Case"] == "kept"


@pytest.mark.parametrize("auth", ["ann:pa:ss", ["ann", "pa:ss"]])
def test_basic_auth(http: ActionDescriptor, server: Server, auth: Any) -> None:
    result = run(http, url=f"{server.base_url}/auth", auth=auth)
    assert result["content"] == {"user": "ann"}


def test_wrong_auth_fails_with_data(http: ActionDescriptor, server: Server) -> None:
    with pytest.raises(ActionError) as caught:
        run(http, url=f"{server.base_url}/auth", auth="ann:wrong")
    assert caught.value.data["status"] == 401
    assert caught.value.data["headers"]["WWW-Authenticate"] == "Basic"


def test_invalid_auth_hides_value(http: ActionDescriptor, server: Server) -> None:
    with pytest.raises(ActionError) as caught:
        run(http, url=f"{server.base_url}/auth", auth="justatoken")
    assert "justatoken" not in str(caught.value)
    assert "user:password" in str(caught.value)


def test_cookies(http: ActionDescriptor, server: Server) -> None:
    result = run(
        http, url=f"{server.base_url}/cookie", cookies={"flavor": "oat", "n": 2}
    )
    assert result["content"] == "flavor=oat; n=2"
    assert result["cookies"] == {"session": "abc"}


@pytest.mark.parametrize("status", [400, 404, 500, 503])
def test_error_status_fails_with_result(
    http: ActionDescriptor, server: Server, status: int
) -> None:
    with pytest.raises(ActionError) as caught:
        run(http, url=f"{server.base_url}/status/{status}")
    data = caught.value.data
    assert data["status"] == status
    assert data["content"] == {"error": "as asked"}
    assert f"returned status {status}" in caught.value.message


def test_redirect_not_followed_by_default(
    http: ActionDescriptor, server: Server
) -> None:
    result = run(http, url=f"{server.base_url}/redirect")
    assert result["status"] == 302
    assert result["headers"]["Location"] == "/json"


def test_status_307_is_an_error(http: ActionDescriptor, server: Server) -> None:
    with pytest.raises(ActionError) as caught:
        run(http, url=f"{server.base_url}/temporary-redirect")
    assert caught.value.data["status"] == 307


def test_redirect_followed_when_allowed(http: ActionDescriptor, server: Server) -> None:
    result = run(http, url=f"{server.base_url}/redirect", allow_redirects=True)
    assert result["content"] == {"hello": "world", "n": [1, 2]}
    assert result["history"] == [{"status": 302, "url": f"{server.base_url}/redirect"}]


def test_redirect_target_checked(http: ActionDescriptor, server: Server) -> None:
    context = RunContext(
        extra={"std.http": {"denied_cidrs": [], "allowed_hosts": ["127.0.0.1"]}}
    )
    with pytest.raises(ActionError, match="'localhost' is not in the allowed hosts"):
        run(
            http,
            context,
            url=f"{server.base_url}/redirect-localhost",
            allow_redirects=True,
        )
    assert [r["path"] for r in server.requests] == ["/redirect-localhost"]


def test_timeout(http: ActionDescriptor, server: Server) -> None:
    started = time.monotonic()
    with pytest.raises(ActionError, match="^Failed to send HTTP request: ") as caught:
        run(http, url=f"{server.base_url}/slow", timeout=0.1)
    assert time.monotonic() - started < 0.9
    assert caught.value.data is None


def test_connection_refused(http: ActionDescriptor) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ActionError, match="^Failed to send HTTP request: "):
        run(http, url=f"http://127.0.0.1:{port}/")


def test_loopback_denied_by_default(http: ActionDescriptor, server: Server) -> None:
    with pytest.raises(ActionError, match="denied address 127.0.0.1"):
        run(http, RunContext(), url=f"{server.base_url}/json")
    assert server.requests == []


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/file", "file:///etc/hostname"])
def test_other_schemes_denied(http: ActionDescriptor, url: str) -> None:
    with pytest.raises(ActionError, match="use http or https"):
        run(http, url=url)


def test_proxy_url_checked(http: ActionDescriptor, server: Server) -> None:
    context = RunContext(
        extra={"std.http": {"allowed_hosts": ["127.0.0.1"], "denied_cidrs": []}}
    )
    with pytest.raises(ActionError, match="Proxy URL host 'localhost'"):
        run(
            http,
            context,
            url=f"{server.base_url}/json",
            proxies={"http": "http://localhost:9"},
        )
    assert server.requests == []


def test_response_limit_by_content_length(
    http: ActionDescriptor, server: Server
) -> None:
    context = RunContext(
        extra={"std.http": {"denied_cidrs": [], "max_response_size_bytes": 1024}}
    )
    with pytest.raises(ActionError, match=r"Content-Length=2048, limit=1024 bytes"):
        run(http, context, url=f"{server.base_url}/big")


def test_response_limit_while_streaming(http: ActionDescriptor, server: Server) -> None:
    context = RunContext(
        extra={"std.http": {"denied_cidrs": [], "max_response_size_bytes": 1024}}
    )
    with pytest.raises(ActionError, match="larger than the limit of 1024 bytes"):
        run(http, context, url=f"{server.base_url}/big-chunked")


def test_chunked_response_read(http: ActionDescriptor, server: Server) -> None:
    assert run(http, url=f"{server.base_url}/big-chunked")["content"] == "y" * 2048


def test_url_required(http: ActionDescriptor) -> None:
    with pytest.raises(ActionInputError, match=r"missing=\['url'\]"):
        http.run({}, LOOPBACK_ALLOWED)
