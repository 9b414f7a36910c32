"""Read resources out of OpenStack response bodies and build request bodies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from action_sdk import ActionError, ServiceResponse

#: Characters of a non-JSON body kept in error data.
_MAX_TEXT = 2000


def json_body(response: ServiceResponse, request: str) -> Any:
    """Return the decoded JSON body of a response.

    Args:
        response: The service's response.
        request: The request for messages, such as "compute GET /servers/s1".

    Raises:
        ActionError: The body is not JSON.
    """
    try:
        return response.json()
    except ValueError:
        raise ActionError(
            f"{request} returned a body that is not JSON (HTTP {response.status_code})",
            data={"status": response.status_code, "text": response.text[:_MAX_TEXT]},
        ) from None


def member(response: ServiceResponse, key: str, request: str) -> dict[str, Any]:
    """Return the object under ``key`` of a JSON body such as ``{"server": {...}}``.

    Raises:
        ActionError: The body is not JSON or has no object under ``key``.
    """
    body = json_body(response, request)
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, dict):
        raise ActionError(f"{request} returned no {key!r} object", data={"body": body})
    return dict(value)


def compact(values: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``values`` without the entries whose value is None."""
    return {key: value for key, value in values.items() if value is not None}


def lowercase_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Return response headers as a plain dict with lower-case names."""
    return {str(name).lower(): str(value) for name, value in headers.items()}
