"""Follow the pagination links of OpenStack list APIs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from action_sdk import ActionError, ServiceClient

#: Upper bound on the pages one listing reads, against a marker loop.
MAX_PAGES = 10_000


def collect(
    client: ServiceClient,
    path: str,
    key: str,
    *,
    params: Mapping[str, Any] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Return the items of every page of a list API, up to ``limit`` items.

    Nova and cinder name the next page in a ``<key>_links`` entry with
    ``rel: next``, and glance in a ``next`` field. Both links carry a
    ``marker`` query parameter, which the next request repeats.

    Raises:
        ActionError: The response has no ``key`` list, or the service
            returned the same marker twice.
    """
    query = dict(params or {})
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        body = client.get(path, params=query).json()
        page = body.get(key) if isinstance(body, dict) else None
        if not isinstance(page, list):
            raise ActionError(
                f"{client.service_type} GET {path} returned no {key!r} list",
                data={"body": body},
            )
        items.extend(page)
        if limit is not None and len(items) >= limit:
            return items[:limit]
        marker = next_marker(body, key)
        if marker is None or not page:
            return items
        if marker in seen:
            raise ActionError(
                f"{client.service_type} GET {path} returned marker {marker!r} twice; "
                "stopped to avoid reading the same pages again"
            )
        seen.add(marker)
        query["marker"] = marker
    raise ActionError(
        f"{client.service_type} GET {path} had more than {MAX_PAGES} pages"
    )


def next_marker(body: Mapping[str, Any], key: str) -> str | None:
    """Return the marker of the next page named in a list response, or None."""
    href = None
    for link in body.get(f"{key}_links") or []:
        if isinstance(link, Mapping) and link.get("rel") == "next":
            href = link.get("href")
    if href is None and isinstance(body.get("next"), str):
        href = body["next"]
    if not href:
        return None
    markers = parse_qs(urlsplit(str(href)).query).get("marker")
    return markers[0] if markers else None
