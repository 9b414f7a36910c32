"""Hypervisor bodies before and after compute 2.88, and their placement data."""

from __future__ import annotations

from typing import Any

from testing import FakeCloud

HOST_A = "6f0cf8a4-0f3a-4d55-9f43-8f4a1d1b5b01"
HOST_B = "b1c6e0a8-3c55-4ad6-9a0e-2d8e54bb7c02"
HOST_C = "e54bd8b1-7d4c-4a6f-8d86-0b6a2ac4d903"

#: Fields every microversion from 2.53 on returns.
IDENTITY = {
    HOST_A: {"hypervisor_hostname": "compute-a", "state": "up", "status": "enabled"},
    HOST_B: {"hypervisor_hostname": "compute-b", "state": "up", "status": "enabled"},
    HOST_C: {"hypervisor_hostname": "compute-c", "state": "up", "status": "disabled"},
}

#: Totals that compute 2.53 to 2.87 adds to each hypervisor.
TOTALS = {
    HOST_A: {
        "vcpus": 16, "vcpus_used": 4, "memory_mb": 65536, "memory_mb_used": 8192,
        "local_gb": 500, "local_gb_used": 40, "running_vms": 2,
    },
    HOST_B: {
        "vcpus": 16, "vcpus_used": 12, "memory_mb": 65536, "memory_mb_used": 61440,
        "local_gb": 500, "local_gb_used": 300, "running_vms": 6,
    },
    HOST_C: {
        "vcpus": 8, "vcpus_used": 0, "memory_mb": 32768, "memory_mb_used": 0,
        "local_gb": 200, "local_gb_used": 0, "running_vms": 0,
    },
}  # fmt: skip

#: Placement inventories of each hypervisor's resource provider.
INVENTORIES = {
    host: {
        "VCPU": {"total": totals["vcpus"], "reserved": 0, "allocation_ratio": 4.0},
        "MEMORY_MB": {
            "total": totals["memory_mb"],
            "reserved": 512,
            "allocation_ratio": 1.0,
        },
        "DISK_GB": {
            "total": totals["local_gb"],
            "reserved": 0,
            "allocation_ratio": 1.0,
        },
    }
    for host, totals in TOTALS.items()
}

#: Placement usages of each resource provider.
USAGES = {
    host: {
        "VCPU": totals["vcpus_used"],
        "MEMORY_MB": totals["memory_mb_used"],
        "DISK_GB": totals["local_gb_used"],
    }
    for host, totals in TOTALS.items()
}


def hypervisor(host: str, *, with_totals: bool) -> dict[str, Any]:
    """Return a hypervisor body as GET /os-hypervisors/detail lists it."""
    body = {"id": host, "hypervisor_type": "QEMU", **IDENTITY[host]}
    if with_totals:
        body.update(TOTALS[host])
    return body


def serve_hypervisors(
    cloud: FakeCloud, hosts: list[str] | None = None, providers: list[str] | None = None
) -> None:
    """Serve the hypervisor list at both shapes and the placement documents.

    ``hosts`` are the listed hypervisors (all three by default), and
    ``providers`` those with a resource provider in placement (the same).
    """
    hosts = hosts if hosts is not None else list(IDENTITY)
    providers = providers if providers is not None else hosts
    for with_totals, bounds in (
        (True, {"max_microversion": "2.87"}),
        (False, {"min_microversion": "2.88"}),
    ):
        body = {"hypervisors": [hypervisor(h, with_totals=with_totals) for h in hosts]}
        cloud.add("GET", "compute", "/os-hypervisors/detail", json=body, **bounds)
    if "placement" not in cloud.services:
        return
    for host in providers:
        generation = {"resource_provider_generation": 3}
        cloud.add(
            "GET",
            "placement",
            f"/resource_providers/{host}/inventories",
            json={"inventories": INVENTORIES[host], **generation},
        )
        cloud.add(
            "GET",
            "placement",
            f"/resource_providers/{host}/usages",
            json={"usages": USAGES[host], **generation},
        )
