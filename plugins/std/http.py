"""std.http: send an HTTP request, with the result shape of Mistral 23.0.0."""

from __future__ import annotations

import email.message
import json as jsonlib
import logging
import os
import ssl
from collections.abc import Callable, Mapping
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpx

from action_sdk import Action, ActionError, RunContext, Secret
from plugins.std.egress import HttpSettings

logger = logging.getLogger(__name__)

#: Statuses that count as success; Mistral 23.0.0 fails the action on others.
SUCCESS_STATUSES = range(200, 307)


class HttpAction(Action):
    """Send an HTTP request and return the response.

    The result is a dict with ``content`` (the body parsed as JSON when it is
    JSON, else text), ``status``, ``headers``, ``encoding``, ``url``,
    ``reason``, ``cookies``, ``elapsed`` (seconds) and ``history`` (the
    redirects followed, as ``{status, url}``). A status outside 200-306 fails
    the action with that dict as error data. A request that cannot be sent
    fails with the message "Failed to send HTTP request: <reason>".

    Args:
        url: Request URL, http or https.
        method: HTTP method.
        params: Query parameters, as a mapping or an encoded string.
        body: Request body; a mapping or list is sent as JSON text.
        json: Value sent as a JSON body with a JSON content type.
        headers: Request headers; numbers are sent as text.
        cookies: Cookies to send, by name; values are sent as text.
        auth: Basic auth as "user:password" or [user, password].
        timeout: Timeout in seconds; the operator's default when not given.
        allow_redirects: Follow redirects when true; by default they are not.
        proxies: Proxy URL by scheme, such as {"https": "http://proxy:3128"}.
        verify: For https: false to skip certificate checks, or a CA bundle path.
    """

    name = "std.http"

    def run(
        self,
        context: RunContext,
        url: str,
        method: str = "GET",
        params: dict[str, Any] | str | None = None,
        body: Any = None,
        json: Any = None,
        headers: dict[str, Any] | None = None,
        cookies: dict[str, Any] | None = None,
        auth: Annotated[str | list[str] | None, Secret] = None,
        timeout: float | None = None,
        allow_redirects: bool | None = None,
        proxies: dict[str, str] | None = None,
        verify: bool | str | None = None,
    ) -> dict[str, Any]:
        settings = HttpSettings.from_context(context)
        settings.check_url(url)
        if body and json:
            raise ActionError(
                "Only one of the parameters 'json' and 'body' can be passed"
            )
        ssl_verify = _ssl_verify(url, verify)
        client_options: dict[str, Any] = {
            "cookies": _text_values(cookies),
            "follow_redirects": bool(allow_redirects),
            "timeout": _timeout(timeout, settings),
            "verify": ssl_verify,
            "mounts": _proxy_mounts(proxies, ssl_verify, settings),
            "event_hooks": {"request": [_request_check(settings)]},
        }
        request_options = {
            "params": params,
            "headers": _headers(headers),
            "auth": _auth(auth),
            **_body(body, json),
        }
        logger.debug("std.http %s %s", method, _url_for_log(url))
        try:
            with httpx.Client(**client_options) as client:
                with client.stream(method, url, **request_options) as response:
                    raw = _read_body(response, settings.max_response_size_bytes)
        except ActionError:
            raise
        except Exception as exc:
            raise ActionError(f"Failed to send HTTP request: {exc}") from exc
        result = _result(response, raw)
        if response.status_code not in SUCCESS_STATUSES:
            raise ActionError(
                f"HTTP request {method} {_url_for_log(url)} returned status "
                f"{response.status_code} {response.reason_phrase}",
                data=result,
            )
        return result


def _ssl_verify(url: str, verify: bool | str | None) -> bool | ssl.SSLContext:
    # Like Mistral, verify applies to https URLs only, and None means verify.
    if urlsplit(url).scheme != "https" or verify is None or verify is True:
        return True
    if verify is False:
        return False
    if os.path.isdir(verify):
        return ssl.create_default_context(capath=verify)
    try:
        return ssl.create_default_context(cafile=verify)
    except OSError as exc:
        raise ActionError(
            f"Cannot read the CA bundle {verify!r} given in verify: {exc}"
        ) from exc


