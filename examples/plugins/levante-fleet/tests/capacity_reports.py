"""Capacity reports as fleet.hypervisor_capacity returns them, for pick tests."""

from __future__ import annotations

from typing import Any


def host(name: str, vcpus: int, memory_mb: int, disk_gb: int, state: str = "up") -> Any:
    def amounts(free: int) -> dict[str, int]:
        return {"capacity": free, "used": 0, "free": free}

    return {
        "id": name,
        "hostname": name,
        "state": state,
        "status": "enabled",
        "vcpus": amounts(vcpus),
        "memory_mb": amounts(memory_mb),
        "disk_gb": amounts(disk_gb),
    }


CAPACITY = [
    host("small", 2, 2048, 20),
    host("large", 32, 131072, 1000),
    host("medium", 8, 16384, 200),
    host("down", 64, 262144, 2000, state="down"),
]
