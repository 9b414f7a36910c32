import json
import logging
from datetime import timedelta

import pytest

from registry.cloud import CloudDirectory
from registry.errors import CloudNotFound, DiscoveryError
from registry.registry import Registry
from registry.resolution import ResolutionError
from registry.store import CatalogStore
from testing.fakecloud import FakeCloud

from .conftest import Clock

MICROVERSIONED = [
    "compute",
    "block-storage",
    "placement",
    "baremetal",
    "shared-file-system",
]


@pytest.mark.releases("queens", "train", "zed", "epoxy", "gazpacho")
def test_discovery_matches_release(
    fake_cloud: FakeCloud, cloud_registry: Registry
) -> None:
    offered = cloud_registry.clouds.versions("test")
    assert offered.region == "RegionOne"
    for service in MICROVERSIONED:
        expected = fake_cloud.microversion_range(service)
        if service in offered.failures:
            continue
        api = offered.services[service][-1]
        assert (api.min_microversion, api.max_microversion) == expected, service


@pytest.mark.releases("queens")
def test_queens_placement_is_a_failure(cloud_registry: Registry) -> None:
    offered = cloud_registry.clouds.versions("test")
    assert "placement" not in offered.services
    assert offered.failures["placement"].startswith("no version document with a status")


@pytest.mark.releases("queens", "zed")
def test_block_storage_endpoint_keeps_project(
    fake_cloud: FakeCloud, cloud_registry: Registry
) -> None:
    api = cloud_registry.clouds.versions("test").api("block-storage", 3)
    assert api is not None
    assert api.endpoint == fake_cloud.endpoint("block-storage").rstrip("/")


@pytest.mark.parametrize(
    ("release", "servers_list", "microversion"),
    [
        ("queens", "2.0.0", "2.60"),
        ("train", "2.0.0", "2.79"),
        ("zed", "2.0.0", "2.93"),
        ("epoxy", "2.0.0", "2.100"),
        ("gazpacho", "2.0.0", "2.100"),
    ],
)
def test_resolution_per_release(
    fake_cloud_factory, release: str, servers_list: str, microversion: str
) -> None:
    cloud = fake_cloud_factory(release)
    registry = Registry.from_installed(cloud_configs={"c": cloud.cloud_config()})
    resolution = registry.resolve("nova.servers_list", "c")
    assert resolution.version == servers_list
    assert resolution.microversions == {"compute": microversion}
    assert resolution.services["compute"].endpoint == cloud.endpoint("compute").rstrip(
        "/"
    )
    assert registry.resolve("nova.servers_list@1", "c").microversions == {
        "compute": "2.46"
    }


def test_cloud_missing_service(fake_cloud_factory) -> None:
    cloud = fake_cloud_factory("zed", services=["compute", "identity"])
    registry = Registry.from_installed(cloud_configs={"small": cloud.cloud_config()})
    with pytest.raises(ResolutionError) as caught:
        registry.resolve("cinder.volumes_list", "small")
    assert str(caught.value).splitlines()[0] == (
        "Cannot resolve cinder.volumes_list: its only version needs block-storage 3.0 "
        "to 3.71; the cloud (RegionOne) has no block-storage service in its catalog."
    )


def test_two_clouds_side_by_side(fake_cloud_factory) -> None:
    old = fake_cloud_factory("queens")
    new = fake_cloud_factory("gazpacho")
    registry = Registry.from_installed(
        cloud_configs={"old": old.cloud_config(), "new": new.cloud_config()}
    )
    assert registry.resolve("cinder.volumes_list", "old").microversions == {
        "block-storage": "3.50"
    }
    assert registry.resolve("cinder.volumes_list", "new").microversions == {
        "block-storage": "3.71"
    }


def test_cache_reused_until_expiry(
    fake_cloud: FakeCloud, cloud_registry: Registry, clock: Clock
) -> None:
    first = cloud_registry.clouds.versions("test")
    calls = len(fake_cloud.calls)
    assert cloud_registry.clouds.versions("test") is first
    assert len(fake_cloud.calls) == calls
    clock.advance(timedelta(hours=2))
    again = cloud_registry.clouds.versions("test")
    assert len(fake_cloud.calls) > calls
    assert again.discovered_at == clock.now


def test_cache_persisted_in_tables(fake_cloud: FakeCloud, clock: Clock) -> None:
    store = CatalogStore.connect(None)
    CloudDirectory(
        {"test": fake_cloud.cloud_config()}, store=store, clock=clock
    ).versions("test")
    calls = len(fake_cloud.calls)
    fresh = CloudDirectory(
        {"test": fake_cloud.cloud_config()}, store=store, clock=clock
    )
    offered = fresh.versions("test")
    assert len(fake_cloud.calls) == calls
    assert offered.api("compute", 2) is not None


def test_discovery_without_credentials(
    fake_cloud: FakeCloud, cloud_registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    password = fake_cloud.cloud_config()["auth"]["password"]
    with caplog.at_level(logging.DEBUG):
        document = cloud_registry.clouds.versions("test").to_dict()
    stored = cloud_registry.store.load_cloud("test")
    assert stored is not None
    assert password not in json.dumps(document)
    assert password not in json.dumps(stored[0].to_dict())
    assert password not in caplog.text


def test_declared_release(fake_cloud: FakeCloud, clock: Clock) -> None:
    config = {**fake_cloud.cloud_config(), "openstack_release": "2025.1"}
    assert CloudDirectory({"c": config}, clock=clock).versions("c").release == "epoxy"


def test_wrong_password(fake_cloud: FakeCloud) -> None:
    config = fake_cloud.cloud_config()
    config["auth"] = {**config["auth"], "password": "wrong-password"}
    with pytest.raises(
        DiscoveryError, match="authentication to cloud 'c' failed"
    ) as caught:
        CloudDirectory({"c": config}).versions("c")
    assert "wrong-password" not in str(caught.value)


def test_unknown_cloud(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "none.yaml"))
    for name in ("OS_AUTH_URL", "OS_CLOUD", "OS_USERNAME"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(CloudNotFound, match="cloud 'nowhere' not found") as caught:
        CloudDirectory().versions("nowhere")
    assert str(caught.value).endswith("known clouds: none")
    assert "defaults" not in str(caught.value)


def test_clouds_yaml(
    fake_cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    clouds_yaml = tmp_path / "clouds.yaml"
    clouds_yaml.write_text(json.dumps({"clouds": {"lab": fake_cloud.cloud_config()}}))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds_yaml))
    offered = CloudDirectory().versions("lab")
    assert offered.cloud == "lab"
    assert offered.api("compute", 2) is not None


def test_empty_cloud_name() -> None:
    with pytest.raises(CloudNotFound, match="cloud name is empty"):
        CloudDirectory().versions("")


def test_config_without_auth_url() -> None:
    config = {"auth": {"username": "u", "password": "p"}, "auth_type": "password"}
    with pytest.raises(DiscoveryError, match="invalid configuration of cloud 'c'"):
        CloudDirectory({"c": config}).versions("c")
