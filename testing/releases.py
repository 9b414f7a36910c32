"""Release facts of the OpenStack services that the fake clouds serve.

Each fact was read from the service's version discovery output at the
release's tag: API major versions, their status as the service spells it,
microversion ranges, the `updated` dates and the URL shape of the links.
`testing.documents` builds the JSON documents from these facts.
Object-store (swift) has no version discovery, so its only facts are the
API version in its catalog URL and the release tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

#: OpenStack releases with facts, oldest first.
RELEASES: tuple[str, ...] = ("queens", "train", "zed", "epoxy", "gazpacho")

#: Official service types (service-types-authority) with facts, in catalog order.
SERVICE_TYPES: tuple[str, ...] = (
    "identity",
    "compute",
    "block-storage",
    "image",
    "network",
    "orchestration",
    "placement",
    "baremetal",
    "shared-file-system",
    "object-store",
)


class SelfLink(Enum):
    """URL shape of the `self` link in a version entry."""

    ABSOLUTE = "absolute"  # full URL of the versioned endpoint
    RELATIVE = "relative"  # the empty relative URL "" (placement from Train on)
    MISSING = "missing"  # no `links` key at all (placement in Queens)


@dataclass(frozen=True)
class ApiVersion:
    """One API major version as a service lists it in its discovery document.

    `status` keeps the service's own spelling (keystone writes `stable`).
    `path` is the path of the versioned endpoint below the service root, with
    the trailing slash the service writes. Microversion bounds are None for an
    API without microversions.
    """

    id: str
    status: str | None
    path: str
    min_microversion: str | None = None
    max_microversion: str | None = None
    updated: str | None = None
    media_type: str | None = None
    self_link: SelfLink = SelfLink.ABSOLUTE

    @property
    def has_microversions(self) -> bool:
        """Whether requests to this API negotiate a microversion."""
        return self.max_microversion is not None


@dataclass(frozen=True)
class ServiceRelease:
    """Discovery facts of one service at one release."""

    service_type: str
    release: str
    project_version: str
    versions: tuple[ApiVersion, ...]

    @property
    def current(self) -> ApiVersion:
        """Return the entry a client picks: CURRENT (or stable), else the last."""
        for version in self.versions:
            if version.status is not None and version.status.upper() in (
                "CURRENT",
                "STABLE",
            ):
                return version
        return self.versions[-1]

    def microversion_range(self) -> tuple[str, str] | None:
        """Return (min, max) microversion of the current API, or None."""
        current = self.current
        if current.min_microversion is None or current.max_microversion is None:
            return None
        return (current.min_microversion, current.max_microversion)


def _per_release(*values: str) -> dict[str, str]:
    """Map each release, oldest first, to one value."""
    if len(values) != len(RELEASES):
        raise ValueError(f"expected {len(RELEASES)} values, got {len(values)}")
    return dict(zip(RELEASES, values, strict=True))


#: Project version (release tag) per service and release.
PROJECT_VERSIONS: dict[str, dict[str, str]] = {
    "compute": _per_release("17.0.0", "20.0.0", "26.0.0", "31.0.0", "33.0.0"),
    "block-storage": _per_release("12.0.0", "15.0.0", "21.0.0", "26.0.0", "28.0.0"),
    "image": _per_release("16.0.0", "19.0.0", "25.0.0", "30.0.0", "32.0.0"),
    "network": _per_release("12.0.0", "15.0.0", "21.0.0", "26.0.0", "28.0.0"),
    "identity": _per_release("13.0.0", "16.0.0", "22.0.0", "27.0.0", "29.0.0"),
    "orchestration": _per_release("10.0.0", "13.0.0", "19.0.0", "24.0.0", "26.0.0"),
    # Queens placement shipped inside nova 17.0.0.
    "placement": _per_release("17.0.0", "2.0.0", "8.0.0", "13.0.0", "15.0.0"),
    "baremetal": _per_release("10.1.0", "13.0.0", "21.1.0", "29.0.0", "35.0.0"),
    "shared-file-system": _per_release("6.0.0", "9.0.0", "15.0.0", "20.0.0", "22.0.0"),
    # NOTE: 2.37.0 for Gazpacho is an estimate; the others are the releases'
    # final swift tags.
    "object-store": _per_release("2.17.0", "2.23.0", "2.30.0", "2.35.0", "2.37.0"),
}


def _compute(release: str) -> tuple[ApiVersion, ...]:
    max_version = _per_release("2.60", "2.79", "2.93", "2.100", "2.103")[release]
    legacy_status = "DEPRECATED" if release == "gazpacho" else "SUPPORTED"
    legacy_updated = (
        "2025-07-04T12:00:00Z" if release == "gazpacho" else "2011-01-21T11:33:21Z"
    )
    return (
        ApiVersion("v2.0", legacy_status, "/v2/", "", "", legacy_updated),
        ApiVersion(
            "v2.1",
            "CURRENT",
            "/v2.1/",
            "2.1",
            max_version,
            "2013-07-23T11:33:21Z",
            "application/vnd.openstack.compute+json;version=2.1",
        ),
    )


def _block_storage(release: str) -> tuple[ApiVersion, ...]:
    max_version = _per_release("3.50", "3.59", "3.70", "3.71", "3.71")[release]
    updated = _per_release(
        "2017-09-19T20:18:14Z",
        "2018-07-17T00:00:00Z",
        "2022-08-31T00:00:00Z",
        "2023-08-31T00:00:00Z",
        "2023-08-31T00:00:00Z",
    )[release]
    v3 = ApiVersion(
        "v3.0",
        "CURRENT",
        "/v3/",
        "3.0",
        max_version,
        updated,
        "application/vnd.openstack.volume+json;version=3",
    )
    # The v2 API was removed in Xena (cinder 19.0.0).
    if release in ("queens", "train"):
        v2 = ApiVersion(
            "v2.0",
            "DEPRECATED",
            "/v2/",
            "",
            "",
            "2017-02-25T12:00:00Z",
            "application/vnd.openstack.volume+json;version=2",
        )
        return (v2, v3)
    return (v3,)


#: Glance minor versions in the order glance/api/versions.py emits them when
#: both `enabled_backends` and `image_cache_dir` are set, with the CURRENT one.
_IMAGE_ORDER: dict[str, tuple[tuple[str, ...], str]] = {
    "queens": (("2.6", "2.5", "2.4", "2.3", "2.2", "2.1", "2.0", "1.1", "1.0"), "2.6"),
    "train": (
        ("2.8", "2.9", "2.7", "2.6", "2.5", "2.4", "2.3", "2.2", "2.1", "2.0"),
        "2.9",
    ),
    "zed": (tuple(f"2.{minor}" for minor in range(16, -1, -1)), "2.16"),
    "epoxy": (
        tuple(f"2.{minor}" for minor in range(16, 7, -1))
        + ("2.17",)
        + tuple(f"2.{minor}" for minor in range(7, -1, -1)),
        "2.17",
    ),
}
_IMAGE_ORDER["gazpacho"] = _IMAGE_ORDER["epoxy"]


def _image(release: str) -> tuple[ApiVersion, ...]:
    order, current = _IMAGE_ORDER[release]
    versions = []
    for number in order:
        if number == current:
            status = "CURRENT"
        elif number.startswith("1."):
            status = "DEPRECATED"
        else:
            status = "SUPPORTED"
        path = f"/v{number.split('.')[0]}/"
        versions.append(ApiVersion(f"v{number}", status, path))
    return tuple(versions)


def _network(release: str) -> tuple[ApiVersion, ...]:
    return (ApiVersion("v2.0", "CURRENT", "/v2.0/"),)


def _identity(release: str) -> tuple[ApiVersion, ...]:
    number, updated = {
        "queens": ("3.10", "2018-02-28T00:00:00Z"),
        "train": ("3.13", "2019-07-19T00:00:00Z"),
    }.get(release, ("3.14", "2020-04-07T00:00:00Z"))
    v3 = ApiVersion(
        f"v{number}",
        "stable",
        "/v3/",
        updated=updated,
        media_type="application/vnd.openstack.identity-v3+json",
    )
    # Queens still lists v2.0 because its paste pipeline kept it for ec2tokens.
    if release == "queens":
        v2 = ApiVersion(
            "v2.0",
            "deprecated",
            "/v2.0/",
            updated="2016-08-04T00:00:00Z",
            media_type="application/vnd.openstack.identity-v2.0+json",
        )
        return (v2, v3)
    return (v3,)


def _orchestration(release: str) -> tuple[ApiVersion, ...]:
    return (ApiVersion("v1.0", "CURRENT", "/v1/"),)


def _placement(release: str) -> tuple[ApiVersion, ...]:
    max_version = _per_release("1.17", "1.36", "1.39", "1.39", "1.39")[release]
    # Queens placement (inside nova) lists neither status nor links.
    if release == "queens":
        return (
            ApiVersion(
                "v1.0", None, "", "1.0", max_version, self_link=SelfLink.MISSING
            ),
        )
    return (
        ApiVersion(
            "v1.0", "CURRENT", "", "1.0", max_version, self_link=SelfLink.RELATIVE
        ),
    )


def _baremetal(release: str) -> tuple[ApiVersion, ...]:
    max_version = _per_release("1.38", "1.58", "1.80", "1.96", "1.111")[release]
    return (ApiVersion("v1", "CURRENT", "/v1/", "1.1", max_version),)


def _shared_file_system(release: str) -> tuple[ApiVersion, ...]:
    max_version = _per_release("2.42", "2.51", "2.73", "2.89", "2.95")[release]
    media_type = "application/vnd.openstack.share+json;version=1"
    updated = "2015-08-27T11:33:21Z"
    v2 = ApiVersion("v2.0", "CURRENT", "/v2/", "2.0", max_version, updated, media_type)
    # The v1 API was removed in manila 22.0.0 (Gazpacho).
    if release == "gazpacho":
        return (v2,)
    v1 = ApiVersion("v1.0", "DEPRECATED", "/v1/", "", "", updated, media_type)
    return (v1, v2)


def _object_store(release: str) -> tuple[ApiVersion, ...]:
    # Swift serves no version document, so the version has no status. Clients
    # take v1 from the catalog URL, /v1/AUTH_<project id>.
    return (ApiVersion("v1.0", None, "/v1/"),)


_BUILDERS = {
    "identity": _identity,
    "compute": _compute,
    "block-storage": _block_storage,
    "image": _image,
    "network": _network,
    "orchestration": _orchestration,
    "placement": _placement,
    "baremetal": _baremetal,
    "shared-file-system": _shared_file_system,
    "object-store": _object_store,
}


def check_release(release: str) -> str:
    """Return `release` if it has facts, else raise ValueError naming the choices."""
    if release not in RELEASES:
        raise ValueError(
            f"unknown OpenStack release {release!r}; "
            f"expected one of: {', '.join(RELEASES)}"
        )
    return release


def check_service_type(service_type: str) -> str:
    """Return `service_type` if it has facts, else raise ValueError."""
    if service_type not in SERVICE_TYPES:
        raise ValueError(
            f"unknown service type {service_type!r}; expected one of the "
            f"official types: {', '.join(SERVICE_TYPES)}"
        )
    return service_type


def service_release(service_type: str, release: str) -> ServiceRelease:
    """Return the discovery facts of `service_type` at `release`.

    Raises:
        ValueError: the release or the service type has no facts.
    """
    check_release(release)
    check_service_type(service_type)
    return ServiceRelease(
        service_type=service_type,
        release=release,
        project_version=PROJECT_VERSIONS[service_type][release],
        versions=_BUILDERS[service_type](release),
    )


def release_services(release: str) -> dict[str, ServiceRelease]:
    """Return the facts of every service at `release`, keyed by service type."""
    return {
        service_type: service_release(service_type, release)
        for service_type in SERVICE_TYPES
    }
