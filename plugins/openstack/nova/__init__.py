"""Compute (nova) actions, one module per resource."""

from plugins.openstack.nova import (
    flavors,
    hypervisors,
    server_actions,
    server_groups,
    servers,
    volume_attachments,
)

ACTIONS = [
    *servers.ACTIONS,
    *server_actions.ACTIONS,
    *server_groups.ACTIONS,
    *flavors.ACTIONS,
    *hypervisors.ACTIONS,
    *volume_attachments.ACTIONS,
]