def _timeout(timeout: float | None, settings: HttpSettings) -> float | None:
    if timeout is not None:
        return timeout
    return settings.default_timeout or None


def _proxy_mounts(
    proxies: Mapping[str, str] | None,
    ssl_verify: bool | ssl.SSLContext,
    settings: HttpSettings,
) -> dict[str, httpx.BaseTransport] | None:
    if not proxies:
        return None
    mounts: dict[str, httpx.BaseTransport] = {}
    for scheme, proxy_url in proxies.items():
        settings.check_url(proxy_url, purpose="Proxy URL")
        pattern = scheme if "://" in scheme else f"{scheme}://"
        mounts[pattern] = httpx.HTTPTransport(proxy=proxy_url, verify=ssl_verify)
    return mounts


def _request_check(settings: HttpSettings) -> Callable[[httpx.Request], None]:
    # Runs before every request a client sends, so redirects are checked too.
    def check(request: httpx.Request) -> None:
        settings.check_url(str(request.url), purpose="Request URL")

    return check


def _text_values(values: Mapping[str, Any] | None) -> dict[str, str] | None:
    if values is None:
        return None
    return {key: str(value) for key, value in values.items()}


def _headers(headers: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if headers is None:
        return None
    return {
        key: str(value) if isinstance(value, int | float) else value
        for key, value in headers.items()
    }


def _auth(auth: str | list[str] | None) -> tuple[str, str] | None:
    if auth is None or auth == "":
        return None
    if isinstance(auth, str) and ":" in auth:
        user, password = auth.split(":", 1)
        return user, password
    if isinstance(auth, list) and len(auth) == 2:
        return str(auth[0]), str(auth[1])
    raise ActionError(
        "Invalid auth for std.http: use a 'user:password' string or a "
        "[user, password] list"
    )


def _body(body: Any, json: Any) -> dict[str, Any]:
    if body:
        if isinstance(body, str | bytes):
            return {"content": body}
        return {"content": jsonlib.dumps(body)}
    if json is not None:
        return {"json": json}
    return {}


def _read_body(response: httpx.Response, limit: int) -> bytes:
    declared = response.headers.get("content-length")
    if limit and declared and declared.isdigit() and int(declared) > limit:
        raise ActionError(
            f"HTTP response is too large (Content-Length={declared}, "
            f"limit={limit} bytes)."
        )
    chunks = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if limit and size > limit:
            raise ActionError(
                f"HTTP response is larger than the limit of {limit} bytes."
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _result(response: httpx.Response, raw: bytes) -> dict[str, Any]:
    encoding = _declared_encoding(response.headers.get("content-type"))
    return {
        "content": _content(raw, encoding),
        "status": response.status_code,
        "headers": _response_headers(response),
        "url": str(response.url),
        "history": [
            {"status": step.status_code, "url": str(step.url)}
            for step in response.history
        ],
        "encoding": encoding,
        "reason": response.reason_phrase,
        "cookies": dict(response.cookies.items()),
        "elapsed": response.elapsed.total_seconds(),
    }


def _content(raw: bytes, encoding: str | None) -> Any:
    # Like Mistral, any body that parses as JSON is returned parsed.
    try:
        return jsonlib.loads(raw)
    except ValueError:
        pass
    try:
        return raw.decode(encoding or "utf-8", errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")


def _declared_encoding(content_type: str | None) -> str | None:
    # The charset rules of the requests library, which Mistral reports.
    if not content_type:
        return None
    message = email.message.Message()
    message["content-type"] = content_type
    charset = message.get_param("charset")
    if isinstance(charset, str) and charset:
        return charset.strip("'\"")
    if "text" in content_type:
        return "ISO-8859-1"
    if "application/json" in content_type:
        return "utf-8"
    return None


def _response_headers(response: httpx.Response) -> dict[str, str]:
    # Keep the server's spelling of names, and join repeated headers with ", ".
    merged: dict[str, str] = {}
    spelling: dict[str, str] = {}
    for raw_name, raw_value in response.headers.raw:
        name = raw_name.decode("latin-1")
        value = raw_value.decode("latin-1")
        key = spelling.setdefault(name.lower(), name)
        merged[key] = f"{merged[key]}, {value}" if key in merged else value
    return merged


def _url_for_log(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
