"""Release facts: lookups, ranges and the service table."""

from __future__ import annotations

import pytest

from testing.releases import (
    RELEASES,
    SERVICE_TYPES,
    check_release,
    release_services,
    service_release,
)
from testing.services import SERVICES


@pytest.mark.parametrize(
    ("service_type", "release", "expected"),
    [
        ("compute", "queens", ("2.1", "2.60")),
        ("compute", "gazpacho", ("2.1", "2.103")),
        ("block-storage", "train", ("3.0", "3.59")),
        ("block-storage", "gazpacho", ("3.0", "3.71")),
        ("placement", "queens", ("1.0", "1.17")),
        ("placement", "epoxy", ("1.0", "1.39")),
        ("baremetal", "gazpacho", ("1.1", "1.111")),
        ("shared-file-system", "zed", ("2.0", "2.73")),
        ("image", "zed", None),
        ("network", "epoxy", None),
        ("identity", "queens", None),
        ("orchestration", "train", None),
    ],
)
def test_microversion_range(
    service_type: str, release: str, expected: tuple[str, str] | None
) -> None:
    assert service_release(service_type, release).microversion_range() == expected


@pytest.mark.parametrize(
    ("service_type", "release", "ids"),
    [
        ("block-storage", "train", ["v2.0", "v3.0"]),
        ("block-storage", "zed", ["v3.0"]),
        ("shared-file-system", "epoxy", ["v1.0", "v2.0"]),
        ("shared-file-system", "gazpacho", ["v2.0"]),
        ("identity", "queens", ["v2.0", "v3.10"]),
        ("identity", "train", ["v3.13"]),
    ],
)
def test_removed_major_versions(
    service_type: str, release: str, ids: list[str]
) -> None:
    versions = service_release(service_type, release).versions
    assert [version.id for version in versions] == ids


@pytest.mark.parametrize(
    ("release", "current", "count"),
    [
        ("queens", "v2.6", 9),
        ("train", "v2.9", 10),
        ("zed", "v2.16", 17),
        ("epoxy", "v2.17", 18),
        ("gazpacho", "v2.17", 18),
    ],
)
def test_image_lists_minor_versions(release: str, current: str, count: int) -> None:
    facts = service_release("image", release)
    assert facts.current.id == current
    assert len(facts.versions) == count
    assert len({version.id for version in facts.versions}) == count


def test_compute_v2_deprecated_in_gazpacho() -> None:
    statuses = [service_release("compute", r).versions[0].status for r in RELEASES]
    assert statuses == ["SUPPORTED"] * 4 + ["DEPRECATED"]


def test_every_release_has_every_service() -> None:
    for release in RELEASES:
        assert tuple(release_services(release)) == SERVICE_TYPES


def test_service_table_matches_release_table() -> None:
    assert tuple(SERVICES) == SERVICE_TYPES
    ports = [spec.port for spec in SERVICES.values()]
    assert len(set(ports)) == len(ports)


def test_unknown_release_lists_choices() -> None:
    with pytest.raises(ValueError, match="unknown OpenStack release 'rocky'") as error:
        check_release("rocky")
    assert "queens, train, zed, epoxy, gazpacho" in str(error.value)


def test_unknown_service_type_lists_choices() -> None:
    with pytest.raises(ValueError, match="unknown service type 'volumev3'") as error:
        service_release("volumev3", "zed")
    assert "block-storage" in str(error.value)
