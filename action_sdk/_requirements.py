"""Service requirements and deprecation notes of an action version.

An action version declares the OpenStack services it calls, each with the API
major version and, for microversioned services, the microversion range its
implementation is written for. The registry compares these with what a cloud
offers and picks the action version and the microversion to send.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from action_sdk._errors import ActionDefinitionError

#: OpenStack release series in order. Each series after zed also has a year
#: name (2023.1 is antelope); both spellings are accepted.
RELEASE_SERIES: tuple[str, ...] = (
    "austin", "bexar", "cactus", "diablo", "essex", "folsom", "grizzly",
    "havana", "icehouse", "juno", "kilo", "liberty", "mitaka", "newton",
    "ocata", "pike", "queens", "rocky", "stein", "train", "ussuri",
    "victoria", "wallaby", "xena", "yoga", "zed", "antelope", "bobcat",
    "caracal", "dalmatian", "epoxy", "flamingo", "gazpacho",
)  # fmt: skip
_YEAR_NAMES = {
    "2023.1": "antelope",
    "2023.2": "bobcat",
    "2024.1": "caracal",
    "2024.2": "dalmatian",
    "2025.1": "epoxy",
    "2025.2": "flamingo",
    "2026.1": "gazpacho",
}

#: Services with microversions, and the microversion each serves when a
#: request carries no version header (its minimum).
MICROVERSIONED_SERVICES: dict[str, str] = {
    "compute": "2.1",
    "block-storage": "3.0",
    "placement": "1.0",
    "baremetal": "1.1",
    "shared-file-system": "2.0",
}

#: Catalog aliases and project names, mapped to the official service type.
SERVICE_TYPE_ALIASES: dict[str, str] = {
    "volume": "block-storage",
    "volumev2": "block-storage",
    "volumev3": "block-storage",
    "block-store": "block-storage",
    "share": "shared-file-system",
    "sharev2": "shared-file-system",
    "nova": "compute",
    "cinder": "block-storage",
    "glance": "image",
    "neutron": "network",
    "keystone": "identity",
    "heat": "orchestration",
    "ironic": "baremetal",
    "manila": "shared-file-system",
    "swift": "object-store",
    "barbican": "key-manager",
    "octavia": "load-balancer",
    "designate": "dns",
}

_SERVICE_TYPE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_MICROVERSION = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_ACTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$")


@dataclass(frozen=True, order=True)
class Microversion:
    """An API microversion such as 2.47, ordered numerically (2.100 > 2.93)."""

    major: int
    minor: int

    @classmethod
    def parse(cls, text: Any) -> Microversion:
        """Parse ``"MAJOR.MINOR"``.

        Raises:
            ValueError: ``text`` is not a string of two dot-separated integers.
                A float is rejected because 2.1 and 2.10 are the same float.
        """
        if isinstance(text, float):
            raise ValueError(
                f"microversion {text!r} is a float; write it as a string such as "
                f"'{text}', because the float 2.1 cannot be told from 2.10"
            )
        if not isinstance(text, str) or not _MICROVERSION.match(text.strip()):
            raise ValueError(
                f"invalid microversion {text!r}; use MAJOR.MINOR, such as '2.47'"
            )
        major, minor = text.strip().split(".")
        return cls(int(major), int(minor))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


def normalize_release(name: Any) -> str:
    """Return the series name of a release name or year name, in lower case.

    Raises:
        ValueError: ``name`` is not a known release.
    """
    text = str(name).strip().lower()
    text = _YEAR_NAMES.get(text, text)
    if text in RELEASE_SERIES:
        return text
    close = difflib.get_close_matches(text, RELEASE_SERIES, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    raise ValueError(
        f"unknown OpenStack release {name!r}{hint} Use a series name from "
        f"{RELEASE_SERIES[0]} to {RELEASE_SERIES[-1]} or a year name such as "
        "'2025.1'"
    )


def release_index(name: str) -> int:
    """Return the position of a release in ``RELEASE_SERIES``."""
    return RELEASE_SERIES.index(normalize_release(name))


def official_service_type(service_type: Any) -> str:
    """Return ``service_type`` after checking that it is an official name.

    Raises:
        ValueError: The name is a catalog alias or project name (the message
            names the official type), or is not a service-type name at all.
    """
    if not isinstance(service_type, str) or not service_type:
        raise ValueError(
            f"service type must be a non-empty string, got {service_type!r}"
        )
    if service_type in SERVICE_TYPE_ALIASES:
        raise ValueError(
            f"{service_type!r} is an alias or project name; use the official "
            f"service type {SERVICE_TYPE_ALIASES[service_type]!r}"
        )
    if not _SERVICE_TYPE.match(service_type):
        raise ValueError(
            f"invalid service type {service_type!r}; use an official service "
            "type in lower case with hyphens, such as 'compute' or 'block-storage'"
        )
    return service_type


@dataclass(frozen=True)
class Removal:
    """When an API disappears at every microversion of its service.

    Exactly one field is set: ``release`` (the API is gone from clouds of that
    release and later) or ``microversion`` (the API is gone from clouds whose
    maximum microversion of the service is this one or later).
    """

    release: str | None = None
    microversion: Microversion | None = None

    def describe(self, service_type: str) -> str:
        """Return ``removed in Rocky`` or ``removed from compute 2.65 clouds``."""
        if self.release is not None:
            return f"removed in {self.release.capitalize()}"
        return f"removed from clouds that offer {service_type} {self.microversion}"


@dataclass(frozen=True)
class ServiceRequirement:
    """An OpenStack service API that an action version calls.

    Args:
        service_type: Official service type, such as "compute" or
            "block-storage" (not the catalog aliases "volumev3" or "volume").
        major: API major version, such as 2 for compute or 3 for block-storage.
        min_microversion: Lowest microversion the implementation handles, such
            as "2.47"; the service's minimum when None. Only for services with
            microversions.
        max_microversion: Highest microversion the implementation handles;
            unbounded when None, so the registry picks the cloud's maximum.
        removed_in: A release name ("rocky", "2023.1") or a fact
            "<service type> <microversion>" ("compute 2.65") from which the API
            is gone at every microversion. Resolution rejects such clouds.

    Raises:
        ActionDefinitionError: A value is invalid; the message names it.
    """

    service_type: str
    major: int
    min_microversion: str | None = None
    max_microversion: str | None = None
    removed_in: str | None = None
    #: ``removed_in`` parsed, or None.
    removal: Removal | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            official_service_type(self.service_type)
        except ValueError as exc:
            raise ActionDefinitionError(f"service requirement: {exc}") from None
        if not isinstance(self.major, int) or isinstance(self.major, bool):
            raise ActionDefinitionError(
                f"service requirement {self.service_type}: major must be an int "
                f"such as 2, got {self.major!r}"
            )
        if self.major < 0:
            raise ActionDefinitionError(
                f"service requirement {self.service_type}: major must not be "
                f"negative, got {self.major}"
            )
        self._check_microversions()
        object.__setattr__(self, "removal", self._parse_removal())

    @property
    def microversioned(self) -> bool:
        """True when the service has microversions."""
        return self.service_type in MICROVERSIONED_SERVICES

    @property
    def minimum(self) -> Microversion | None:
        """``min_microversion`` parsed, or None."""
        if self.min_microversion is None:
            return None
        return Microversion.parse(self.min_microversion)

    @property
    def maximum(self) -> Microversion | None:
        """``max_microversion`` parsed, or None."""
        if self.max_microversion is None:
            return None
        return Microversion.parse(self.max_microversion)

    def describe(self) -> str:
        """Return the requirement as text, such as ``compute 2.47 or later``."""
        low, high = self.min_microversion, self.max_microversion
        if low and high:
            text = f"{self.service_type} {low} to {high}"
        elif low:
            text = f"{self.service_type} {low} or later"
        elif high:
            text = f"{self.service_type} up to {high}"
        else:
            text = f"{self.service_type} v{self.major}"
        if self.removal is not None:
            text += f" ({self.removal.describe(self.service_type)})"
        return text

    def _check_microversions(self) -> None:
        bounds = [self.min_microversion, self.max_microversion]
        if all(bound is None for bound in bounds):
            return
        owner = f"service requirement {self.service_type}"
        if not self.microversioned:
            raise ActionDefinitionError(
                f"{owner}: this service has no microversions known to Levante; "
                f"drop min_microversion and max_microversion (services with "
                f"microversions: {', '.join(MICROVERSIONED_SERVICES)})"
            )
        parsed: list[Microversion | None] = []
        for label, bound in zip(
            ("min_microversion", "max_microversion"), bounds, strict=True
        ):
            if bound is None:
                parsed.append(None)
                continue
            try:
                version = Microversion.parse(bound)
            except ValueError as exc:
                raise ActionDefinitionError(f"{owner}: {label}: {exc}") from None
            if version.major != self.major:
                raise ActionDefinitionError(
                    f"{owner}: {label} {bound} does not belong to major version "
                    f"{self.major}"
                )
            parsed.append(version)
        low, high = parsed
        if low is not None and high is not None and low > high:
            raise ActionDefinitionError(
                f"{owner}: min_microversion {low} is above max_microversion {high}"
            )

    def _parse_removal(self) -> Removal | None:
        value = self.removed_in
        if value is None:
            return None
        owner = f"service requirement {self.service_type}"
        if not isinstance(value, str) or not value.strip():
            raise ActionDefinitionError(
                f"{owner}: removed_in must be a release name or "
                f"'{self.service_type} MAJOR.MINOR', got {value!r}"
            )
        words = value.split()
        if len(words) == 2:
            if words[0] != self.service_type or not self.microversioned:
                example = MICROVERSIONED_SERVICES.get(self.service_type, "2.1")
                raise ActionDefinitionError(
                    f"{owner}: removed_in {value!r} must name this requirement's "
                    f"own microversioned service, such as "
                    f"'{self.service_type} {example}'"
                )
            try:
                return Removal(microversion=Microversion.parse(words[1]))
            except ValueError as exc:
                raise ActionDefinitionError(f"{owner}: removed_in: {exc}") from None
        try:
            return Removal(release=normalize_release(value))
        except ValueError as exc:
            raise ActionDefinitionError(f"{owner}: removed_in: {exc}") from None


@dataclass(frozen=True)
class Deprecation:
    """A note that an action version should no longer be used.

    Args:
        reason: Why, such as "nova removed the os-fping API".
        replacement: The action to use instead, as ``name@version``, or None.

    Raises:
        ActionDefinitionError: ``reason`` is empty or ``replacement`` is not
            ``name@version``.
    """

    reason: str
    replacement: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise ActionDefinitionError(
                "deprecation: reason must be a non-empty string saying why the "
                "version is deprecated"
            )
        if self.replacement is None:
            return
        name, _, pin = str(self.replacement).partition("@")
        if not isinstance(self.replacement, str) or not _ACTION_NAME.match(name):
            raise ActionDefinitionError(
                f"deprecation: invalid replacement {self.replacement!r}; use "
                "'name@version', such as 'nova.servers_list@2'"
            )
        if "@" in self.replacement and not pin.strip():
            raise ActionDefinitionError(
                f"deprecation: replacement {self.replacement!r} has an empty "
                "version after '@'"
            )

    def describe(self) -> str:
        """Return the note as text, such as ``deprecated: why; use x@2``."""
        text = f"deprecated: {self.reason}"
        if self.replacement:
            text += f"; use {self.replacement}"
        return text


def check_requirements(value: Any, owner: str) -> tuple[ServiceRequirement, ...]:
    """Return ``value`` as a tuple of requirements, one per service type.

    Raises:
        ActionDefinitionError: ``value`` is not a sequence of
            ``ServiceRequirement`` or names one service type twice.
    """
    if isinstance(value, ServiceRequirement):
        value = (value,)
    if not isinstance(value, list | tuple):
        raise ActionDefinitionError(
            f"{owner}: requirements must be a tuple of ServiceRequirement, got "
            f"{type(value).__name__}"
        )
    seen: set[str] = set()
    for item in value:
        if not isinstance(item, ServiceRequirement):
            raise ActionDefinitionError(
                f"{owner}: requirements must contain ServiceRequirement objects, "
                f"got {item!r}"
            )
        if item.service_type in seen:
            raise ActionDefinitionError(
                f"{owner}: service {item.service_type} is required twice; declare "
                "one requirement per service type"
            )
        seen.add(item.service_type)
    return tuple(value)


def check_deprecation(value: Any, owner: str) -> Deprecation | None:
    """Return ``value`` after checking that it is a ``Deprecation`` or None.

    Raises:
        ActionDefinitionError: ``value`` has another type.
    """
    if value is None or isinstance(value, Deprecation):
        return value
    raise ActionDefinitionError(
        f"{owner}: deprecated must be Deprecation(reason=..., replacement=...) "
        f"or None, got {value!r}"
    )
