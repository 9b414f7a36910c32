"""Hook implementation that contributes the OpenStack actions."""

from __future__ import annotations

from typing import Any

from action_sdk import hookimpl
from plugins.openstack import (
    cinder,
    glance,
    heat,
    ironic,
    keystone,
    neutron,
    nova,
    placement,
    swift,
)


@hookimpl
def levante_actions() -> list[Any]:
    """Return the OpenStack actions, every version of each."""
    return [
        *nova.ACTIONS,
        *swift.ACTIONS,
        *ironic.ACTIONS,
        *heat.ACTIONS,
        *cinder.ACTIONS,
        *glance.ACTIONS,
        *neutron.ACTIONS,
        *keystone.ACTIONS,
        *placement.ACTIONS,
    ]
