"""Built-in OpenStack actions, one module per service (nova, cinder, glance).

Each action version declares the service API and microversion range it is
written for. The registry picks the version and microversion for the cloud
and gives the action a client through ``context.services``. The engine finds
this plugin through the ``levante.plugins`` entry point
``openstack = "plugins.openstack:plugin"``.
"""

from plugins.openstack import hooks as plugin

__all__ = ["plugin"]
