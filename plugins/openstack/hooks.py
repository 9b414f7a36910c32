"""Hook implementation that contributes the OpenStack actions."""

from __future__ import annotations

from typing import Any

from action_sdk import hookimpl
from plugins.openstack import cinder, glance, nova


@hookimpl
def levante_actions() -> list[Any]:
    """Return the OpenStack actions, every version of each."""
    return [*nova.ACTIONS, *cinder.ACTIONS, *glance.ACTIONS]
