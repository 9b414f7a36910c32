"""Pick the action version and microversions that work on a cloud.

The functions here do no I/O. ``resolve`` reads the installed versions of an
action, an optional version pin and the API versions a cloud offers. It
returns the highest version whose every service requirement the cloud meets,
with the highest microversion that both sides support for each service. When
nothing fits, ``ResolutionError`` lists every installed version and the reason
it was rejected.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from action_sdk import ActionDescriptor, ServiceRequirement
from action_sdk._requirements import MICROVERSIONED_SERVICES, Microversion
from registry.errors import RegistryError
from registry.pins import VersionPin, split_pin
from registry.releases import ReleaseRange, declared_range, release_range
from registry.versions import ApiVersion, CloudVersions

logger = logging.getLogger(__name__)


class ActionSource(Protocol):
    """Anything that returns the installed versions of an action by name."""

    def get(self, name: str, version: str | None = None) -> ActionDescriptor:
        """Return the highest version, or the exact one; raise LookupError."""

    @property
    def actions(self) -> Mapping[str, list[ActionDescriptor]]:
        """Action name to its versions, in ascending order."""


@dataclass(frozen=True)
class ServiceChoice:
    """The API, microversion and endpoint chosen for one service of an action."""

    service_type: str
    major: int
    #: The offered API version used, such as "2.1".
    api_version: str
    #: Microversion to send, or None for services without microversions.
    microversion: str | None
    #: Versioned endpoint URL; None when resolved against given versions.
    endpoint: str | None
    requirement: ServiceRequirement

    def to_dict(self) -> dict[str, Any]:
        """Return the choice as a JSON-ready dict."""
        return {
            "service_type": self.service_type,
            "major": self.major,
            "api_version": self.api_version,
            "microversion": self.microversion,
            "endpoint": self.endpoint,
            "requirement": self.requirement.describe(),
        }


@dataclass(frozen=True)
class Resolution:
    """The action version a task runs on one cloud, with its service choices."""

    action: str
    #: The pin as written after ``@``, or None.
    pin: str | None
    descriptor: ActionDescriptor
    cloud: str
    region: str | None
    services: Mapping[str, ServiceChoice] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @property
    def version(self) -> str:
        """The chosen action version."""
        return self.descriptor.version

    @property
    def microversions(self) -> dict[str, str | None]:
        """Service type to the microversion sent, None where there is none."""
        return {name: choice.microversion for name, choice in self.services.items()}

    def to_dict(self) -> dict[str, Any]:
        """Return the resolution as a JSON-ready dict."""
        deprecated = self.descriptor.deprecated
        return {
            "action": self.action,
            "pin": self.pin,
            "version": self.version,
            "plugin": self.descriptor.plugin,
            "cloud": self.cloud,
            "region": self.region,
            "deprecated": deprecated.describe() if deprecated else None,
            "services": {
                name: choice.to_dict() for name, choice in sorted(self.services.items())
            },
        }


@dataclass(frozen=True)
class Rejection:
    """One installed version that was not chosen, and why."""

    version: str
    #: The version's requirements as text, "no service requirements" if none.
    requirements: str
    reason: str

    def describe(self) -> str:
        """Return the line shown in a resolution error."""
        return f"{self.version} (needs {self.requirements}): {self.reason}"


class ResolutionError(RegistryError):
    """No installed version of an action fits the cloud (and the pin).

    Attributes:
        action: The action name without the pin.
        pin: The pin as written, or None.
        cloud: Cloud name; "explicit" for given service versions.
        region: Region of the cloud, or None.
        rejections: Every installed version, highest first, with the reason.
        offered: Service type to what the cloud offers, for each service that
            an installed version requires.
    """

    def __init__(
        self,
        *,
        action: str,
        pin: VersionPin | None,
        cloud: CloudVersions,
        summary: str,
        rejections: Sequence[Rejection],
        offered: Mapping[str, str],
    ) -> None:
        self.action = action
        self.pin = pin.text if pin else None
        self.cloud = cloud.cloud
        self.region = cloud.region
        self.summary = summary
        self.rejections = list(rejections)
        self.offered = dict(offered)
        super().__init__(self._message())

    def _message(self) -> str:
        name = f"{self.action}@{self.pin}" if self.pin else self.action
        lines = [f"Cannot resolve {name}: {self.summary}.", "Installed versions:"]
        lines.extend(f"  {rejection.describe()}" for rejection in self.rejections)
        if self.offered:
            offers = "; ".join(self.offered[name] for name in sorted(self.offered))
            lines.append(f"Offered: {offers}.")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return the error's facts as a JSON-ready dict."""
        return {
            "action": self.action,
            "pin": self.pin,
            "cloud": self.cloud,
            "region": self.region,
            "summary": self.summary,
            "rejections": [
                {
                    "version": r.version,
                    "requirements": r.requirements,
                    "reason": r.reason,
                }
                for r in self.rejections
            ],
            "offered": self.offered,
        }


