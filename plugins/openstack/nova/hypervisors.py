"""Compute (nova) hypervisor actions.

Compute 2.88 removed the capacity fields from hypervisor bodies (``vcpus``,
``memory_mb``, ``local_gb``, their ``_used`` counterparts, ``free_ram_mb``,
``free_disk_gb``, ``current_workload``, ``running_vms``, ``disk_available_least``
and ``cpu_info``) and the ``/os-hypervisors/statistics`` API. So
``nova.hypervisors_list`` and ``_get`` come in two versions, and
``nova.hypervisors_statistics`` runs at 2.87 at most; placement inventories
carry the capacity from 2.88 on.
"""

from __future__ import annotations

from typing import Any

from action_sdk import Deprecation, RunContext, action
from plugins.openstack.bodies import member
from plugins.openstack.client_names import HypervisorId
from plugins.openstack.nova.requirements import compute_range
from plugins.openstack.paging import collect

#: Hypervisor bodies with capacity fields, before compute 2.88.
WITH_CAPACITY = compute_range("2.1", "2.87")
#: Hypervisor bodies without capacity fields, from compute 2.88 on.
WITHOUT_CAPACITY = compute_range("2.88")


def _list_hypervisors(
    context: RunContext,
    detailed: bool,
    filters: dict[str, Any] | None,
    limit: int | None,
) -> list[dict[str, Any]]:
    params: dict[str, Any] = dict(filters or {})
    if limit is not None:
        params["limit"] = limit
    path = "/os-hypervisors/detail" if detailed else "/os-hypervisors"
    client = context.services["compute"]
    return collect(client, path, "hypervisors", params=params, limit=limit)


def _show_hypervisor(context: RunContext, hypervisor_id: str) -> dict[str, Any]:
    path = f"/os-hypervisors/{hypervisor_id}"
    response = context.services["compute"].get(path)
    return member(response, "hypervisor", f"compute GET {path}")


@action("nova.hypervisors_list", version="1.0.0", requirements=(WITH_CAPACITY,))
def hypervisors_list_v1(
    context: RunContext,
    detailed: bool = True,
    filters: dict[str, Any] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """List hypervisors with their vCPU, memory and disk capacity (compute 2.1 to 2.87).

    Args:
        detailed: Return full hypervisor bodies, not only id, name and state.
        filters: Query parameters such as hypervisor_hostname_pattern
            (compute 2.53 or later).
        limit: Maximum number of hypervisors to return; all when None.
    """
    return _list_hypervisors(context, detailed, filters, limit)


@action("nova.hypervisors_list", version="2.0.0", requirements=(WITHOUT_CAPACITY,))
def hypervisors_list_v2(
    context: RunContext,
    detailed: bool = True,
    filters: dict[str, Any] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """List hypervisors without capacity fields, with uptime (compute 2.88 on).

    Args:
        detailed: Return full hypervisor bodies, not only id, name and state.
        filters: Query parameters such as hypervisor_hostname_pattern.
        limit: Maximum number of hypervisors to return; all when None.
    """
    return _list_hypervisors(context, detailed, filters, limit)


@action("nova.hypervisors_get", version="1.0.0", requirements=(WITH_CAPACITY,))
def hypervisors_get_v1(
    context: RunContext, hypervisor_id: HypervisorId
) -> dict[str, Any]:
    """Show a hypervisor with its vCPU, memory and disk capacity (compute 2.1 to 2.87).

    Args:
        hypervisor_id: Id of the hypervisor, a UUID from compute 2.53 on.
    """
    return _show_hypervisor(context, hypervisor_id)


@action("nova.hypervisors_get", version="2.0.0", requirements=(WITHOUT_CAPACITY,))
def hypervisors_get_v2(
    context: RunContext, hypervisor_id: HypervisorId
) -> dict[str, Any]:
    """Show a hypervisor without capacity fields, with its uptime (compute 2.88 on).

    Args:
        hypervisor_id: UUID of the hypervisor.
    """
    return _show_hypervisor(context, hypervisor_id)


@action(
    "nova.hypervisors_statistics",
    version="1.0.0",
    requirements=(WITH_CAPACITY,),
    deprecated=Deprecation(
        "compute 2.88 removed /os-hypervisors/statistics; read capacity from "
        "placement inventories instead",
        replacement="placement.inventories_list@1",
    ),
)
def hypervisors_statistics(context: RunContext) -> dict[str, Any]:
    """Sum the capacity and usage of all hypervisors (compute 2.1 to 2.87)."""
    path = "/os-hypervisors/statistics"
    response = context.services["compute"].get(path)
    return member(response, "hypervisor_statistics", f"compute GET {path}")


ACTIONS = [
    hypervisors_list_v1,
    hypervisors_list_v2,
    hypervisors_get_v1,
    hypervisors_get_v2,
    hypervisors_statistics,
]
