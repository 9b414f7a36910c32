"""Canned responses that a test adds to a fake cloud, and how a request picks one.

Responses added for the same method and path are served in the order they
were added; the last one that fits keeps being served. A response may be
limited to a microversion range and to an exact query string.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from testing.microversions import in_range, parse_microversion


@dataclass(frozen=True)
class CannedResponse:
    """One response added with `FakeCloud.add`."""

    status: int
    headers: dict[str, str]
    body: str | bytes
    query: tuple[tuple[str, str], ...] | None = None
    min_microversion: str | None = None
    max_microversion: str | None = None

    def fits(self, query: str, microversion: tuple[int, int] | None) -> bool:
        """Return whether this response fits a request of `query` at `microversion`."""
        if self.query is not None and self.query != _sorted_query(query):
            return False
        if microversion is None:
            return True
        return in_range(microversion, self.min_microversion, self.max_microversion)

    def describe(self) -> str:
        """Return the query and microversion limits, for error messages."""
        parts = []
        if self.query is not None:
            parts.append("query " + "&".join(f"{k}={v}" for k, v in self.query))
        if self.min_microversion or self.max_microversion:
            low = self.min_microversion or "min"
            high = self.max_microversion or "max"
            parts.append(f"microversions {low} to {high}")
        return ", ".join(parts) or "any request"


def make_response(
    status: int,
    *,
    json: Any = None,
    body: str | bytes | None = None,
    headers: Mapping[str, str] | None = None,
    query: str | None = None,
    min_microversion: str | None = None,
    max_microversion: str | None = None,
) -> CannedResponse:
    """Validate the arguments of `FakeCloud.add` and build the response.

    Raises:
        ValueError: both `json` and `body` given, a status outside 100-599,
            or a malformed microversion bound.
    """
    if json is not None and body is not None:
        raise ValueError("give either json or body for a canned response, not both")
    if not 100 <= status <= 599:
        raise ValueError(f"invalid HTTP status {status}; expected 100 to 599")
    for bound in (min_microversion, max_microversion):
        if bound is not None:
            parse_microversion(bound)
    all_headers = dict(headers or {})
    if json is not None:
        content = jsonlib.dumps(json)
        _set_default(all_headers, "Content-Type", "application/json")
    elif body is not None:
        content = body
        _set_default(all_headers, "Content-Type", "text/plain; charset=UTF-8")
    else:
        content = ""
    return CannedResponse(
        status=status,
        headers=all_headers,
        body=content,
        query=_sorted_query(query) if query is not None else None,
        min_microversion=min_microversion,
        max_microversion=max_microversion,
    )


def _set_default(headers: dict[str, str], name: str, value: str) -> None:
    if not any(key.lower() == name.lower() for key in headers):
        headers[name] = value


def _sorted_query(query: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(parse_qsl(query, keep_blank_values=True)))


class RouteTable:
    """Canned responses keyed by (method, service type, path below the root)."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str, str], list[CannedResponse]] = {}

    def add(
        self, method: str, service_type: str, path: str, canned: CannedResponse
    ) -> None:
        """Append a response for the route."""
        self._routes.setdefault((method, service_type, path), []).append(canned)

    def pick(
        self,
        method: str,
        service_type: str,
        path: str,
        query: str,
        microversion: tuple[int, int] | None,
    ) -> CannedResponse | str:
        """Return the response for a request, or why none fits.

        The first fitting response is consumed when a later one also fits.
        """
        entries = self._routes.get((method, service_type, path))
        if not entries:
            return f"no response added for {method} {path}"
        fitting = [entry for entry in entries if entry.fits(query, microversion)]
        if not fitting:
            limits = "; ".join(entry.describe() for entry in entries)
            return (
                f"responses added for {method} {path} do not fit this request "
                f"(they need: {limits})"
            )
        chosen = fitting[0]
        if len(fitting) > 1:
            entries.remove(chosen)
        return chosen
