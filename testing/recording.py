"""Record HTTP exchanges with a real cloud into a YAML cassette, and replay them.

In record mode every request made through `requests` goes to its real host;
the exchanges are scrubbed and saved when recording stops. Scrubbing replaces
token values (`X-Auth-Token`, `X-Subject-Token`, `X-Service-Token`, wherever
else they appear), `Authorization` and cookie headers, JSON values whose key
names a password, secret or passcode, and token expiry dates. In replay mode
`responses` serves each request from the cassette by method and URL, in
recorded order, repeating the last response; an unrecorded request raises
`CassetteMissError` naming the method and the URL.
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

import requests
import responses
import yaml
from requests.adapters import HTTPAdapter

from testing.identity import TOKEN_LIFETIME, format_timestamp
from testing.transport import METHODS

CASSETTE_FORMAT = 1
RECORD_ENV = "LEVANTE_RECORD"
SCRUBBED = "SCRUBBED"
EXPIRY_PLACEHOLDER = "SCRUBBED-EXPIRY"
TOKEN_HEADERS = ("X-Auth-Token", "X-Subject-Token", "X-Service-Token")
SECRET_HEADERS = ("Authorization", "Cookie", "Set-Cookie", "Proxy-Authorization")
#: Headers of the wire encoding, dropped because the cassette stores decoded bodies.
_WIRE_HEADERS = (
    "content-encoding",
    "content-length",
    "transfer-encoding",
    "connection",
)
#: JSON keys whose scalar values are secrets (nova returns `adminPass`).
_SECRET_KEY = re.compile(r"password|secret|passcode|adminpass", re.IGNORECASE)


class RecordingError(Exception):
    """A cassette that cannot be read, or a recorder used the wrong way."""


class CassetteMissError(AssertionError):
    """A request in replay mode that the cassette has no recorded response for."""


@dataclass
class Interaction:
    """One recorded request and its response. Bodies are decoded JSON or text."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: Any
    status: int
    response_headers: dict[str, str]
    response_body: Any

    def to_yaml(self) -> dict[str, Any]:
        """Return the cassette form of this exchange."""
        return {
            "request": {
                "method": self.method,
                "url": self.url,
                "headers": self.request_headers,
                "body": self.request_body,
            },
            "response": {
                "status": self.status,
                "headers": self.response_headers,
                "body": self.response_body,
            },
        }

    @classmethod
    def from_yaml(cls, data: Any, where: str) -> Interaction:
        """Read an exchange from its cassette form.

        Raises:
            RecordingError: a required field is missing or has the wrong type.
        """
        try:
            request, response = data["request"], data["response"]
            return cls(
                method=str(request["method"]).upper(),
                url=str(request["url"]),
                request_headers=dict(request.get("headers") or {}),
                request_body=request.get("body"),
                status=int(response["status"]),
                response_headers=dict(response.get("headers") or {}),
                response_body=response.get("body"),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise RecordingError(
                f"{where}: invalid interaction ({error!r}); each needs request "
                "method and url and response status"
            ) from None


# Body encoding


def encode_body(content: bytes | str | None, content_type: str | None) -> Any:
    """Convert a body to its cassette form.

    The form is {"json": data} when the content type is JSON and the body
    parses, {"text": str} for other UTF-8 bodies, else {"base64": str}.
    """
    if content is None or content == b"" or content == "":
        return None
    raw = content.encode() if isinstance(content, str) else content
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(raw).decode("ascii")}
    if content_type is not None and "json" in content_type.lower():
        try:
            return {"json": json.loads(text)}
        except ValueError:
            pass
    return {"text": text}


def decode_body(body: Any) -> bytes:
    """Turn a cassette body back into bytes."""
    if body is None:
        return b""
    if "json" in body:
        return json.dumps(body["json"]).encode()
    if "text" in body:
        return str(body["text"]).encode()
    return base64.b64decode(body["base64"])


# Scrubbing


def scrub(interactions: list[Interaction]) -> list[Interaction]:
    """Return the exchanges with secrets, tokens and token expiry dates replaced."""
    tokens: dict[str, str] = {}
    for interaction in interactions:
        for headers in (interaction.request_headers, interaction.response_headers):
            for name, value in headers.items():
                if name.lower() in {h.lower() for h in TOKEN_HEADERS}:
                    tokens.setdefault(value, f"{SCRUBBED}-TOKEN-{len(tokens) + 1}")
    return [_scrub_one(interaction, tokens) for interaction in interactions]