def resolve(
    name_with_pin: str, offered: CloudVersions, catalog: ActionSource
) -> Resolution:
    """Resolve an action name, optionally pinned, against a cloud's versions.

    Args:
        name_with_pin: Such as ``nova.servers_list`` or ``nova.servers_list@2``.
        offered: The cloud's discovered (or given) API versions.
        catalog: The installed actions, such as a ``PluginCatalog``.

    Raises:
        InvalidPin: The pin cannot be parsed.
        ActionNotFound: No installed action has the name.
        ResolutionError: No installed version fits; the message lists each.
    """
    name, pin = split_pin(name_with_pin)
    catalog.get(name)
    versions = list(reversed(catalog.actions[name]))
    rejections: list[Rejection] = []
    in_pin: list[tuple[ActionDescriptor, str]] = []
    for descriptor in versions:
        outcome = _fit(descriptor, offered)
        needs = _describe_requirements(descriptor.requirements)
        if pin is not None and not pin.matches(descriptor.version):
            reason = "outside the pin" + (
                "" if isinstance(outcome, str) else " (it would fit)"
            )
            rejections.append(Rejection(descriptor.version, needs, reason))
            continue
        if isinstance(outcome, str):
            rejections.append(Rejection(descriptor.version, needs, outcome))
            in_pin.append((descriptor, outcome))
            continue
        _log_deprecation(descriptor)
        return Resolution(
            action=name,
            pin=pin.text if pin else None,
            descriptor=descriptor,
            cloud=offered.cloud,
            region=offered.region,
            services=MappingProxyType(outcome),
        )
    raise ResolutionError(
        action=name,
        pin=pin,
        cloud=offered,
        summary=_summary(pin, in_pin, offered, len(versions)),
        rejections=rejections,
        offered=_offered(versions, offered),
    )


def _fit(
    descriptor: ActionDescriptor, offered: CloudVersions
) -> dict[str, ServiceChoice] | str:
    choices: dict[str, ServiceChoice] = {}
    reasons: list[str] = []
    for requirement in descriptor.requirements:
        outcome = check_requirement(requirement, offered)
        if isinstance(outcome, str):
            reasons.append(outcome)
        else:
            choices[requirement.service_type] = outcome
    if reasons:
        return "; ".join(reasons)
    return choices


def check_requirement(
    requirement: ServiceRequirement, offered: CloudVersions
) -> ServiceChoice | str:
    """Return the choice for one requirement, or the reason it is not met."""
    service = requirement.service_type
    if service in offered.failures:
        return (
            f"version discovery of {service} on {offered.label} failed: "
            f"{offered.failures[service]}"
        )
    if not offered.services.get(service):
        return f"{offered.label} has no {service} service in its catalog"
    api = offered.api(service, requirement.major)
    if api is None:
        return (
            f"{offered.label} offers {offered.describe_service(service)}, "
            f"not v{requirement.major}"
        )
    removed = _removal_reason(requirement, api, offered)
    if removed is not None:
        return removed
    microversion, reason = _choose_microversion(requirement, api, offered)
    if reason is not None:
        return reason
    return ServiceChoice(
        service_type=service,
        major=api.major,
        api_version=api.version,
        microversion=microversion,
        endpoint=api.endpoint,
        requirement=requirement,
    )


