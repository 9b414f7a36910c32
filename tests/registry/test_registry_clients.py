import pytest

from action_sdk import (
    ActionError,
    MicroversionMismatch,
    RunContext,
    ServiceCallError,
    ServiceRequirement,
    action,
    hookimpl,
)
from registry.catalog import PluginCatalog
from registry.clients import microversion_headers, served_microversion
from registry.cloud import CloudDirectory
from registry.discovery import catalog_from_plugins, load_plugins
from registry.registry import Registry
from registry.versions import explicit_versions
from testing.fakecloud import FakeCloud

VERSION_HEADERS = {
    "openstack-api-version",
    "x-openstack-nova-api-version",
    "x-openstack-ironic-api-version",
    "x-openstack-manila-api-version",
}


@action("demo.placement", requirements=(ServiceRequirement("placement", 1, "1.0"),))
def placement_usage(context: RunContext) -> object:
    return context.services["placement"].get("/usages").json()


@action("demo.baremetal", requirements=(ServiceRequirement("baremetal", 1, "1.1"),))
def baremetal_nodes(context: RunContext) -> object:
    return context.services["baremetal"].get("/nodes").json()


@action(
    "demo.shares", requirements=(ServiceRequirement("shared-file-system", 2, "2.0"),)
)
def shares(context: RunContext) -> object:
    return context.services["shared-file-system"].get("/shares").json()


class DemoPlugin:
    @hookimpl
    def levante_actions(self) -> list[object]:
        return [placement_usage, baremetal_nodes, shares]


def build_registry(cloud: FakeCloud) -> Registry:
    catalog = load_plugins()
    demo = catalog_from_plugins({"demo": DemoPlugin()})
    merged = PluginCatalog(
        plugins=catalog.plugins + demo.plugins,
        actions={**catalog.actions, **demo.actions},
    )
    return Registry(merged, clouds=CloudDirectory({"c": cloud.cloud_config()}))


def run(
    registry: Registry, name: str, payload: dict[str, object] | None = None
) -> object:
    resolution = registry.resolve(name, "c")
    context = RunContext(services=registry.service_clients(resolution))
    return resolution.descriptor.run(payload or {}, context)


def version_headers(cloud: FakeCloud) -> dict[str, str]:
    request = cloud.calls[-1].request
    return {
        k.lower(): v for k, v in request.headers.items() if k.lower() in VERSION_HEADERS
    }


@pytest.mark.releases("queens", "train", "zed", "epoxy", "gazpacho")
def test_compute_header_on_wire(fake_cloud: FakeCloud) -> None:
    registry = build_registry(fake_cloud)
    fake_cloud.add("GET", "compute", "/servers/detail", json={"servers": []})
    run(registry, "nova.servers_list")
    expected = registry.resolve("nova.servers_list", "c").microversions["compute"]
    assert version_headers(fake_cloud) == {
        "openstack-api-version": f"compute {expected}"
    }


@pytest.mark.releases("queens", "gazpacho")
def test_block_storage_header_on_wire(fake_cloud: FakeCloud) -> None:
    registry = build_registry(fake_cloud)
    fake_cloud.add("GET", "block-storage", "/volumes/detail", json={"volumes": []})
    run(registry, "cinder.volumes_list")
    maximum = fake_cloud.microversion_range("block-storage")[1]
    assert version_headers(fake_cloud) == {"openstack-api-version": f"volume {maximum}"}


@pytest.mark.releases("train", "gazpacho")
def test_placement_header_on_wire(fake_cloud: FakeCloud) -> None:
    registry = build_registry(fake_cloud)
    fake_cloud.add("GET", "placement", "/usages", json={"usages": {}})
    run(registry, "demo.placement")
    maximum = fake_cloud.microversion_range("placement")[1]
    assert version_headers(fake_cloud) == {
        "openstack-api-version": f"placement {maximum}"
    }


@pytest.mark.releases("zed")
def test_baremetal_header_on_wire(fake_cloud: FakeCloud) -> None:
    registry = build_registry(fake_cloud)
    # The baremetal catalog URL is the service root, so the path names /v1.
    fake_cloud.add("GET", "baremetal", "/v1/nodes", json={"nodes": []})
    run(registry, "demo.baremetal")
    assert version_headers(fake_cloud) == {"x-openstack-ironic-api-version": "1.80"}


