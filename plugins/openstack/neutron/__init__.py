"""Network (neutron) actions, named as neutronclient names its methods."""

from plugins.openstack.neutron import networks, routers, security_groups

ACTIONS = [*networks.ACTIONS, *security_groups.ACTIONS, *routers.ACTIONS]
