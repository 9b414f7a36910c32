"""fleet.hypervisor_capacity on fake clouds of every release."""

from __future__ import annotations

import json

import pytest
from hypervisor_bodies import HOST_A, HOST_B, hypervisor, serve_hypervisors

from action_sdk import RunContext, SecurityContext
from registry.resolution import ResolutionError
from testing import ActionRunner, FakeCloud

ALL_RELEASES = ("queens", "train", "zed", "epoxy", "gazpacho")
CAPACITY_V1 = pytest.mark.levante_action("fleet.hypervisor_capacity@1")
CAPACITY_V2 = pytest.mark.levante_action("fleet.hypervisor_capacity@2")


def by_host(report: list[dict]) -> dict[str, dict]:
    return {entry["hostname"]: entry for entry in report}


@CAPACITY_V1
@pytest.mark.releases("queens", "train")
def test_old_clouds_get_totals(
    action_runner: ActionRunner, fleet_cloud: FakeCloud
) -> None:
    run = action_runner.run("fleet.hypervisor_capacity", cloud=fleet_cloud)
    assert run.version == "1.0.0"
    assert run.microversions == {
        "compute": fleet_cloud.microversion_range("compute")[1]
    }
    host_a = by_host(run.result)["compute-a"]
    assert host_a["vcpus"] == {"capacity": 16, "used": 4, "free": 12}
    assert host_a["memory_mb"] == {"capacity": 65536, "used": 8192, "free": 57344}
    assert host_a["running_vms"] == 2


@CAPACITY_V2
@pytest.mark.releases("zed", "epoxy", "gazpacho")
def test_new_clouds_read_placement(
    action_runner: ActionRunner, fleet_cloud: FakeCloud
) -> None:
    run = action_runner.run("fleet.hypervisor_capacity", cloud=fleet_cloud)
    assert run.version == "2.0.0"
    assert run.microversions["placement"] == "1.0"
    host_a = by_host(run.result)["compute-a"]
    assert host_a["vcpus"] == {"capacity": 64, "used": 4, "free": 60}
    assert host_a["memory_mb"] == {"capacity": 65024, "used": 8192, "free": 56832}
    assert "running_vms" not in host_a


@CAPACITY_V1
@pytest.mark.releases(*ALL_RELEASES)
def test_v1_pinned_everywhere(
    action_runner: ActionRunner, fleet_cloud: FakeCloud
) -> None:
    run = action_runner.run("fleet.hypervisor_capacity", pin="1", cloud=fleet_cloud)
    highest = fleet_cloud.microversion_range("compute")[1]
    expected = highest if highest in ("2.60", "2.79") else "2.87"
    assert run.microversions == {"compute": expected}
    assert by_host(run.result)["compute-b"]["disk_gb"]["free"] == 200


@pytest.mark.parametrize(
    "fake_cloud",
    [
        # Each cloud runs another version, so each case names its own.
        pytest.param("train", marks=CAPACITY_V1),
        pytest.param("epoxy", marks=CAPACITY_V2),
    ],
    indirect=True,
)
@pytest.mark.parametrize("include_disabled", [False, True])
def test_disabled_hosts(
    action_runner: ActionRunner, fleet_cloud: FakeCloud, include_disabled: bool
) -> None:
    run = action_runner.run(
        "fleet.hypervisor_capacity",
        {"include_disabled": include_disabled},
        cloud=fleet_cloud,
    )
    names = sorted(by_host(run.result))
    expected = ["compute-a", "compute-b", "compute-c"][: 3 if include_disabled else 2]
    assert names == expected


@CAPACITY_V2
@pytest.mark.releases("epoxy")
def test_missing_provider_error_data(
    action_runner: ActionRunner, fake_cloud: FakeCloud
) -> None:
    serve_hypervisors(fake_cloud, providers=[HOST_A])
    run = action_runner.run("fleet.hypervisor_capacity", cloud=fake_cloud)
    assert run.state == "ERROR"
    assert run.error is not None
    assert run.error.data == {
        "hypervisor": HOST_B,
        "hostname": "compute-b",
        "reason": "no resource provider in placement",
    }


