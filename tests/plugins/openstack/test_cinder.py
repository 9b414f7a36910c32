"""Cinder volumes, snapshots and attachments, and the project id in URLs."""

from __future__ import annotations

import pytest

from action_sdk import ActionError, SecurityContext

from .conftest import CloudRun

VOLUME = {"id": "v1", "status": "available", "size": 10}


def test_volumes_get(os_cloud: CloudRun) -> None:
    os_cloud.add("GET", "block-storage", "/volumes/v1", json={"volume": VOLUME})
    assert os_cloud.run("cinder.volumes_get", {"volume_id": "v1"}) == VOLUME
    assert os_cloud.last.headers["OpenStack-API-Version"] == "volume 3.71"
    assert os_cloud.last.url == os_cloud.cloud.endpoint("block-storage") + "/volumes/v1"


@pytest.mark.releases("queens", "gazpacho")
def test_volumes_create(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "POST", "block-storage", "/volumes", json={"volume": VOLUME}, status=202
    )
    volume = os_cloud.run(
        "cinder.volumes_create",
        {
            "size": 10,
            "name": "data",
            "imageRef": "i1",
            "metadata": {"a": "b"},
            "scheduler_hints": {"same_host": ["v0"]},
        },
    )
    assert volume["id"] == "v1"
    assert os_cloud.last_json() == {
        "volume": {
            "size": 10,
            "name": "data",
            "imageRef": "i1",
            "metadata": {"a": "b"},
        },
        "OS-SCH-HNT:scheduler_hints": {"same_host": ["v0"]},
    }


def test_volumes_create_needs_size_or_source(os_cloud: CloudRun) -> None:
    with pytest.raises(ActionError, match="size is required unless"):
        os_cloud.run("cinder.volumes_create", {"name": "data"})


def test_volumes_create_from_snapshot_without_size(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "POST", "block-storage", "/volumes", json={"volume": VOLUME}, status=202
    )
    os_cloud.run("cinder.volumes_create", {"snapshot_id": "snap1"})
    assert os_cloud.last_json() == {"volume": {"snapshot_id": "snap1"}}


def test_volumes_update(os_cloud: CloudRun) -> None:
    os_cloud.add("PUT", "block-storage", "/volumes/v1", json={"volume": VOLUME})
    os_cloud.run("cinder.volumes_update", {"volume_id": "v1", "description": "d"})
    assert os_cloud.last_json() == {"volume": {"description": "d"}}


def test_volumes_update_needs_a_change(os_cloud: CloudRun) -> None:
    with pytest.raises(ActionError, match="nothing to update"):
        os_cloud.run("cinder.volumes_update", {"volume_id": "v1"})


def test_volumes_delete_cascade(os_cloud: CloudRun) -> None:
    os_cloud.add("DELETE", "block-storage", "/volumes/v1?cascade=True", status=202)
    payload = {"volume_id": "v1", "cascade": True}
    assert os_cloud.run("cinder.volumes_delete", payload) is None


def test_volumes_extend(os_cloud: CloudRun) -> None:
    os_cloud.add("POST", "block-storage", "/volumes/v1/action", status=202)
    os_cloud.run("cinder.volumes_extend", {"volume_id": "v1", "new_size": 20})
    assert os_cloud.last_json() == {"os-extend": {"new_size": 20}}


def volume(status: str) -> dict[str, object]:
    return {"volume": {**VOLUME, "status": status}}


def test_volumes_wait_success(os_cloud: CloudRun) -> None:
    os_cloud.add("GET", "block-storage", "/volumes/v1", json=volume("creating"))
    os_cloud.add("GET", "block-storage", "/volumes/v1", json=volume("available"))
    result = os_cloud.run(
        "cinder.volumes_wait_for_status", {"volume_id": "v1", "poll_interval": 0}
    )
    assert result["status"] == "available"


def test_volumes_wait_failure(os_cloud: CloudRun) -> None:
    os_cloud.add("GET", "block-storage", "/volumes/v1", json=volume("error_extending"))
    with pytest.raises(ActionError) as caught:
        os_cloud.run(
            "cinder.volumes_wait_for_status",
            {"volume_id": "v1", "status": "in-use", "poll_interval": 0},
        )
    assert "reached status 'error_extending'" in str(caught.value)
    assert "failure statuses: error or error_*" in str(caught.value)


def test_volumes_wait_timeout(os_cloud: CloudRun) -> None:
    os_cloud.add("GET", "block-storage", "/volumes/v1", json=volume("attaching"))
    with pytest.raises(ActionError, match="last status seen was 'attaching'"):
        os_cloud.run(
            "cinder.volumes_wait_for_status",
            {
                "volume_id": "v1",
                "status": "in-use",
                "timeout": 0.03,
                "poll_interval": 0.01,
            },
        )


