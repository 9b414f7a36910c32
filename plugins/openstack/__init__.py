"""Built-in OpenStack actions, one module or package per service.

The services are compute (nova), object-store (swift), baremetal (ironic),
orchestration (heat), block-storage (cinder), image (glance), network
(neutron), identity (keystone) and placement. Action names follow
mistral-extra's where it has them, so existing workbooks find them.

Each action version declares the service API and microversion range it is
written for. The registry picks the version and microversion for the cloud
and gives the action a client through ``context.services``. The engine finds
this plugin through the ``levante.plugins`` entry point
``openstack = "plugins.openstack:plugin"``.
"""

from plugins.openstack import hooks as plugin

__all__ = ["plugin"]