@CAPACITY_V1
@pytest.mark.releases("queens")
def test_pages_followed(action_runner: ActionRunner, fake_cloud: FakeCloud) -> None:
    endpoint = fake_cloud.endpoint("compute").rstrip("/")
    next_page = f"{endpoint}/os-hypervisors/detail?marker={HOST_A}"
    first = {
        "hypervisors": [hypervisor(HOST_A, with_totals=True)],
        "hypervisors_links": [{"rel": "next", "href": next_page}],
    }
    second = {"hypervisors": [hypervisor(HOST_B, with_totals=True)]}
    # The response for the exact query goes first: a response added without
    # a query fits any query, and the first fitting response is served.
    fake_cloud.add("GET", "compute", next_page, json=second)
    fake_cloud.add("GET", "compute", "/os-hypervisors/detail", json=first)
    run = action_runner.run("fleet.hypervisor_capacity", cloud=fake_cloud)
    assert sorted(by_host(run.result)) == ["compute-a", "compute-b"]


@CAPACITY_V1
@pytest.mark.releases("train")
def test_runs_with_user_token(
    action_runner: ActionRunner, fleet_cloud: FakeCloud
) -> None:
    token = fleet_cloud.issue_token()
    security = SecurityContext(
        auth_token=token,
        auth_url=fleet_cloud.auth_url,
        project_id=fleet_cloud.project_id,
    )
    context = RunContext(task_name="capacity", security=security)
    run = action_runner.run(
        "fleet.hypervisor_capacity", cloud=fleet_cloud, context=context
    )
    assert run.context.task_name == "capacity"
    # keystoneauth trades the user's token for a scoped one before the call.
    token_requests = [
        json.loads(call.request.body)
        for call in fleet_cloud.calls
        if call.request.url.endswith("/v3/auth/tokens") and call.request.body
    ]
    identities = [body["auth"]["identity"] for body in token_requests]
    assert {"methods": ["token"], "token": {"id": token}} in identities


@pytest.mark.parametrize(
    ("services", "expected"),
    [
        ({"compute": "2.60"}, "1.0.0"),
        ({"compute": "2.87", "placement": "1.39"}, "1.0.0"),
        ({"compute": "2.88"}, "1.0.0"),
        ({"compute": "2.88", "placement": "1.36"}, "2.0.0"),
        ({"compute": "2.103", "placement": "1.39"}, "2.0.0"),
    ],
)
def test_resolution_by_versions(
    action_runner: ActionRunner, services: dict[str, str], expected: str
) -> None:
    resolution = action_runner.resolve("fleet.hypervisor_capacity", services=services)
    assert resolution.version == expected


def test_too_old_compute_rejected(action_runner: ActionRunner) -> None:
    with pytest.raises(ResolutionError, match="2.53 to 2.87") as caught:
        action_runner.resolve("fleet.hypervisor_capacity", services={"compute": "2.52"})
    assert [r.version for r in caught.value.rejections] == ["2.0.0", "1.0.0"]


@CAPACITY_V1
@pytest.mark.releases("train")
def test_page_loop_stops(action_runner: ActionRunner, fake_cloud: FakeCloud) -> None:
    endpoint = fake_cloud.endpoint("compute").rstrip("/")
    looping = {
        "hypervisors": [hypervisor(HOST_A, with_totals=True)],
        "hypervisors_links": [
            {"rel": "next", "href": f"{endpoint}/os-hypervisors/detail"}
        ],
    }
    fake_cloud.add("GET", "compute", "/os-hypervisors/detail", json=looping)
    run = action_runner.run("fleet.hypervisor_capacity", cloud=fake_cloud)
    assert run.error is not None
    assert "as the next page twice" in run.error.message
