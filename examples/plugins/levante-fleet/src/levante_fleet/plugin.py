"""The hook that hands the fleet actions to Levante."""

from __future__ import annotations

from typing import Any

from action_sdk import hookimpl
from levante_fleet.hypervisors import hypervisor_capacity_v1, hypervisor_capacity_v2
from levante_fleet.scheduling import pick_hosts


@hookimpl
def levante_actions() -> list[Any]:
    """Return every version of every fleet action."""
    return [hypervisor_capacity_v1, hypervisor_capacity_v2, pick_hosts]
