import logging

import pytest

import plugins.openstack
from action_sdk import Deprecation, ServiceRequirement, action, hookimpl
from registry.catalog import PluginCatalog
from registry.discovery import catalog_from_plugins
from registry.errors import ActionNotFound, InvalidPin
from registry.registry import resolve_for_task
from registry.resolution import ResolutionError, resolve
from registry.versions import ApiVersion, CloudVersions, explicit_versions

FPING_NOTE = Deprecation(
    reason="nova removed os-fping", replacement="neutron.ports_list@1"
)


@action(
    "demo.fping",
    version="1.0.0",
    requirements=(ServiceRequirement("compute", 2, removed_in="rocky"),),
    deprecated=FPING_NOTE,
)
def fping() -> None:
    pass


@action(
    "demo.hosts",
    version="1.0.0",
    requirements=(ServiceRequirement("compute", 2, "2.1", "2.52"),),
)
def hosts_v1() -> None:
    pass


@action(
    "demo.hosts",
    version="2.0.0",
    requirements=(ServiceRequirement("compute", 2, "2.53"),),
)
def hosts_v2() -> None:
    pass


@action(
    "demo.hosts",
    version="3.0.0",
    requirements=(ServiceRequirement("compute", 2, "2.96"),),
)
def hosts_v3() -> None:
    pass


@action(
    "demo.volume_hosts",
    version="1.0.0",
    requirements=(
        ServiceRequirement("compute", 2, "2.1"),
        ServiceRequirement("block-storage", 3, "3.44"),
    ),
)
def volume_hosts() -> None:
    pass


@action(
    "demo.gone",
    version="1.0.0",
    requirements=(ServiceRequirement("compute", 2, removed_in="compute 2.65"),),
)
def gone() -> None:
    pass


@action(
    "demo.stein_gone",
    version="1.0.0",
    requirements=(ServiceRequirement("compute", 2, removed_in="stein"),),
)
def stein_gone() -> None:
    pass


@action("demo.local")
def local() -> str:
    return "ok"


class DemoPlugin:
    @hookimpl
    def levante_actions(self) -> list[object]:
        return [
            fping,
            hosts_v1,
            hosts_v2,
            hosts_v3,
            volume_hosts,
            gone,
            stein_gone,
            local,
        ]


@pytest.fixture(scope="module")
def catalog() -> PluginCatalog:
    return catalog_from_plugins(
        {"demo": DemoPlugin(), "openstack": plugins.openstack.plugin}
    )


ZED = CloudVersions(
    cloud="zed",
    region="RegionOne",
    services={
        "compute": (
            ApiVersion(
                "compute",
                2,
                "2.1",
                "CURRENT",
                "http://127.0.0.1:8774/v2.1",
                "2.1",
                "2.93",
            ),
        )
    },
)

#: compute maximum, block-storage maximum and image version of each release.
RELEASES = {
    "queens": ("2.60", "3.50", "2.6"),
    "train": ("2.79", "3.59", "2.9"),
    "zed": ("2.93", "3.70", "2.16"),
    "epoxy": ("2.100", "3.71", "2.17"),
    "gazpacho": ("2.103", "3.71", "2.17"),
}


def release_versions(release: str) -> CloudVersions:
    compute, block_storage, image = RELEASES[release]
    return explicit_versions(
        [f"compute={compute}", f"block-storage={block_storage}", f"image={image}"]
    )


@pytest.mark.parametrize(
    ("release", "servers_list", "compute", "servers_get"),
    [
        ("queens", "2.0.0", "2.60", "2.60"),
        ("train", "2.0.0", "2.79", "2.79"),
        ("zed", "2.0.0", "2.93", "2.93"),
        ("epoxy", "2.0.0", "2.100", "2.100"),
        ("gazpacho", "2.0.0", "2.100", "2.100"),
    ],
)
def test_servers_list_per_release(
    catalog: PluginCatalog,
    release: str,
    servers_list: str,
    compute: str,
    servers_get: str,
) -> None:
    offered = release_versions(release)
    resolution = resolve("nova.servers_list", offered, catalog)
    assert resolution.version == servers_list
    assert resolution.microversions == {"compute": compute}
    assert resolve("nova.servers_get", offered, catalog).microversions == {
        "compute": servers_get
    }


@pytest.mark.parametrize("release", list(RELEASES))
def test_servers_list_pin_one(catalog: PluginCatalog, release: str) -> None:
    resolution = resolve("nova.servers_list@1", release_versions(release), catalog)
    assert resolution.version == "1.0.0"
    assert resolution.microversions == {"compute": "2.46"}


@pytest.mark.parametrize(
    ("release", "microversion"),
    [
        ("queens", "3.50"),
        ("train", "3.59"),
        ("zed", "3.70"),
        ("epoxy", "3.71"),
        ("gazpacho", "3.71"),
    ],
)
def test_volumes_list_per_release(
    catalog: PluginCatalog, release: str, microversion: str
) -> None:
    resolution = resolve("cinder.volumes_list", release_versions(release), catalog)
    assert resolution.microversions == {"block-storage": microversion}


