"""``fleet.pick_hosts``: choose hypervisors with room for one more server."""

from __future__ import annotations

from typing import Any

from action_sdk import ActionError, action

#: Report keys compared with the server's needs.
NEEDS = ("vcpus", "memory_mb", "disk_gb")


@action("fleet.pick_hosts", version="1.0.0")
def pick_hosts(
    capacity: list[dict[str, Any]],
    vcpus: int,
    memory_mb: int,
    disk_gb: int = 0,
    count: int = 1,
) -> list[str]:
    """Pick hosts with room for one more server, the most free RAM first.

    Only hypervisors whose state is ``up`` are picked. Hosts with equal free
    RAM are ordered by hostname.

    Args:
        capacity: The result of fleet.hypervisor_capacity, any version.
        vcpus: vCPUs the server needs.
        memory_mb: RAM the server needs, in MiB.
        disk_gb: Root disk the server needs, in GiB.
        count: Number of hosts to return.

    Raises:
        ActionError: Fewer than ``count`` hosts have room. The error data has
            ``requested``, ``needed`` and the hostnames that do fit.
    """
    needed = {"vcpus": vcpus, "memory_mb": memory_mb, "disk_gb": disk_gb}
    if any(amount < 0 for amount in needed.values()) or count < 1:
        raise ActionError(
            "invalid request: vcpus, memory_mb and disk_gb must not be negative "
            f"and count must be at least 1 (got {needed}, count={count})"
        )
    fitting = [host for host in capacity if _has_room(host, needed)]
    fitting.sort(key=lambda host: (-host["memory_mb"]["free"], host["hostname"]))
    names = [str(host["hostname"]) for host in fitting]
    if len(names) < count:
        raise ActionError(
            f"only {len(names)} of {len(capacity)} hosts have room for "
            f"{needed}, but {count} were requested",
            data={"requested": count, "needed": needed, "fitting": names},
        )
    return names[:count]


def _has_room(host: dict[str, Any], needed: dict[str, int]) -> bool:
    if host.get("state") != "up":
        return False
    return all(host[key]["free"] >= needed[key] for key in NEEDS)
