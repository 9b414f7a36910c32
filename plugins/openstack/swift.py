"""Object-store (swift) actions for the account, containers and objects.

Results keep swiftclient's shapes, which workflows written for Mistral read:
listings return ``[headers, items]``, ``get_object`` returns
``[headers, content]``, and header names are in lower case.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from action_sdk import (
    ActionError,
    RunContext,
    ServiceClient,
    ServiceRequirement,
    ServiceResponse,
    action,
)
from plugins.openstack.bodies import compact, json_body, lowercase_headers
from plugins.openstack.paging import MAX_PAGES

#: Object-store API v1, which has no microversions.
OBJECT_STORE = ServiceRequirement("object-store", 1)

Listing = list[Any]


def _client(context: RunContext) -> ServiceClient:
    return context.services["object-store"]


def container_url(client: ServiceClient, container: str) -> str:
    """Return the URL of a container, its name percent-encoded."""
    _check_name("container", container)
    return f"{client.endpoint.rstrip('/')}/{quote(container, safe='')}"


def object_url(client: ServiceClient, container: str, obj: str) -> str:
    """Return the URL of an object; slashes in its name stay as they are."""
    _check_name("obj", obj)
    return f"{container_url(client, container)}/{quote(obj, safe='/')}"


def _check_name(parameter: str, name: str) -> None:
    if not name:
        raise ActionError(f"{parameter} is empty; give a name")


def _listing_page(
    client: ServiceClient, url: str, params: dict[str, Any]
) -> tuple[ServiceResponse, list[dict[str, Any]]]:
    response = client.get(url, params={**params, "format": "json"})
    # Swift responds to an empty listing with 204 and no body.
    if response.status_code == 204 or not response.text.strip():
        return response, []
    items = json_body(response, f"object-store GET {url}")
    if not isinstance(items, list):
        raise ActionError(
            f"object-store GET {url} returned no listing", data={"body": items}
        )
    return response, items


def _listing(
    client: ServiceClient, url: str, params: dict[str, Any], full_listing: bool
) -> Listing:
    response, items = _listing_page(client, url, params)
    headers = lowercase_headers(response.headers)
    if not full_listing:
        return [headers, items]
    page = items
    for _ in range(MAX_PAGES):
        if not page:
            return [headers, items]
        last = page[-1]
        marker = last.get("name") or last.get("subdir")
        _, page = _listing_page(client, url, {**params, "marker": marker})
        items.extend(page)
    raise ActionError(f"object-store GET {url} had more than {MAX_PAGES} pages")


@action("swift.get_account", version="1.0.0", requirements=(OBJECT_STORE,))
def get_account(
    context: RunContext,
    marker: str | None = None,
    limit: int | None = None,
    prefix: str | None = None,
    end_marker: str | None = None,
    delimiter: str | None = None,
    full_listing: bool = False,
) -> Listing:
    """List the containers of the account as [headers, containers].

    Args:
        marker: List the containers after this name.
        limit: Maximum containers per request; swift's default when None.
        prefix: List only containers whose names start with it.
        end_marker: List only containers before this name.
        delimiter: Roll up names after this character into ``subdir`` items.
        full_listing: Read every page, not only the first.
    """
    client = _client(context)
    params = compact(
        {
            "marker": marker,
            "limit": limit,
            "prefix": prefix,
            "end_marker": end_marker,
            "delimiter": delimiter,
        }
    )
    return _listing(client, client.endpoint, params, full_listing)


@action("swift.head_account", version="1.0.0", requirements=(OBJECT_STORE,))
def head_account(context: RunContext) -> dict[str, str]:
    """Return the account headers: container count, bytes used, metadata."""
    client = _client(context)
    return lowercase_headers(client.head(client.endpoint).headers)


@action("swift.get_container", version="1.0.0", requirements=(OBJECT_STORE,))
def get_container(
    context: RunContext,
    container: str,
    marker: str | None = None,
    limit: int | None = None,
    prefix: str | None = None,
    end_marker: str | None = None,
    delimiter: str | None = None,
    path: str | None = None,
    full_listing: bool = False,
) -> Listing:
    """List the objects of a container as [headers, objects].

    Args:
        container: Name of the container.
        marker: List the objects after this name.
        limit: Maximum objects per request; swift's default when None.
        prefix: List only objects whose names start with it.
        end_marker: List only objects before this name.
        delimiter: Roll up names after this character into ``subdir`` items.
        path: List only the objects nested under this pseudo-directory.
        full_listing: Read every page, not only the first.
    """
    client = _client(context)
    params = compact(
        {
            "marker": marker,
            "limit": limit,
            "prefix": prefix,
            "end_marker": end_marker,
            "delimiter": delimiter,
            "path": path,
        }
    )
    return _listing(client, container_url(client, container), params, full_listing)


@action("swift.head_container", version="1.0.0", requirements=(OBJECT_STORE,))
def head_container(context: RunContext, container: str) -> dict[str, str]:
    """Return a container's headers: object count, bytes used, metadata.

    Args:
        container: Name of the container.
    """
    client = _client(context)
    return lowercase_headers(client.head(container_url(client, container)).headers)


@action("swift.put_container", version="1.0.0", requirements=(OBJECT_STORE,))
def put_container(
    context: RunContext, container: str, headers: dict[str, str] | None = None
) -> None:
    """Create a container, or update its headers when it exists.

    Args:
        container: Name of the container.
        headers: Request headers such as X-Container-Meta-Owner or
            X-Storage-Policy.
    """
    client = _client(context)
    client.put(container_url(client, container), headers=headers or {})


@action("swift.post_container", version="1.0.0", requirements=(OBJECT_STORE,))
def post_container(
    context: RunContext, container: str, headers: dict[str, str]
) -> None:
    """Set a container's metadata headers, such as X-Container-Meta-Owner.

    Args:
        container: Name of the container.
        headers: The headers to set.
    """
    client = _client(context)
    client.post(container_url(client, container), headers=headers)


@action("swift.delete_container", version="1.0.0", requirements=(OBJECT_STORE,))
def delete_container(context: RunContext, container: str) -> None:
    """Delete an empty container; swift responds 409 while objects remain.

    Args:
        container: Name of the container.
    """
    client = _client(context)
    client.delete(container_url(client, container))


@action("swift.get_object", version="1.0.0", requirements=(OBJECT_STORE,))
def get_object(
    context: RunContext,
    container: str,
    obj: str,
    headers: dict[str, str] | None = None,
    as_base64: bool = False,
) -> Listing:
    """Download an object as [headers, content].

    Args:
        container: Name of the container.
        obj: Name of the object.
        headers: Request headers such as Range.
        as_base64: Return the content base64-encoded, for binary objects;
            otherwise it must be UTF-8 text.
    """
    client = _client(context)
    url = object_url(client, container, obj)
    response = client.get(url, headers=headers or {})
    # NOTE: ServiceResponse declares only ``text``; the bytes come from the
    # requests.Response that the registry's client returns.
    content = getattr(response, "content", None)
    if not isinstance(content, bytes):
        raise ActionError(f"the object-store client returned no raw body for {url}")
    if as_base64:
        text = base64.b64encode(content).decode("ascii")
    else:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise ActionError(
                f"object {obj!r} in container {container!r} is not UTF-8 text; "
                "set as_base64 to true to download it base64-encoded"
            ) from None
    return [lowercase_headers(response.headers), text]


@action("swift.head_object", version="1.0.0", requirements=(OBJECT_STORE,))
def head_object(context: RunContext, container: str, obj: str) -> dict[str, str]:
    """Return an object's headers (size, etag, content type, metadata) without its content.

    Args:
        container: Name of the container.
        obj: Name of the object.
    """
    client = _client(context)
    return lowercase_headers(client.head(object_url(client, container, obj)).headers)


@action("swift.put_object", version="1.0.0", requirements=(OBJECT_STORE,))
def put_object(
    context: RunContext,
    container: str,
    obj: str,
    contents: str = "",
    content_type: str | None = None,
    headers: dict[str, str] | None = None,
    from_base64: bool = False,
) -> str | None:
    """Upload an object and return its ETag (the MD5 of its content).

    Args:
        container: Name of the container.
        obj: Name of the object.
        contents: Content as UTF-8 text, or base64 when from_base64 is true.
        content_type: Content-Type of the object; swift guesses when None.
        headers: Request headers such as X-Object-Meta-Owner or X-Delete-After.
        from_base64: Decode ``contents`` from base64 before uploading.
    """
    if from_base64:
        try:
            data = base64.b64decode(contents, validate=True)
        except ValueError:
            raise ActionError(
                "contents is not valid base64; set from_base64 to false for text"
            ) from None
    else:
        data = contents.encode("utf-8")
    request_headers = dict(headers or {})
    if content_type is not None:
        request_headers["Content-Type"] = content_type
    client = _client(context)
    response = client.put(
        object_url(client, container, obj), data=data, headers=request_headers
    )
    etag = response.headers.get("Etag")
    return etag.strip('"') if etag else None


@action("swift.copy_object", version="1.0.0", requirements=(OBJECT_STORE,))
def copy_object(
    context: RunContext,
    container: str,
    obj: str,
    destination: str | None = None,
    headers: dict[str, str] | None = None,
    fresh_metadata: bool = False,
) -> None:
    """Copy an object on the server, to another name or onto itself.

    Copying onto itself (no destination) rewrites its metadata from
    ``headers``.

    Args:
        container: Name of the source container.
        obj: Name of the source object.
        destination: Target as "/container/object"; the source when None.
        headers: Request headers for the copy, such as X-Object-Meta-Owner.
        fresh_metadata: Drop the source's metadata instead of copying it.
    """
    client = _client(context)
    if destination is None:
        target = object_url(client, container, obj)
    else:
        target_container, _, target_obj = destination.lstrip("/").partition("/")
        if not target_container or not target_obj:
            raise ActionError(
                f"invalid destination {destination!r}; use '/container/object'"
            )
        target = object_url(client, target_container, target_obj)
    request_headers = dict(headers or {})
    source = f"/{quote(container, safe='')}/{quote(obj, safe='/')}"
    request_headers["X-Copy-From"] = source
    request_headers["Content-Length"] = "0"
    if fresh_metadata:
        request_headers["X-Fresh-Metadata"] = "true"
    client.put(target, headers=request_headers)


@action("swift.post_object", version="1.0.0", requirements=(OBJECT_STORE,))
def post_object(
    context: RunContext, container: str, obj: str, headers: dict[str, str]
) -> None:
    """Replace an object's metadata headers, such as X-Object-Meta-Owner.

    Args:
        container: Name of the container.
        obj: Name of the object.
        headers: The headers to set; metadata not given is removed.
    """
    client = _client(context)
    client.post(object_url(client, container, obj), headers=headers)


@action("swift.delete_object", version="1.0.0", requirements=(OBJECT_STORE,))
def delete_object(context: RunContext, container: str, obj: str) -> None:
    """Delete an object.

    Args:
        container: Name of the container.
        obj: Name of the object.
    """
    client = _client(context)
    client.delete(object_url(client, container, obj))


ACTIONS = [
    get_account,
    head_account,
    get_container,
    head_container,
    put_container,
    post_container,
    delete_container,
    get_object,
    head_object,
    put_object,
    copy_object,
    post_object,
    delete_object,
]
