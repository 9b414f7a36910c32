"""Next-page markers of the list APIs."""

from __future__ import annotations

from typing import Any

import pytest

from action_sdk import ActionError
from plugins.openstack.paging import next_marker

from .conftest import CloudRun

NEXT = "http://h/v2.1/servers?limit=2&marker=m2"


@pytest.mark.parametrize(
    ("body", "marker"),
    [
        ({"servers_links": [{"rel": "next", "href": NEXT}]}, "m2"),
        ({"links": [{"rel": "next", "href": NEXT}]}, "m2"),
        ({"next": "/v2/images?marker=m2&limit=2"}, "m2"),
        ({"servers_links": [{"rel": "self", "href": NEXT}]}, None),
        ({"links": {"next": None, "self": "http://h/v3/projects"}}, None),
        ({"next": "/v2/images?limit=2"}, None),
        ({}, None),
    ],
)
def test_next_marker(body: dict[str, Any], marker: str | None) -> None:
    assert next_marker(body, "servers") == marker


def test_list_body_not_json(os_cloud: CloudRun) -> None:
    os_cloud.add("GET", "image", "/v2/images", body="<html>proxy error</html>")
    with pytest.raises(ActionError, match="image GET /images returned a body that is"):
        os_cloud.run("glance.images_list")


def test_offset_pages_until_empty(os_cloud: CloudRun) -> None:
    attachment = {"volumeId": "v1"}
    path = "/servers/s1/os-volume_attachments"
    os_cloud.add(
        "GET", "compute", f"{path}?offset=0", json={"volumeAttachments": [attachment]}
    )
    os_cloud.add("GET", "compute", f"{path}?offset=1", json={"volumeAttachments": []})
    result = os_cloud.run("nova.volumes_get_server_volumes", {"server_id": "s1"})
    assert result == [attachment]
    assert len(os_cloud.service_calls()) == 2
