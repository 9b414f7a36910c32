"""Glance image actions."""

from __future__ import annotations

import pytest

from action_sdk import ActionError

from .conftest import CloudRun

IMAGE = {"id": "i1", "name": "cirros", "status": "active", "os_distro": "cirros"}


def test_images_get(os_cloud: CloudRun) -> None:
    os_cloud.add("GET", "image", "/v2/images/i1", json=IMAGE)
    assert os_cloud.run("glance.images_get", {"image_id": "i1"}) == IMAGE
    assert "OpenStack-API-Version" not in os_cloud.last.headers


def test_images_create(os_cloud: CloudRun) -> None:
    os_cloud.add("POST", "image", "/v2/images", json=IMAGE, status=201)
    created = os_cloud.run(
        "glance.images_create",
        {
            "name": "cirros",
            "disk_format": "qcow2",
            "container_format": "bare",
            "tags": ["test"],
            "properties": {"os_distro": "cirros"},
        },
    )
    assert created == IMAGE
    assert os_cloud.last_json() == {
        "os_distro": "cirros",
        "name": "cirros",
        "disk_format": "qcow2",
        "container_format": "bare",
        "tags": ["test"],
    }


def test_images_update_replaces_or_adds(os_cloud: CloudRun) -> None:
    os_cloud.add("GET", "image", "/v2/images/i1", json=IMAGE)
    os_cloud.add("PATCH", "image", "/v2/images/i1", json={**IMAGE, "name": "new"})
    updated = os_cloud.run(
        "glance.images_update",
        {
            "image_id": "i1",
            "properties": {"name": "new", "hw_disk_bus": "scsi"},
            "remove_props": ["os_distro", "absent"],
        },
    )
    assert updated["name"] == "new"
    assert os_cloud.last.headers["Content-Type"] == (
        "application/openstack-images-v2.1-json-patch"
    )
    assert os_cloud.last_json() == [
        {"op": "replace", "path": "/name", "value": "new"},
        {"op": "add", "path": "/hw_disk_bus", "value": "scsi"},
        {"op": "remove", "path": "/os_distro"},
    ]


def test_images_update_needs_a_change(os_cloud: CloudRun) -> None:
    with pytest.raises(ActionError, match="nothing to update"):
        os_cloud.run("glance.images_update", {"image_id": "i1"})


@pytest.mark.parametrize(
    ("name", "method", "path"),
    [
        ("glance.images_delete", "DELETE", "/v2/images/i1"),
        ("glance.images_deactivate", "POST", "/v2/images/i1/actions/deactivate"),
        ("glance.images_reactivate", "POST", "/v2/images/i1/actions/reactivate"),
    ],
)
def test_image_calls_without_result(
    os_cloud: CloudRun, name: str, method: str, path: str
) -> None:
    os_cloud.add(method, "image", path, status=204)
    assert os_cloud.run(name, {"image_id": "i1"}) is None
    assert os_cloud.last.method == method


def test_images_get_plain_text_error(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "GET",
        "image",
        "/v2/images/zz",
        status=404,
        body="404 Not Found\n\nNo image found with ID zz\n\n",
    )
    with pytest.raises(ActionError, match="HTTP 404"):
        os_cloud.run("glance.images_get", {"image_id": "zz"})
