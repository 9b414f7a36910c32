"""Requests shared by the network (neutron) actions.

Results keep neutronclient's shapes, which workflows written for Mistral
read: a list action returns ``{"networks": [...]}``, and show, create and
update return ``{"network": {...}}``.
"""

from __future__ import annotations

from typing import Any

from action_sdk import ActionError, RunContext, ServiceRequirement
from plugins.openstack.bodies import member
from plugins.openstack.paging import collect

#: Network API v2.0, which has no microversions; features come as extensions.
NETWORK = ServiceRequirement("network", 2)


def list_resources(
    context: RunContext,
    path: str,
    key: str,
    filters: dict[str, Any] | None,
    limit: int | None,
) -> dict[str, list[dict[str, Any]]]:
    """Return ``{key: [...]}`` with every page of a collection, up to ``limit``."""
    params: dict[str, Any] = dict(filters or {})
    if limit is not None:
        params["limit"] = limit
    client = context.services["network"]
    return {key: collect(client, path, key, params=params, limit=limit)}


def show_resource(
    context: RunContext, path: str, key: str, fields: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Return ``{key: {...}}`` of one resource, limited to ``fields`` if given."""
    params = {"fields": fields} if fields else None
    response = context.services["network"].get(path, params=params)
    return {key: member(response, key, f"network GET {path}")}


def create_resource(
    context: RunContext, path: str, key: str, body: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Create a resource from ``body`` and return ``{key: {...}}``."""
    response = context.services["network"].post(path, json=wrap_body(key, body))
    return {key: member(response, key, f"network POST {path}")}


def update_resource(
    context: RunContext, path: str, key: str, body: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Update a resource from ``body`` and return ``{key: {...}}``."""
    response = context.services["network"].put(path, json=wrap_body(key, body))
    return {key: member(response, key, f"network PUT {path}")}


def delete_resource(context: RunContext, path: str) -> None:
    """Delete a resource."""
    context.services["network"].delete(path)


def wrap_body(key: str, body: dict[str, Any]) -> dict[str, Any]:
    """Return ``body`` as ``{key: {...}}``, wrapping it when it is not yet.

    Workflows written for neutronclient pass ``{"network": {...}}``; the
    attributes alone are accepted too. No neutron resource has an attribute
    named like itself, so the two forms cannot be confused.

    Raises:
        ActionError: ``body`` is empty, or wrapped around something else
            than an object.
    """
    if not body:
        raise ActionError(
            f"body is empty; give the {key} attributes, such as "
            f'{{"{key}": {{"name": "example"}}}}'
        )
    if key in body:
        if len(body) != 1 or not isinstance(body[key], dict):
            raise ActionError(
                f"body must be {{{key!r}: {{...}}}} or the attributes alone; got "
                f"keys {sorted(body)}"
            )
        return body
    return {key: body}
