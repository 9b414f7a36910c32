"""Parameter types that also accept the python-*client argument names.

mistral-extra generates each OpenStack action from a python-*client method,
so its parameters are that method's arguments: novaclient's
``servers.reboot(server, reboot_type)`` becomes ``nova.servers_reboot
server=...``. Levante's actions name an id parameter after what it contains
(``server_id``), and these types add the client's name as an ``Alias``, so
workflows written for Mistral run unchanged.

The argument names come from the client sources: python-novaclient
``novaclient/v2``, python-cinderclient ``cinderclient/v3``,
python-neutronclient ``neutronclient/v2_0/client.py``, python-ironicclient
``ironicclient/v1/node.py`` and python-keystoneclient ``keystoneclient/v3``.
"""

from __future__ import annotations

from typing import Annotated, Any

from action_sdk import Alias

#: novaclient ``servers.get``, ``delete``, ``reboot``, ``resize`` and the
#: other server methods take the server as ``server``.
ServerId = Annotated[str, Alias("server")]
#: novaclient ``flavors.get(flavor)``.
FlavorId = Annotated[str, Alias("flavor")]
#: novaclient ``hypervisors.get(hypervisor)``.
HypervisorId = Annotated[str, Alias("hypervisor")]
#: novaclient ``server_groups.get(id)`` and ``delete(id)``.
ServerGroupId = Annotated[str, Alias("id")]
#: The ``search_opts`` dict of novaclient ``servers.list`` and cinderclient
#: ``volumes.list`` and ``volume_snapshots.list``: query parameters.
SearchOpts = Annotated[dict[str, Any] | None, Alias("search_opts")]

#: cinderclient ``volumes.delete``, ``update`` and ``extend`` take ``volume``;
#: ``volumes.get`` takes ``volume_id``, the parameter's own name.
VolumeId = Annotated[str, Alias("volume")]
#: cinderclient ``volume_snapshots.delete(snapshot)``.
SnapshotId = Annotated[str, Alias("snapshot")]
#: cinderclient ``attachments.show(id)``.
AttachmentShowId = Annotated[str, Alias("id")]
#: cinderclient ``attachments.delete(attachment)`` and ``complete(attachment)``.
AttachmentId = Annotated[str, Alias("attachment")]

#: neutronclient ``show_network(network)``, ``update_network(network, body)``
#: and ``delete_network(network)``; the other resources follow the pattern.
NetworkId = Annotated[str, Alias("network")]
SubnetId = Annotated[str, Alias("subnet")]
PortId = Annotated[str, Alias("port")]
RouterId = Annotated[str, Alias("router")]
FloatingIpId = Annotated[str, Alias("floatingip")]
SecurityGroupId = Annotated[str, Alias("security_group")]
SecurityGroupRuleId = Annotated[str, Alias("security_group_rule")]

#: ironicclient ``node.set_provision_state(node_uuid, state, ...)``; its other
#: node methods take ``node_id``, the parameter's own name.
NodeUuid = Annotated[str, Alias("node_uuid")]

#: keystoneclient ``projects.get(project)`` and ``users.list(project=...)``.
ProjectId = Annotated[str, Alias("project")]
#: keystoneclient ``users.get(user)`` and ``projects.list(user=...)``.
UserId = Annotated[str, Alias("user")]
#: keystoneclient ``projects.list(domain=...)`` and ``users.list(domain=...)``.
DomainFilter = Annotated[str | None, Alias("domain")]
#: keystoneclient ``users.list(group=...)``.
GroupFilter = Annotated[str | None, Alias("group")]
#: keystoneclient ``projects.list(user=...)``.
UserFilter = Annotated[str | None, Alias("user")]