def _choose_microversion(
    requirement: ServiceRequirement, api: ApiVersion, offered: CloudVersions
) -> tuple[str | None, str | None]:
    """Return the microversion to send (or None) and the rejection reason."""
    if not requirement.microversioned:
        return None, None
    cloud_max = api.maximum
    bounded = requirement.minimum is not None or requirement.maximum is not None
    if cloud_max is None:
        if bounded:
            return None, (
                f"{offered.label} reports no microversions for "
                f"{requirement.service_type} v{api.major}"
            )
        return None, None
    base = Microversion.parse(MICROVERSIONED_SERVICES[requirement.service_type])
    cloud_min = api.minimum or base
    if not bounded:
        # An action that declares no range was written against the base API,
        # which is what the service serves at its minimum.
        return str(cloud_min), None
    low = max(requirement.minimum or base, cloud_min)
    high = min(requirement.maximum or cloud_max, cloud_max)
    if low > high:
        return None, f"{offered.label} offers {api.describe()}"
    return str(high), None


def _removal_reason(
    requirement: ServiceRequirement, api: ApiVersion, offered: CloudVersions
) -> str | None:
    removal = requirement.removal
    if removal is None:
        return None
    removed = f"the API was {removal.describe(requirement.service_type)}"
    if removal.microversion is not None:
        return _removed_by_microversion(removed, removal.microversion, api, offered)
    assert removal.release is not None
    return _removed_by_release(removed, removal.release, api, offered)


def _removed_by_microversion(
    removed: str, threshold: Microversion, api: ApiVersion, offered: CloudVersions
) -> str | None:
    if api.maximum is None:
        return (
            f"{removed}, and {offered.label} reports no microversions for "
            f"{api.service_type}, so the removal cannot be ruled out"
        )
    if api.maximum >= threshold:
        return f"{removed}, and {offered.label} offers {api.describe()}"
    return None


def _removed_by_release(
    removed: str, release: str, api: ApiVersion, offered: CloudVersions
) -> str | None:
    span = _release_span(api, offered)
    if span is None:
        return (
            f"{removed}, and the release of {offered.label} is unknown; declare it "
            "(openstack_release in the cloud's clouds.yaml entry, or --release)"
        )

    at_least = span.is_at_least(release)
    if at_least is False:
        return None
    if span.declared:
        basis = f"is declared as {span.describe()}"
    else:
        maximum = api.max_microversion
        basis = f"runs {span.describe()} by its {api.service_type} maximum {maximum}"
    if at_least:
        return f"{removed}, and {offered.label} {basis}"

    return (
        f"{removed}, and {offered.label} {basis}, so it may be gone; declare the "
        "cloud's release (openstack_release in its clouds.yaml entry, or "
        "--release) to decide"
    )


def _release_span(api: ApiVersion, offered: CloudVersions) -> ReleaseRange | None:
    if offered.release is not None:
        return declared_range(offered.release)
    if api.maximum is None:
        return None
    return release_range(api.service_type, api.maximum)


def _summary(
    pin: VersionPin | None,
    in_pin: list[tuple[ActionDescriptor, str]],
    offered: CloudVersions,
    installed: int,
) -> str:
    if pin is not None and not in_pin:
        return f"no installed version matches the pin ({pin.describe()})"
    if pin is not None and len(in_pin) == 1:
        descriptor, reason = in_pin[0]
        needs = _describe_requirements(descriptor.requirements)
        return f"task pins {pin.describe()}, whose only release needs {needs}; {reason}"
    if pin is not None:
        count = len(in_pin)
        return f"none of the {count} releases that the pin allows fits {offered.label}"
    if installed == 1:
        descriptor, reason = in_pin[0]
        needs = _describe_requirements(descriptor.requirements)
        return f"its only version needs {needs}; {reason}"
    return f"none of the {installed} installed versions fits {offered.label}"


def _offered(
    versions: Sequence[ActionDescriptor], offered: CloudVersions
) -> dict[str, str]:
    services = {
        requirement.service_type
        for descriptor in versions
        for requirement in descriptor.requirements
    }
    return {name: offered.describe_service(name) for name in services}


def _describe_requirements(requirements: Sequence[ServiceRequirement]) -> str:
    if not requirements:
        return "no service requirements"
    return " and ".join(requirement.describe() for requirement in requirements)


def _log_deprecation(descriptor: ActionDescriptor) -> None:
    if descriptor.deprecated is None:
        return
    logger.warning(
        "Action %s %s (plugin %s) is %s",
        descriptor.name,
        descriptor.version,
        descriptor.plugin,
        descriptor.deprecated.describe(),
    )
