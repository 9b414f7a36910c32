"""``fleet.hypervisor_capacity``: vCPUs, RAM and disk of each hypervisor.

Compute 2.88 removed the resource totals (``vcpus``, ``vcpus_used``,
``memory_mb``, ``local_gb``, ``running_vms`` and more) from the hypervisor
API, so the action has two versions:

- 1.0.0 (compute 2.53 to 2.87) reports the physical totals and their use as
  nova's hypervisor API shows them.
- 2.0.0 (compute 2.88 to 2.103, and placement) reads the inventory and usage
  of each hypervisor's resource provider. Its capacity is what the scheduler
  can place: ``(total - reserved) * allocation_ratio``. It has no
  ``running_vms``, which is why it is a new major version.

Both start at 2.53, the microversion from which hypervisor ids are UUIDs. A
hypervisor's UUID is also the UUID of its resource provider in placement.
"""

from __future__ import annotations

import math
from typing import Any

from action_sdk import (
    ActionError,
    RunContext,
    ServiceCallError,
    ServiceClient,
    ServiceRequirement,
    action,
)

#: Compute while the hypervisor API still reports resource totals.
HYPERVISOR_TOTALS = ServiceRequirement(
    "compute", 2, min_microversion="2.53", max_microversion="2.87"
)
#: Compute from 2.88, which removed the totals. The range ends at 2.103, the
#: newest microversion this plugin was tested against.
HYPERVISOR_LIST = ServiceRequirement(
    "compute", 2, min_microversion="2.88", max_microversion="2.103"
)
#: Placement at its base microversion, which already has inventories and
#: usages.
PLACEMENT = ServiceRequirement("placement", 1)

#: Keys of the report and the placement resource class of each.
RESOURCE_CLASSES = {"vcpus": "VCPU", "memory_mb": "MEMORY_MB", "disk_gb": "DISK_GB"}
#: Upper bound on the pages of one listing, against a service that loops.
MAX_PAGES = 1000


@action("fleet.hypervisor_capacity", version="1.0.0", requirements=(HYPERVISOR_TOTALS,))
def hypervisor_capacity_v1(
    context: RunContext, include_disabled: bool = False
) -> list[dict[str, Any]]:
    """Report each hypervisor's physical vCPUs, RAM and disk and their use.

    Each entry has ``id``, ``hostname``, ``state``, ``status``,
    ``running_vms`` and, for ``vcpus``, ``memory_mb`` and ``disk_gb``, a
    ``{"capacity", "used", "free"}`` object (compute 2.53 to 2.87).

    Args:
        include_disabled: Also report hypervisors whose compute service is
            disabled.
    """
    report = []
    for hypervisor in list_hypervisors(context.services["compute"], include_disabled):
        entry = _identity(hypervisor)
        entry["running_vms"] = hypervisor["running_vms"]
        entry["vcpus"] = _amounts(hypervisor["vcpus"], hypervisor["vcpus_used"])
        entry["memory_mb"] = _amounts(
            hypervisor["memory_mb"], hypervisor["memory_mb_used"]
        )
        entry["disk_gb"] = _amounts(hypervisor["local_gb"], hypervisor["local_gb_used"])
        report.append(entry)
    return report


@action(
    "fleet.hypervisor_capacity",
    version="2.0.0",
    requirements=(HYPERVISOR_LIST, PLACEMENT),
)
def hypervisor_capacity_v2(
    context: RunContext, include_disabled: bool = False
) -> list[dict[str, Any]]:
    """Report each hypervisor's schedulable vCPUs, RAM and disk from placement.

    Each entry has ``id``, ``hostname``, ``state``, ``status`` and, for
    ``vcpus``, ``memory_mb`` and ``disk_gb``, a ``{"capacity", "used",
    "free"}`` object where capacity includes the allocation ratio and leaves
    out the reserved amount (compute 2.88 on, with placement).

    Args:
        include_disabled: Also report hypervisors whose compute service is
            disabled.

    Raises:
        ActionError: A hypervisor has no resource provider in placement; the
            error data names it.
    """
    placement = context.services["placement"]
    report = []
    for hypervisor in list_hypervisors(context.services["compute"], include_disabled):
        inventories = _provider_document(placement, hypervisor, "inventories")
        usages = _provider_document(placement, hypervisor, "usages")
        entry = _identity(hypervisor)
        for key, resource_class in RESOURCE_CLASSES.items():
            entry[key] = _schedulable(
                inventories.get(resource_class), usages.get(resource_class, 0)
            )
        report.append(entry)
    return report


def list_hypervisors(
    compute: ServiceClient, include_disabled: bool
) -> list[dict[str, Any]]:
    """Return the detailed hypervisors of every page, following ``next`` links.

    Raises:
        ActionError: A page has no ``hypervisors`` list, or the pages loop.
    """
    path = "/os-hypervisors/detail"
    hypervisors: list[dict[str, Any]] = []
    visited = {path}
    for _ in range(MAX_PAGES):
        body = compute.get(path).json()
        page = body.get("hypervisors") if isinstance(body, dict) else None
        if not isinstance(page, list):
            raise ActionError(
                f"compute GET {path} returned no 'hypervisors' list",
                data={"path": path, "body": body},
            )
        hypervisors.extend(page)
        next_path = _next_link(body)
        if next_path is None:
            return [h for h in hypervisors if include_disabled or _enabled(h)]
        if next_path in visited:
            raise ActionError(
                f"compute listed {next_path} as the next page twice; stopped "
                "reading hypervisors to avoid a loop",
                data={"path": next_path},
            )
        visited.add(next_path)
        path = next_path
    raise ActionError(f"compute returned more than {MAX_PAGES} pages of hypervisors")


def _next_link(body: dict[str, Any]) -> str | None:
    for link in body.get("hypervisors_links") or []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return str(link["href"])
    return None


def _enabled(hypervisor: dict[str, Any]) -> bool:
    return hypervisor.get("status") == "enabled"


def _identity(hypervisor: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": hypervisor["id"],
        "hostname": hypervisor["hypervisor_hostname"],
        "state": hypervisor["state"],
        "status": hypervisor["status"],
    }


def _amounts(capacity: int, used: int) -> dict[str, int]:
    return {"capacity": capacity, "used": used, "free": capacity - used}


def _schedulable(inventory: dict[str, Any] | None, used: int) -> dict[str, int]:
    """Return the amounts of one resource class; capacity 0 without inventory."""
    if inventory is None:
        return _amounts(0, used)
    usable = inventory["total"] - inventory.get("reserved", 0)
    capacity = math.floor(usable * inventory.get("allocation_ratio", 1.0))
    return _amounts(capacity, used)


def _provider_document(
    placement: ServiceClient, hypervisor: dict[str, Any], what: str
) -> dict[str, Any]:
    """Return the ``inventories`` or ``usages`` of a hypervisor's provider."""
    try:
        body = placement.get(f"/resource_providers/{hypervisor['id']}/{what}").json()
    except ServiceCallError as error:
        if error.status != 404:
            raise
        hostname = hypervisor["hypervisor_hostname"]
        raise ActionError(
            f"hypervisor {hostname} ({hypervisor['id']}) has no resource "
            "provider in placement; its nova-compute may not have reported yet",
            data={
                "hypervisor": hypervisor["id"],
                "hostname": hostname,
                "reason": "no resource provider in placement",
            },
        ) from error
    document: dict[str, Any] = body[what]
    return document