def test_images_list_has_no_microversion(catalog: PluginCatalog) -> None:
    resolution = resolve("glance.images_list", release_versions("zed"), catalog)
    assert resolution.microversions == {"image": None}
    assert resolution.services["image"].api_version == "2.16"


def test_reboot_sends_base_microversion(catalog: PluginCatalog) -> None:
    resolution = resolve("nova.servers_reboot", release_versions("epoxy"), catalog)
    assert resolution.microversions == {"compute": "2.1"}


@pytest.mark.parametrize(
    ("compute", "version", "microversion"),
    [
        ("2.40", "1.0.0", "2.40"),
        ("2.52", "1.0.0", "2.52"),
        ("2.60", "2.0.0", "2.60"),
        ("2.96", "3.0.0", "2.96"),
    ],
)
def test_highest_fitting_version(
    catalog: PluginCatalog, compute: str, version: str, microversion: str
) -> None:
    resolution = resolve(
        "demo.hosts", explicit_versions([f"compute={compute}"]), catalog
    )
    assert resolution.version == version
    assert resolution.microversions == {"compute": microversion}


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("demo.hosts@2", "2.0.0"),
        ("demo.hosts@>=1,<3", "2.0.0"),
        ("demo.hosts@==1.0.0", "1.0.0"),
        ("demo.hosts@1", "1.0.0"),
    ],
)
def test_pinned_resolution(catalog: PluginCatalog, name: str, version: str) -> None:
    assert resolve(name, ZED, catalog).version == version


def test_pin_only_old_cloud_satisfies(catalog: PluginCatalog) -> None:
    old = explicit_versions(["compute=2.60"], release="queens")
    assert resolve("demo.fping@1", old, catalog).version == "1.0.0"
    with pytest.raises(ResolutionError, match="removed in Rocky"):
        resolve("demo.fping@1", release_versions("train"), catalog)


def test_pin_error_exact_text(catalog: PluginCatalog) -> None:
    with pytest.raises(ResolutionError) as caught:
        resolve("demo.hosts@3", ZED, catalog)
    assert str(caught.value) == (
        "Cannot resolve demo.hosts@3: task pins version 3, whose only release needs "
        "compute 2.96 or later; the cloud (RegionOne) offers compute 2.1 to 2.93.\n"
        "Installed versions:\n"
        "  3.0.0 (needs compute 2.96 or later): the cloud (RegionOne) offers "
        "compute 2.1 to 2.93\n"
        "  2.0.0 (needs compute 2.53 or later): outside the pin (it would fit)\n"
        "  1.0.0 (needs compute 2.1 to 2.52): outside the pin (it would fit)\n"
        "Offered: compute 2.1 to 2.93."
    )


def test_error_facts(catalog: PluginCatalog) -> None:
    with pytest.raises(ResolutionError) as caught:
        resolve("demo.hosts@3", ZED, catalog)
    error = caught.value
    assert error.pin == "3"
    assert error.region == "RegionOne"
    assert [r.version for r in error.rejections] == ["3.0.0", "2.0.0", "1.0.0"]
    assert error.offered == {"compute": "compute 2.1 to 2.93"}


def test_cloud_missing_service(catalog: PluginCatalog) -> None:
    with pytest.raises(ResolutionError) as caught:
        resolve("demo.volume_hosts", ZED, catalog)
    assert str(caught.value).splitlines()[0] == (
        "Cannot resolve demo.volume_hosts: its only version needs compute 2.1 or later "
        "and block-storage 3.44 or later; the cloud (RegionOne) has no block-storage "
        "service in its catalog."
    )


def test_pin_matches_nothing(catalog: PluginCatalog) -> None:
    with pytest.raises(
        ResolutionError, match=r"no installed version matches the pin \(version 4\)"
    ):
        resolve("demo.hosts@4", ZED, catalog)


def test_nothing_fits_lists_all(catalog: PluginCatalog) -> None:
    with pytest.raises(ResolutionError) as caught:
        resolve("demo.hosts", explicit_versions(["image=2"]), catalog)
    lines = str(caught.value).splitlines()
    assert lines[0] == (
        "Cannot resolve demo.hosts: none of the 3 installed versions fits a cloud "
        "with the given versions."
    )
    assert lines[2] == (
        "  3.0.0 (needs compute 2.96 or later): a cloud with the given versions has "
        "no compute service in its catalog"
    )
    assert lines[-1] == "Offered: no compute service."


def test_major_mismatch(catalog: PluginCatalog) -> None:
    offered = CloudVersions(
        cloud="c",
        region="R",
        services={
            "block-storage": (
                ApiVersion(
                    "block-storage", 2, "2.0", "DEPRECATED", "http://127.0.0.1:8776/v2"
                ),
            ),
            "compute": (
                ApiVersion("compute", 2, "2.1", "CURRENT", None, "2.1", "2.60"),
            ),
        },
    )
    with pytest.raises(
        ResolutionError,
        match=r"the cloud \(R\) offers block-storage v2 \(2.0\), not v3",
    ):
        resolve("demo.volume_hosts", offered, catalog)


