"""Follow the pagination of OpenStack list APIs: marker links or offsets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from action_sdk import ActionError, ServiceClient
from plugins.openstack.bodies import json_body

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

    The response names the next page in a link (see ``next_marker``) whose
    ``marker`` query parameter the next request repeats.

    Raises:
        ActionError: The body is not JSON or has no ``key`` list, or the
            service returned the same marker twice.
    """
    request = f"{client.service_type} GET {path}"
    query = dict(params or {})
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        body = json_body(client.get(path, params=query), request)
        page = body.get(key) if isinstance(body, dict) else None
        if not isinstance(page, list):
            raise ActionError(
                f"{request} returned no {key!r} list",
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
    """Return the marker of the next page named in a list response, or None.

    Nova, cinder and neutron name the page in ``<key>_links``, heat in
    ``links``, and glance and ironic in a ``next`` string.
    """
    href = None
    for field in (f"{key}_links", "links"):
        links = body.get(field)
        if not isinstance(links, list):
            continue
        for link in links:
            if isinstance(link, Mapping) and link.get("rel") == "next":
                href = link.get("href")
    if href is None and isinstance(body.get("next"), str):
        href = body["next"]
    if not href:
        return None
    markers = parse_qs(urlsplit(str(href)).query).get("marker")
    return markers[0] if markers else None


def collect_by_offset(
    client: ServiceClient,
    path: str,
    key: str,
    *,
    params: Mapping[str, Any] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Return the items of a list API that pages with ``offset``, up to ``limit``.

    Nova's server groups and volume attachments return at most the service's
    maximum page size per request and give no next link. So each request sets
    ``offset`` to the number of items read so far, until a page is empty.

    Raises:
        ActionError: The body is not JSON or has no ``key`` list.
    """
    request = f"{client.service_type} GET {path}"
    query = dict(params or {})
    items: list[dict[str, Any]] = []
    for _ in range(MAX_PAGES):
        query["offset"] = len(items)
        if limit is not None:
            query["limit"] = limit - len(items)
        body = json_body(client.get(path, params=query), request)
        page = body.get(key) if isinstance(body, dict) else None
        if not isinstance(page, list):
            raise ActionError(
                f"{request} returned no {key!r} list",
                data={"body": body},
            )
        items.extend(page)
        if not page or (limit is not None and len(items) >= limit):
            return items[:limit] if limit is not None else items
    raise ActionError(
        f"{client.service_type} GET {path} had more than {MAX_PAGES} pages"
    )
