"""Placement actions for resource providers and their inventories.

``placement.resource_providers_create`` comes in two versions because
placement 1.20 changed the create response. Before 1.20 the response is
201 with only a ``Location`` header, so version 1 reads the provider back.
From 1.20 on the response is 200 with the provider in the body.
"""

from __future__ import annotations

from typing import Any

from action_sdk import ActionError, RunContext, ServiceRequirement, action
from plugins.openstack.bodies import compact, json_body

#: Placement 1.0 to 1.39, the newest microversion these actions were checked
#: against.
PLACEMENT = ServiceRequirement(
    "placement", 1, min_microversion="1.0", max_microversion="1.39"
)
#: Create responds with a Location header only, before placement 1.20.
CREATE_WITH_LOCATION = ServiceRequirement(
    "placement", 1, min_microversion="1.0", max_microversion="1.19"
)
#: Create responds with the provider in the body, from placement 1.20 on.
CREATE_WITH_BODY = ServiceRequirement(
    "placement", 1, min_microversion="1.20", max_microversion="1.39"
)


def _object(context: RunContext, path: str) -> dict[str, Any]:
    request = f"placement GET {path}"
    body = json_body(context.services["placement"].get(path), request)
    if not isinstance(body, dict):
        raise ActionError(f"{request} returned no object", data={"body": body})
    return body


def _provider_path(uuid: str) -> str:
    if not uuid:
        raise ActionError("resource provider uuid is empty; give a UUID")
    return f"/resource_providers/{uuid}"


@action("placement.resource_providers_list", version="1.0.0", requirements=(PLACEMENT,))
def resource_providers_list(
    context: RunContext, filters: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """List resource providers.

    Args:
        filters: Query parameters such as name, uuid, member_of (1.3),
            resources (1.4), in_tree (1.14) or required (1.18).
    """
    client = context.services["placement"]
    response = client.get("/resource_providers", params=dict(filters or {}))
    body = json_body(response, "placement GET /resource_providers")
    providers = body.get("resource_providers") if isinstance(body, dict) else None
    if not isinstance(providers, list):
        raise ActionError(
            "placement GET /resource_providers returned no resource_providers list",
            data={"body": body},
        )
    return providers


@action("placement.resource_providers_get", version="1.0.0", requirements=(PLACEMENT,))
def resource_providers_get(context: RunContext, uuid: str) -> dict[str, Any]:
    """Show a resource provider with its generation.

    Args:
        uuid: UUID of the resource provider.
    """
    return _object(context, _provider_path(uuid))


def _create_body(
    name: str, uuid: str | None, parent_provider_uuid: str | None
) -> dict[str, Any]:
    return compact(
        {"name": name, "uuid": uuid, "parent_provider_uuid": parent_provider_uuid}
    )


@action(
    "placement.resource_providers_create",
    version="1.0.0",
    requirements=(CREATE_WITH_LOCATION,),
)
def resource_providers_create_v1(
    context: RunContext,
    name: str,
    uuid: str | None = None,
    parent_provider_uuid: str | None = None,
) -> dict[str, Any]:
    """Create a resource provider; read it back via Location (placement 1.0 to 1.19).

    Args:
        name: Name of the provider, unique in the cloud.
        uuid: UUID of the provider; placement generates one when None.
        parent_provider_uuid: UUID of the parent provider (placement 1.14 or
            later).
    """
    client = context.services["placement"]
    body = _create_body(name, uuid, parent_provider_uuid)
    response = client.post("/resource_providers", json=body)
    location = response.headers.get("Location")
    if not location:
        raise ActionError(
            "placement POST /resource_providers returned no Location header, so "
            "the new provider cannot be read",
            data={"status": response.status_code},
        )
    request = f"placement GET {location}"
    created = json_body(client.get(location), request)
    if not isinstance(created, dict):
        raise ActionError(f"{request} returned no object", data={"body": created})
    return created


@action(
    "placement.resource_providers_create",
    version="2.0.0",
    requirements=(CREATE_WITH_BODY,),
)
def resource_providers_create_v2(
    context: RunContext,
    name: str,
    uuid: str | None = None,
    parent_provider_uuid: str | None = None,
) -> dict[str, Any]:
    """Create a resource provider; return it from the body (placement 1.20 on).

    Args:
        name: Name of the provider, unique in the cloud.
        uuid: UUID of the provider; placement generates one when None.
        parent_provider_uuid: UUID of the parent provider.
    """
    request = "placement POST /resource_providers"
    body = _create_body(name, uuid, parent_provider_uuid)
    created = json_body(
        context.services["placement"].post("/resource_providers", json=body), request
    )
    if not isinstance(created, dict) or "uuid" not in created:
        raise ActionError(f"{request} returned no provider", data={"body": created})
    return created


@action(
    "placement.resource_providers_delete", version="1.0.0", requirements=(PLACEMENT,)
)
def resource_providers_delete(context: RunContext, uuid: str) -> None:
    """Delete a resource provider that has no allocations.

    Args:
        uuid: UUID of the resource provider.
    """
    context.services["placement"].delete(_provider_path(uuid))


@action("placement.inventories_list", version="1.0.0", requirements=(PLACEMENT,))
def inventories_list(context: RunContext, uuid: str) -> dict[str, Any]:
    """Return a provider's inventories by resource class, with its generation.

    The result is {"inventories": {"VCPU": {"total": ..., ...}, ...},
    "resource_provider_generation": ...}.

    Args:
        uuid: UUID of the resource provider.
    """
    return _object(context, f"{_provider_path(uuid)}/inventories")


@action("placement.inventories_get", version="1.0.0", requirements=(PLACEMENT,))
def inventories_get(
    context: RunContext, uuid: str, resource_class: str
) -> dict[str, Any]:
    """Show one inventory of a provider, such as VCPU, with the generation.

    Args:
        uuid: UUID of the resource provider.
        resource_class: Resource class, such as VCPU or MEMORY_MB.
    """
    return _object(context, f"{_provider_path(uuid)}/inventories/{resource_class}")


@action("placement.inventories_update", version="1.0.0", requirements=(PLACEMENT,))
def inventories_update(
    context: RunContext,
    uuid: str,
    inventories: dict[str, dict[str, Any]],
    resource_provider_generation: int | None = None,
) -> dict[str, Any]:
    """Replace all inventories of a provider; return them with the new generation.

    Placement rejects the write with 409 when the generation is stale.

    Args:
        uuid: UUID of the resource provider.
        inventories: Inventories by resource class, such as
            {"VCPU": {"total": 32, "allocation_ratio": 4.0}}.
        resource_provider_generation: Generation the change is based on; the
            current one is read first when None.
    """
    path = f"{_provider_path(uuid)}/inventories"
    generation = resource_provider_generation
    if generation is None:
        current = _object(context, path).get("resource_provider_generation")
        if not isinstance(current, int):
            raise ActionError(
                f"placement GET {path} returned no resource_provider_generation"
            )
        generation = current
    body = {"resource_provider_generation": generation, "inventories": inventories}
    request = f"placement PUT {path}"
    result = json_body(context.services["placement"].put(path, json=body), request)
    if not isinstance(result, dict):
        raise ActionError(f"{request} returned no object", data={"body": result})
    return result


ACTIONS = [
    resource_providers_list,
    resource_providers_get,
    resource_providers_create_v1,
    resource_providers_create_v2,
    resource_providers_delete,
    inventories_list,
    inventories_get,
    inventories_update,
]