@pytest.mark.releases("epoxy")
def test_manila_header_on_wire(fake_cloud: FakeCloud) -> None:
    registry = build_registry(fake_cloud)
    fake_cloud.add("GET", "shared-file-system", "/shares", json={"shares": []})
    run(registry, "demo.shares")
    assert version_headers(fake_cloud) == {"x-openstack-manila-api-version": "2.89"}


def test_image_sends_no_version_header(fake_cloud: FakeCloud) -> None:
    registry = build_registry(fake_cloud)
    # The image catalog URL is the service root, so the path names /v2.
    fake_cloud.add("GET", "image", "/v2/images", json={"images": []})
    run(registry, "glance.images_list")
    assert version_headers(fake_cloud) == {}


def test_pinned_old_version_header(fake_cloud: FakeCloud) -> None:
    registry = build_registry(fake_cloud)
    fake_cloud.add("GET", "compute", "/servers/detail", json={"servers": []})
    run(registry, "nova.servers_list@1")
    assert version_headers(fake_cloud) == {"openstack-api-version": "compute 2.46"}


def test_mismatch_raises(fake_cloud: FakeCloud) -> None:
    registry = build_registry(fake_cloud)
    fake_cloud.add(
        "GET",
        "compute",
        "/servers/detail",
        json={"servers": []},
        headers={"OpenStack-API-Version": "compute 2.1"},
    )
    with pytest.raises(MicroversionMismatch) as caught:
        run(registry, "nova.servers_list")
    assert "was served at microversion 2.1, but 2.100 was requested" in str(
        caught.value
    )
    assert caught.value.data["served"] == "2.1"


def test_http_error_raises(fake_cloud: FakeCloud) -> None:
    registry = build_registry(fake_cloud)
    fake_cloud.add(
        "GET",
        "compute",
        "/servers/abc",
        status=404,
        json={
            "itemNotFound": {"message": "Instance abc could not be found.", "code": 404}
        },
    )
    with pytest.raises(ServiceCallError) as caught:
        run(registry, "nova.servers_get", {"server_id": "abc"})
    error = caught.value
    assert error.status == 404
    assert str(error).endswith(
        "failed with HTTP 404 at microversion 2.100: Instance abc could not be found."
    )
    assert error.data["body"] == {
        "itemNotFound": {"message": "Instance abc could not be found.", "code": 404}
    }


def test_action_may_not_set_version_header(fake_cloud: FakeCloud) -> None:
    registry = build_registry(fake_cloud)
    resolution = registry.resolve("nova.servers_list", "c")
    client = registry.service_clients(resolution)["compute"]
    with pytest.raises(ActionError, match="sets X-OpenStack-Nova-API-Version"):
        client.get("/servers", headers={"X-OpenStack-Nova-API-Version": "2.1"})


def test_explicit_resolution_has_no_endpoint() -> None:
    registry = Registry(load_plugins())
    resolution = registry.resolve(
        "nova.servers_list", explicit_versions(["compute=2.60"])
    )
    with pytest.raises(ValueError, match="resolved without a cloud"):
        registry.service_clients(resolution, session=object())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("service", "headers", "served"),
    [
        ("compute", {"OpenStack-API-Version": "compute 2.60"}, "2.60"),
        ("compute", {"OpenStack-API-Version": "placement 1.2, compute 2.53"}, "2.53"),
        ("block-storage", {"OpenStack-API-Version": "volume 3.50"}, "3.50"),
        ("baremetal", {"X-OpenStack-Ironic-API-Version": "1.38"}, "1.38"),
        ("compute", {}, None),
        ("image", {"OpenStack-API-Version": "image 2.1"}, None),
    ],
)
def test_served_microversion(
    service: str, headers: dict[str, str], served: str | None
) -> None:
    assert served_microversion(service, headers) == served


def test_microversion_headers_volume_name() -> None:
    assert microversion_headers("block-storage", "3.50") == {
        "OpenStack-API-Version": "volume 3.50"
    }
    assert microversion_headers("image", None) == {}
