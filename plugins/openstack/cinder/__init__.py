"""Block-storage (cinder) actions: volumes, snapshots and attachments."""

from plugins.openstack.cinder import attachments, snapshots, volumes

ACTIONS = [*volumes.ACTIONS, *snapshots.ACTIONS, *attachments.ACTIONS]
