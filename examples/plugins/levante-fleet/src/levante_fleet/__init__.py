"""Levante actions that report hypervisor capacity and pick hosts for servers.

Actions:

- ``fleet.hypervisor_capacity`` 1.0.0 reads the totals nova reports per
  hypervisor, which compute 2.88 removed. Version 2.0.0 reads the inventory
  and usage of each hypervisor's resource provider in placement instead.
- ``fleet.pick_hosts`` 1.0.0 picks the hypervisors with room for a server of
  a given size from either version's report.

Levante loads them through the ``levante.plugins`` entry point
``fleet = "levante_fleet.plugin"``.
"""

from levante_fleet.hypervisors import hypervisor_capacity_v1, hypervisor_capacity_v2
from levante_fleet.scheduling import pick_hosts

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "hypervisor_capacity_v1",
    "hypervisor_capacity_v2",
    "pick_hosts",
]