def _scrub_one(interaction: Interaction, tokens: dict[str, str]) -> Interaction:
    return replace(
        interaction,
        url=_replace_tokens(interaction.url, tokens),
        request_headers=_scrub_headers(interaction.request_headers, tokens),
        request_body=_scrub_value(interaction.request_body, tokens),
        response_headers=_scrub_headers(interaction.response_headers, tokens),
        response_body=_scrub_expiry(_scrub_value(interaction.response_body, tokens)),
    )


def _replace_tokens(text: str, tokens: dict[str, str]) -> str:
    for value, placeholder in tokens.items():
        if value:
            text = text.replace(value, placeholder)
    return text


def _scrub_headers(headers: dict[str, str], tokens: dict[str, str]) -> dict[str, str]:
    secret = {name.lower() for name in SECRET_HEADERS}
    return {
        name: SCRUBBED if name.lower() in secret else _replace_tokens(value, tokens)
        for name, value in headers.items()
    }


def _scrub_value(value: Any, tokens: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            key: (SCRUBBED if _is_secret(key, item) else _scrub_value(item, tokens))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrub_value(item, tokens) for item in value]
    if isinstance(value, str):
        return _replace_tokens(value, tokens)
    return value


def _is_secret(key: Any, value: Any) -> bool:
    # Objects under a secret-looking key ("password": {"user": ...}) are walked,
    # and dates such as `password_expires_at` are kept.
    if not isinstance(key, str) or key.endswith("_at"):
        return False
    is_scalar = isinstance(value, str | int | float) and not isinstance(value, bool)
    return is_scalar and bool(_SECRET_KEY.search(key))


def _scrub_expiry(body: Any) -> Any:
    """Replace `expires_at` inside every `token` object of a JSON body."""
    if not isinstance(body, dict) or "json" not in body:
        return body
    return {"json": _replace_expiry(body["json"], inside_token=False)}


def _replace_expiry(value: Any, *, inside_token: bool) -> Any:
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if inside_token and key == "expires_at" and item is not None:
                result[key] = EXPIRY_PLACEHOLDER
            else:
                result[key] = _replace_expiry(item, inside_token=key == "token")
        return result
    if isinstance(value, list):
        return [_replace_expiry(item, inside_token=inside_token) for item in value]
    return value


def _restore_expiry(value: Any, expires_at: str) -> Any:
    if value == EXPIRY_PLACEHOLDER:
        return expires_at
    if isinstance(value, dict):
        return {key: _restore_expiry(item, expires_at) for key, item in value.items()}
    if isinstance(value, list):
        return [_restore_expiry(item, expires_at) for item in value]
    return value


# Cassette files


def save_cassette(path: Path, interactions: list[Interaction]) -> None:
    """Scrub the exchanges and write them to a YAML cassette."""
    document = {
        "format": CASSETTE_FORMAT,
        "recorded_at": format_timestamp(datetime.now(UTC)),
        "interactions": [item.to_yaml() for item in scrub(interactions)],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as stream:
        yaml.safe_dump(document, stream, sort_keys=False, allow_unicode=True)


def load_cassette(path: Path) -> list[Interaction]:
    """Read the exchanges of a YAML cassette.

    Raises:
        RecordingError: the file is missing, not YAML, or not a cassette.
    """
    try:
        with path.open(encoding="utf-8") as stream:
            document = yaml.safe_load(stream)
    except FileNotFoundError:
        raise RecordingError(
            f"cassette {path} not found; record it by running the test with "
            f"--levante-record (or {RECORD_ENV}=1) against a real cloud"
        ) from None
    except yaml.YAMLError as error:
        raise RecordingError(f"cassette {path} is not valid YAML: {error}") from None
    if not isinstance(document, dict) or document.get("format") != CASSETTE_FORMAT:
        raise RecordingError(
            f"cassette {path} is not a format {CASSETTE_FORMAT} Levante cassette"
        )
    items = document.get("interactions") or []
    return [
        Interaction.from_yaml(item, f"{path}, interaction {index}")
        for index, item in enumerate(items)
    ]


def cassette_path(test_file: Path, test_name: str) -> Path:
    """Return the cassette of a test: `cassettes/<module>.<test>.yaml` beside it."""
    safe_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name).strip("_")
    return test_file.parent / "cassettes" / f"{test_file.stem}.{safe_name}.yaml"


def record_mode_enabled(option: bool) -> bool:
    """Return whether to record: the option is set or LEVANTE_RECORD is 1/true/yes."""
    return option or os.environ.get(RECORD_ENV, "").lower() in ("1", "true", "yes")


