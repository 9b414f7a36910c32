"""API versions that a cloud offers, per service type.

``CloudVersions`` is what discovery returns and what resolution reads. It can
also be built from explicitly given service versions (``compute=2.60``) to
ask "what would run on such a cloud" without one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from action_sdk._requirements import (
    MICROVERSIONED_SERVICES,
    Microversion,
    normalize_release,
    official_service_type,
)
from registry.errors import InvalidServiceVersion

#: Discovery statuses in order of preference when a major version is listed
#: more than once.
STATUS_ORDER = ("CURRENT", "SUPPORTED", "DEPRECATED", "EXPERIMENTAL")
#: Cloud name used for versions given explicitly instead of discovered.
EXPLICIT_CLOUD = "explicit"
#: Cloud name of a task that runs without a cloud.
NO_CLOUD = "none"

_VERSION = re.compile(r"^v?(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?$")


@dataclass(frozen=True)
class ApiVersion:
    """One major API version of a service, as a cloud offers it."""

    service_type: str
    major: int
    #: Highest version of this major, such as "2.1" (compute), "2.17" (image).
    version: str
    #: CURRENT, SUPPORTED, DEPRECATED or EXPERIMENTAL.
    status: str
    #: Versioned endpoint URL; None for explicitly given versions.
    endpoint: str | None = None
    min_microversion: str | None = None
    max_microversion: str | None = None

    @property
    def minimum(self) -> Microversion | None:
        """``min_microversion`` parsed, or None."""
        return _parse_optional(self.min_microversion)

    @property
    def maximum(self) -> Microversion | None:
        """``max_microversion`` parsed, or None."""
        return _parse_optional(self.max_microversion)

    def describe(self) -> str:
        """Return the offer as text: ``compute 2.1 to 2.93`` or ``image v2 (2.17)``."""
        if self.max_microversion:
            low = self.min_microversion or MICROVERSIONED_SERVICES.get(
                self.service_type, self.max_microversion
            )
            return f"{self.service_type} {low} to {self.max_microversion}"
        return f"{self.service_type} v{self.major} ({self.version})"

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a JSON-ready dict."""
        return {
            "service_type": self.service_type,
            "major": self.major,
            "version": self.version,
            "status": self.status,
            "endpoint": self.endpoint,
            "min_microversion": self.min_microversion,
            "max_microversion": self.max_microversion,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ApiVersion:
        """Build an ``ApiVersion`` from ``to_dict`` output."""
        return cls(
            service_type=str(data["service_type"]),
            major=int(data["major"]),
            version=str(data["version"]),
            status=str(data["status"]),
            endpoint=data.get("endpoint"),
            min_microversion=data.get("min_microversion"),
            max_microversion=data.get("max_microversion"),
        )


@dataclass(frozen=True)
class CloudVersions:
    """Every service API version one cloud region offers.

    ``services`` maps an official service type to its major versions.
    ``failures`` maps a service type in the catalog whose version documents
    could not be read to the reason. ``release`` is the OpenStack release the
    operator declared for the cloud, or None.
    """

    cloud: str
    region: str | None = None
    services: Mapping[str, tuple[ApiVersion, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    failures: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    release: str | None = None
    discovered_at: datetime | None = None

    @property
    def label(self) -> str:
        """Name for messages: ``the cloud (RegionOne)`` or ``the given versions``."""
        if self.cloud == EXPLICIT_CLOUD:
            return "a cloud with the given versions"
        if self.cloud == NO_CLOUD:
            return "the task's cloud (none given)"
        if self.region:
            return f"the cloud ({self.region})"
        return f"the cloud {self.cloud}"

    def api(self, service_type: str, major: int) -> ApiVersion | None:
        """Return the offered API of a service at one major version, or None."""
        for api in self.services.get(service_type, ()):
            if api.major == major:
                return api
        return None

    def describe_service(self, service_type: str) -> str:
        """Return what the cloud offers of one service, for messages."""
        apis = self.services.get(service_type, ())
        if not apis:
            return f"no {service_type} service"
        return " and ".join(api.describe() for api in apis)

    def to_dict(self) -> dict[str, Any]:
        """Return the versions as a JSON-ready dict (no credentials in it)."""
        return {
            "cloud": self.cloud,
            "region": self.region,
            "release": self.release,
            "discovered_at": (
                self.discovered_at.isoformat() if self.discovered_at else None
            ),
            "services": {
                name: [api.to_dict() for api in apis]
                for name, apis in sorted(self.services.items())
            },
            "failures": dict(sorted(self.failures.items())),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CloudVersions:
        """Build ``CloudVersions`` from ``to_dict`` output."""
        discovered = data.get("discovered_at")
        return cls(
            cloud=data["cloud"],
            region=data.get("region"),
            release=data.get("release"),
            discovered_at=datetime.fromisoformat(discovered) if discovered else None,
            services={
                name: tuple(ApiVersion.from_dict(api) for api in apis)
                for name, apis in data.get("services", {}).items()
            },
            failures=dict(data.get("failures", {})),
        )


def explicit_versions(
    service_versions: Mapping[str, str] | Iterable[str], *, release: str | None = None
) -> CloudVersions:
    """Build ``CloudVersions`` from service versions given by hand.

    Each entry is ``service=VERSION`` (or a mapping of service to VERSION):

    - a microversioned service takes its maximum microversion (``compute=2.60``,
      the minimum being the service's base such as 2.1) or a range
      (``compute=2.10-2.60``);
    - another service takes its API version (``image=2``, ``image=2.17``).

    Raises:
        InvalidServiceVersion: An entry is malformed; the message names it and
            the allowed forms.
    """
    pairs: Iterable[tuple[str, str]]
    if isinstance(service_versions, Mapping):
        pairs = service_versions.items()
    else:
        pairs = map(_split_pair, service_versions)
    services: dict[str, tuple[ApiVersion, ...]] = {}
    for service_type, text in pairs:
        api = _explicit_api(service_type, str(text).strip())
        if service_type in services:
            raise InvalidServiceVersion(
                f"service {service_type} is given twice; give each service once"
            )
        services[service_type] = (api,)
    if release is not None:
        try:
            release = normalize_release(release)
        except ValueError as exc:
            raise InvalidServiceVersion(str(exc)) from None
    return CloudVersions(cloud=EXPLICIT_CLOUD, services=services, release=release)


def _split_pair(text: str) -> tuple[str, str]:
    name, separator, value = text.partition("=")
    if not separator or not name.strip() or not value.strip():
        raise InvalidServiceVersion(
            f"invalid service version {text!r}; use SERVICE=VERSION, such as "
            "compute=2.60, compute=2.10-2.60 or image=2"
        )
    return name.strip(), value.strip()


def _explicit_api(service_type: str, text: str) -> ApiVersion:
    try:
        official_service_type(service_type)
    except ValueError as exc:
        raise InvalidServiceVersion(str(exc)) from None
    if service_type in MICROVERSIONED_SERVICES:
        return _explicit_microversions(service_type, text)
    match = _VERSION.match(text)
    if match is None:
        raise InvalidServiceVersion(
            f"invalid version {text!r} for {service_type}; use MAJOR or "
            "MAJOR.MINOR, such as 2 or 2.17"
        )
    major, minor = match.group(1), match.group(2) or "0"
    return ApiVersion(service_type, int(major), f"{major}.{minor}", "CURRENT")


def _explicit_microversions(service_type: str, text: str) -> ApiVersion:
    base = Microversion.parse(MICROVERSIONED_SERVICES[service_type])
    low_text, dash, high_text = text.partition("-")
    try:
        high = Microversion.parse(high_text if dash else low_text)
        low = Microversion.parse(low_text) if dash else base
    except ValueError as exc:
        raise InvalidServiceVersion(
            f"{service_type}={text}: {exc}; give the maximum microversion "
            f"(such as {service_type}={base.major}.{base.minor + 50}) or a range "
            "MIN-MAX"
        ) from None
    if low.major != base.major or high.major != base.major:
        raise InvalidServiceVersion(
            f"{service_type}={text}: microversions of {service_type} start with "
            f"{base.major}. (its API major version)"
        )
    if low < base or low > high:
        raise InvalidServiceVersion(
            f"{service_type}={text}: the range must lie within {base} and the "
            "maximum, with MIN not above MAX"
        )
    return ApiVersion(
        service_type,
        base.major,
        str(base),
        "CURRENT",
        min_microversion=str(low),
        max_microversion=str(high),
    )


def _parse_optional(text: str | None) -> Microversion | None:
    if not text:
        return None
    return Microversion.parse(text)