def test_discovery_failure_reason(catalog: PluginCatalog) -> None:
    offered = CloudVersions(cloud="c", region="R", failures={"compute": "no document"})
    with pytest.raises(
        ResolutionError,
        match=r"version discovery of compute on the cloud \(R\) failed: no document",
    ):
        resolve("demo.hosts", offered, catalog)


@pytest.mark.parametrize(
    ("release", "fits"),
    [
        ("queens", True),
        ("train", False),
        ("zed", False),
        ("epoxy", False),
        ("gazpacho", False),
    ],
)
def test_removed_release_refusal(
    catalog: PluginCatalog, release: str, fits: bool
) -> None:
    offered = release_versions(release)
    if fits:
        assert resolve("demo.fping", offered, catalog).microversions == {
            "compute": "2.1"
        }
        return
    with pytest.raises(ResolutionError) as caught:
        resolve("demo.fping", offered, catalog)
    assert (
        "the API was removed in Rocky, and a cloud with the given versions runs"
        in str(caught.value)
    )


def test_removed_release_unknown_asks_to_declare(catalog: PluginCatalog) -> None:
    with pytest.raises(
        ResolutionError, match="so it may be gone; declare the cloud's release"
    ):
        resolve("demo.stein_gone", explicit_versions(["compute=2.65"]), catalog)


def test_removed_release_declared(catalog: PluginCatalog) -> None:
    offered = explicit_versions(["compute=2.65"], release="rocky")
    assert resolve("demo.stein_gone", offered, catalog).version == "1.0.0"


def test_removed_release_inferred_before(catalog: PluginCatalog) -> None:
    assert (
        resolve("demo.fping", explicit_versions(["compute=2.50"]), catalog).version
        == "1.0.0"
    )


def test_removed_microversion_fact(catalog: PluginCatalog) -> None:
    assert (
        resolve("demo.gone", explicit_versions(["compute=2.60"]), catalog).version
        == "1.0.0"
    )
    with pytest.raises(
        ResolutionError, match="removed from clouds that offer compute 2.65, and"
    ):
        resolve("demo.gone", explicit_versions(["compute=2.65"]), catalog)


def test_deprecated_logged(
    catalog: PluginCatalog, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="registry.resolution"):
        resolve("demo.fping", release_versions("queens"), catalog)
    assert caplog.messages == [
        "Action demo.fping 1.0.0 (plugin demo) is deprecated: nova removed os-fping; "
        "use neutron.ports_list@1"
    ]


def test_action_without_requirements(catalog: PluginCatalog) -> None:
    resolution = resolve_for_task(catalog, "demo.local", None)
    assert resolution.version == "1.0.0"
    assert resolution.services == {}


def test_no_cloud_reason(catalog: PluginCatalog) -> None:
    with pytest.raises(
        ResolutionError, match=r"the task's cloud \(none given\) has no compute"
    ):
        resolve_for_task(catalog, "demo.hosts", None)


def test_cloud_name_needs_registry(catalog: PluginCatalog) -> None:
    with pytest.raises(TypeError, match="cannot discover a cloud by name"):
        resolve_for_task(catalog, "demo.hosts", "mycloud")


def test_unknown_action(catalog: PluginCatalog) -> None:
    with pytest.raises(ActionNotFound, match="did you mean demo.hosts"):
        resolve("demo.host", ZED, catalog)


def test_bad_pin(catalog: PluginCatalog) -> None:
    with pytest.raises(InvalidPin):
        resolve("demo.hosts@x", ZED, catalog)


def test_resolution_to_dict(catalog: PluginCatalog) -> None:
    document = resolve("demo.hosts@2", ZED, catalog).to_dict()
    assert document == {
        "action": "demo.hosts",
        "pin": "2",
        "version": "2.0.0",
        "plugin": "demo",
        "cloud": "zed",
        "region": "RegionOne",
        "deprecated": None,
        "services": {
            "compute": {
                "service_type": "compute",
                "major": 2,
                "api_version": "2.1",
                "microversion": "2.93",
                "endpoint": "http://127.0.0.1:8774/v2.1",
                "requirement": "compute 2.53 or later",
            }
        },
    }


@action("demo.unofficial", requirements=(ServiceRequirement("frobnicator", 1),))
def unofficial() -> None:
    pass


class UnofficialPlugin:
    @hookimpl
    def levante_actions(self) -> list[object]:
        return [unofficial]


def test_unofficial_service_type_fails_plugin() -> None:
    catalog = catalog_from_plugins({"odd": UnofficialPlugin()})
    assert catalog.plugins == []
    assert (
        "'frobnicator', which is not an official OpenStack service type"
        in catalog.failures[0].error
    )