# The recorder


def _request_key(
    method: str, url: str
) -> tuple[str, str, str, tuple[tuple[str, str], ...]]:
    parts = urlsplit(url)
    query = tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    path = parts.path or "/"
    return method.upper(), f"{parts.scheme}://{parts.netloc}".lower(), path, query


class CloudRecorder:
    """Records `requests` traffic into a cassette, or replays the cassette.

    Use as a context manager, or call `start` and `stop`. In record mode
    `stop` saves the cassette.
    """

    def __init__(self, cassette: Path, *, record: bool = False) -> None:
        self.cassette = cassette
        self.record = record
        self.interactions: list[Interaction] = []
        self.misses: list[str] = []
        self._patcher: Any = None
        self._mock: responses.RequestsMock | None = None
        self._queues: dict[Any, list[Interaction]] = {}

    @property
    def mode(self) -> str:
        """ "record" or "replay"."""
        return "record" if self.record else "replay"

    def start(self) -> CloudRecorder:
        """Start recording or replaying.

        Raises:
            RecordingError: already started, or (replay) the cassette is unusable.
        """
        if self._patcher is not None or self._mock is not None:
            raise RecordingError(f"recorder for {self.cassette} is already started")
        if self.record:
            self.interactions = []
            self._patcher = mock.patch.object(
                HTTPAdapter, "send", self._recording_send()
            )
            self._patcher.start()
        else:
            self.interactions = load_cassette(self.cassette)
            self._queues = {}
            for interaction in self.interactions:
                key = _request_key(interaction.method, interaction.url)
                self._queues.setdefault(key, []).append(interaction)
            self._mock = responses.RequestsMock(assert_all_requests_are_fired=False)
            for method in METHODS:
                self._mock.add_callback(
                    method, re.compile(r".*"), self._replay, content_type=None
                )
            self._mock.start()
        return self

    def stop(self) -> None:
        """Stop recording or replaying. In record mode, write the scrubbed cassette."""
        if self._patcher is not None:
            self._patcher.stop()
            self._patcher = None
            save_cassette(self.cassette, self.interactions)
        if self._mock is not None:
            self._mock.stop()
            self._mock = None

    def __enter__(self) -> CloudRecorder:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def miss_report(self) -> str:
        """Describe the requests that replay could not serve."""
        lines = "\n".join(f"  {miss}" for miss in self.misses)
        return (
            f"{len(self.misses)} request(s) not recorded in cassette {self.cassette}:\n"
            f"{lines}\nrecord the test again with --levante-record "
            f"(or {RECORD_ENV}=1) against a real cloud"
        )

    def _recording_send(self) -> Any:
        original = HTTPAdapter.send
        interactions = self.interactions

        def send(
            adapter: HTTPAdapter, request: requests.PreparedRequest, **kwargs: Any
        ) -> requests.Response:
            response = original(adapter, request, **kwargs)
            interactions.append(_capture(request, response))
            return response

        return send

    def _replay(
        self, request: requests.PreparedRequest
    ) -> tuple[int, dict[str, str], bytes]:
        method = str(request.method)
        queue = self._queues.get(_request_key(method, str(request.url)))
        if not queue:
            miss = f"{method} {request.url}"
            self.misses.append(miss)
            raise CassetteMissError(
                f"{miss} was not recorded in cassette {self.cassette}; record the "
                f"test again with --levante-record (or {RECORD_ENV}=1)"
            )
        interaction = queue.pop(0) if len(queue) > 1 else queue[0]
        expires_at = format_timestamp(datetime.now(UTC) + TOKEN_LIFETIME)
        body = decode_body(_restore_expiry(interaction.response_body, expires_at))
        return interaction.status, dict(interaction.response_headers), body


def _capture(
    request: requests.PreparedRequest, response: requests.Response
) -> Interaction:
    request_headers = dict(request.headers)
    body = request.body
    if body is not None and not isinstance(body, (bytes, str)):
        body = None  # NOTE: streamed request bodies are not recorded.
    response_headers = {
        name: value
        for name, value in response.headers.items()
        if name.lower() not in _WIRE_HEADERS
    }
    return Interaction(
        method=str(request.method),
        url=str(request.url),
        request_headers=request_headers,
        request_body=encode_body(body, request_headers.get("Content-Type")),
        status=response.status_code,
        response_headers=response_headers,
        response_body=encode_body(
            response.content, response.headers.get("Content-Type")
        ),
    )
