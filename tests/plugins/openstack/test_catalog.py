"""The OpenStack plugin's catalogue: names, versions, docs and version splits."""

from __future__ import annotations

import pytest

from action_sdk import ActionDescriptor
from registry.catalog import PluginCatalog
from registry.resolution import resolve
from registry.versions import CloudVersions, explicit_versions
from testing.releases import RELEASES, service_release

MICROVERSIONED = ("compute", "block-storage", "placement", "baremetal")
#: Actions with more than one version, and the version each release resolves to.
SPLITS = {
    "nova.servers_list": ["2.0.0"] * 5,
    "nova.servers_get": ["2.0.0"] * 5,
    "nova.servers_create": ["2.0.0"] * 5,
    "nova.servers_live_migrate": ["2.0.0"] * 5,
    "nova.servers_create_image": ["2.0.0"] * 5,
    "nova.server_groups_list": ["1.0.0"] + ["2.0.0"] * 4,
    "nova.server_groups_get": ["1.0.0"] + ["2.0.0"] * 4,
    "nova.server_groups_create": ["1.0.0"] + ["2.0.0"] * 4,
    "nova.hypervisors_list": ["1.0.0"] * 2 + ["2.0.0"] * 3,
    "nova.hypervisors_get": ["1.0.0"] * 2 + ["2.0.0"] * 3,
    "nova.volumes_get_server_volumes": ["1.0.0"] * 2 + ["2.0.0"] * 3,
    "nova.volumes_get_server_volume": ["1.0.0"] * 2 + ["2.0.0"] * 3,
    "nova.volumes_create_server_volume": ["1.0.0"] * 4 + ["2.0.0"],
    "placement.resource_providers_create": ["1.0.0"] + ["2.0.0"] * 4,
}


def release_versions(release: str) -> CloudVersions:
    """Return what a cloud of the release offers, from the release facts."""
    offered = [
        "image=2",
        "network=2",
        "orchestration=1",
        "identity=3",
        "object-store=1",
    ]
    for service in MICROVERSIONED:
        low, high = service_release(service, release).microversion_range() or ("", "")
        offered.append(f"{service}={low}-{high}")
    return explicit_versions(offered)


def openstack_actions(catalog: PluginCatalog) -> list[ActionDescriptor]:
    return [
        descriptor
        for versions in catalog.actions.values()
        for descriptor in versions
        if descriptor.plugin == "openstack"
    ]


def test_action_count(catalog: PluginCatalog) -> None:
    names = {d.name for d in openstack_actions(catalog)}
    assert len(names) == 128
    assert len(openstack_actions(catalog)) == 142
    prefixes = {name.split(".")[0] for name in names}
    assert prefixes == {
        "nova",
        "cinder",
        "glance",
        "neutron",
        "swift",
        "ironic",
        "heat",
        "keystone",
        "placement",
    }


def test_multi_version_actions_are_the_splits(catalog: PluginCatalog) -> None:
    split = {
        name
        for name, versions in catalog.actions.items()
        if len(versions) > 1 and versions[0].plugin == "openstack"
    }
    assert split == set(SPLITS)


@pytest.mark.parametrize("name", sorted(SPLITS))
def test_split_resolves_per_release(catalog: PluginCatalog, name: str) -> None:
    resolved = [
        resolve(name, release_versions(release), catalog).version
        for release in RELEASES
    ]
    assert resolved == SPLITS[name]


@pytest.mark.parametrize("name", sorted(SPLITS))
def test_split_descriptions_name_their_range(catalog: PluginCatalog, name: str) -> None:
    for descriptor in catalog.actions[name]:
        (requirement,) = descriptor.requirements
        first_line = descriptor.description.splitlines()[0]
        expected = f"({requirement.service_type} {requirement.min_microversion}"
        assert expected in first_line, descriptor.version


def test_every_parameter_is_documented(catalog: PluginCatalog) -> None:
    undocumented = [
        f"{d.name}@{d.version}: {p.name}"
        for d in openstack_actions(catalog)
        for p in d.parameters
        if not p.description
    ]
    assert undocumented == []


def test_descriptions_fit_a_catalogue_line(catalog: PluginCatalog) -> None:
    long_lines = [
        d.name
        for d in openstack_actions(catalog)
        if not d.description or len(d.description.splitlines()[0]) > 84
    ]
    assert long_lines == []


@pytest.mark.parametrize(
    ("name", "parameter"),
    [
        ("nova.servers_create", "admin_pass"),
        ("nova.servers_rebuild", "password"),
        ("ironic.node_set_provision_state", "rescue_password"),
    ],
)
def test_passwords_are_secret(
    catalog: PluginCatalog, name: str, parameter: str
) -> None:
    for descriptor in catalog.actions[name]:
        (param,) = [p for p in descriptor.parameters if p.name == parameter]
        assert param.secret


def test_deprecated_statistics(catalog: PluginCatalog) -> None:
    deprecation = catalog.get("nova.hypervisors_statistics").deprecated
    assert deprecation is not None
    assert deprecation.replacement == "placement.inventories_list@1"


@pytest.mark.parametrize(
    ("release", "expected"),
    [("queens", "2.60"), ("zed", "2.87"), ("gazpacho", "2.87")],
)
def test_statistics_capped_at_2_87(
    catalog: PluginCatalog, release: str, expected: str
) -> None:
    resolution = resolve(
        "nova.hypervisors_statistics", release_versions(release), catalog
    )
    assert resolution.microversions == {"compute": expected}


@pytest.mark.parametrize("release", RELEASES)
def test_every_action_resolves_on_every_release(
    catalog: PluginCatalog, release: str
) -> None:
    offered = release_versions(release)
    for name in {d.name for d in openstack_actions(catalog)}:
        resolve(name, offered, catalog)