def test_project_inserted_below_3_67(os_cloud: CloudRun) -> None:
    with_project = os_cloud.cloud.endpoint("block-storage")
    project_less = with_project.rsplit("/", 1)[0]
    os_cloud.add("GET", "block-storage", "/volumes/v1", json={"volume": VOLUME})
    security = SecurityContext(project_id=os_cloud.cloud.project_id)
    payload = {"volume_id": "v1"}
    os_cloud.run_at(
        "cinder.volumes_get", project_less, "3.50", payload, security=security
    )
    assert os_cloud.last.url == f"{with_project}/volumes/v1"


def test_project_missing_below_3_67(os_cloud: CloudRun) -> None:
    project_less = os_cloud.cloud.endpoint("block-storage").rsplit("/", 1)[0]
    with pytest.raises(ActionError, match="needs the project id in the URL"):
        os_cloud.run_at("cinder.volumes_get", project_less, "3.50", {"volume_id": "v1"})


def test_project_less_url_from_3_67(os_cloud: CloudRun) -> None:
    project_less = os_cloud.cloud.endpoint("block-storage").rsplit("/", 1)[0]
    os_cloud.add(
        "GET", "block-storage", f"{project_less}/volumes/v1", json={"volume": VOLUME}
    )
    os_cloud.run_at("cinder.volumes_get", project_less, "3.67", {"volume_id": "v1"})
    assert os_cloud.last.url == f"{project_less}/volumes/v1"


SNAPSHOT = {"id": "sn1", "volume_id": "v1", "status": "creating"}


def test_snapshots_list_and_get(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "GET",
        "block-storage",
        "/snapshots/detail?all_tenants=True",
        json={"snapshots": [SNAPSHOT]},
    )
    os_cloud.add("GET", "block-storage", "/snapshots/sn1", json={"snapshot": SNAPSHOT})
    assert os_cloud.run("cinder.volume_snapshots_list", {"all_projects": True}) == [
        SNAPSHOT
    ]
    payload = {"snapshot_id": "sn1"}
    assert os_cloud.run("cinder.volume_snapshots_get", payload) == SNAPSHOT


@pytest.mark.parametrize(
    ("force", "body"),
    [
        (False, {"volume_id": "v1", "name": "s"}),
        (True, {"volume_id": "v1", "force": True, "name": "s"}),
    ],
)
def test_snapshots_create_sends_force_only_when_true(
    os_cloud: CloudRun, force: bool, body: dict[str, object]
) -> None:
    os_cloud.add(
        "POST", "block-storage", "/snapshots", json={"snapshot": SNAPSHOT}, status=202
    )
    payload = {"volume_id": "v1", "name": "s", "force": force}
    assert os_cloud.run("cinder.volume_snapshots_create", payload) == SNAPSHOT
    assert os_cloud.last_json() == {"snapshot": body}


def test_snapshots_delete(os_cloud: CloudRun) -> None:
    os_cloud.add("DELETE", "block-storage", "/snapshots/sn1", status=202)
    assert (
        os_cloud.run("cinder.volume_snapshots_delete", {"snapshot_id": "sn1"}) is None
    )


ATTACHMENT = {"id": "a1", "volume_id": "v1", "status": "reserved"}


def test_attachments_create_and_complete(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "POST", "block-storage", "/attachments", json={"attachment": ATTACHMENT}
    )
    os_cloud.add("POST", "block-storage", "/attachments/a1/action", status=204)
    created = os_cloud.run(
        "cinder.attachments_create",
        {"volume_id": "v1", "instance_id": "s1", "connector": {"host": "c1"}},
    )
    assert created == ATTACHMENT
    assert os_cloud.last_json() == {
        "attachment": {
            "volume_uuid": "v1",
            "instance_uuid": "s1",
            "connector": {"host": "c1"},
        }
    }
    os_cloud.run("cinder.attachments_complete", {"attachment_id": "a1"})
    assert os_cloud.last_json() == {"os-complete": None}


def test_attachments_list_show_delete(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "GET",
        "block-storage",
        "/attachments?volume_id=v1",
        json={"attachments": [ATTACHMENT]},
    )
    os_cloud.add(
        "GET", "block-storage", "/attachments/a1", json={"attachment": ATTACHMENT}
    )
    os_cloud.add("DELETE", "block-storage", "/attachments/a1", json={})
    listed = os_cloud.run("cinder.attachments_list", {"filters": {"volume_id": "v1"}})
    assert listed == [ATTACHMENT]
    assert (
        os_cloud.run("cinder.attachments_show", {"attachment_id": "a1"}) == ATTACHMENT
    )
    assert os_cloud.run("cinder.attachments_delete", {"attachment_id": "a1"}) is None


@pytest.mark.releases("queens")
def test_attachment_microversions_on_queens(os_cloud: CloudRun) -> None:
    assert os_cloud.resolve("cinder.attachments_show").microversions == {
        "block-storage": "3.50"
    }
    assert os_cloud.resolve("cinder.attachments_complete").microversions == {
        "block-storage": "3.50"
    }
