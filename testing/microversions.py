"""Microversion negotiation as the microversioned OpenStack services do it.

Rules (nova, cinder, manila, ironic, placement): a request without a version
header is served at the minimum; `latest` means the maximum; a version
outside the range gets 406 Not Acceptable; a malformed one gets 400.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from testing.services import ServiceSpec

GENERIC_HEADER = "OpenStack-API-Version"

_VERSION = re.compile(r"^(\d+)\.(\d+)$")


def parse_microversion(text: str) -> tuple[int, int]:
    """Parse "X.Y" into (X, Y).

    Raises:
        ValueError: `text` is not two dot-separated integers.
    """
    match = _VERSION.match(text.strip())
    if match is None:
        raise ValueError(
            f"invalid microversion {text!r}; expected MAJOR.MINOR such as 2.1"
        )
    return int(match.group(1)), int(match.group(2))


def format_microversion(version: tuple[int, int]) -> str:
    """Format (X, Y) as "X.Y"."""
    return f"{version[0]}.{version[1]}"


class MicroversionError(Exception):
    """A request's microversion that the service rejects, with its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Negotiation:
    """The microversion a request is served at, within the service's range."""

    spec: ServiceSpec
    served: tuple[int, int]
    minimum: tuple[int, int]
    maximum: tuple[int, int]

    @property
    def version(self) -> str:
        """Served microversion as "X.Y"."""
        return format_microversion(self.served)

    def response_headers(self) -> dict[str, str]:
        """Return the headers the service adds to report the served version."""
        headers: dict[str, str] = {}
        vary = []
        if self.spec.microversion_name is not None:
            headers[GENERIC_HEADER] = f"{self.spec.microversion_name} {self.version}"
            vary.append(GENERIC_HEADER)
        if self.spec.microversion_header is not None:
            headers[self.spec.microversion_header] = self.version
            vary.append(self.spec.microversion_header)
        if self.spec.service_type == "baremetal":
            prefix = "X-OpenStack-Ironic-API-"
            headers[prefix + "Minimum-Version"] = format_microversion(self.minimum)
            headers[prefix + "Maximum-Version"] = format_microversion(self.maximum)
        else:
            headers["Vary"] = ", ".join(vary)
        return headers


def requested_microversion(spec: ServiceSpec, headers: Mapping[str, str]) -> str | None:
    """Return the version text a request sets for `spec`'s service, or None.

    The generic header may list several services ("compute 2.53, placement
    1.20"), and only the entry naming this service counts. The service's own
    header is read when the generic one has no entry for it.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    generic = lowered.get(GENERIC_HEADER.lower())
    if generic is not None and spec.microversion_name is not None:
        for item in generic.split(","):
            service, _, version = item.strip().partition(" ")
            if service.lower() == spec.microversion_name:
                return version.strip()
    if spec.microversion_header is not None:
        own = lowered.get(spec.microversion_header.lower())
        if own is not None:
            return own.strip()
    return None


def negotiate(
    spec: ServiceSpec,
    headers: Mapping[str, str],
    minimum: str,
    maximum: str,
) -> Negotiation:
    """Pick the microversion to serve a request at.

    Raises:
        MicroversionError: 400 for a malformed version, 406 for one outside
            [minimum, maximum].
    """
    low, high = parse_microversion(minimum), parse_microversion(maximum)
    requested = requested_microversion(spec, headers)
    if requested is None:
        return Negotiation(spec, low, low, high)
    if requested.lower() == "latest":
        return Negotiation(spec, high, low, high)
    try:
        version = parse_microversion(requested)
    except ValueError as error:
        raise MicroversionError(400, str(error)) from None
    if not low <= version <= high:
        raise MicroversionError(
            406,
            f"microversion {requested} is not supported by {spec.service_type}; "
            f"this cloud offers {minimum} to {maximum}",
        )
    return Negotiation(spec, version, low, high)


def in_range(
    version: tuple[int, int], minimum: str | None, maximum: str | None
) -> bool:
    """Return whether `version` lies within the optional inclusive bounds."""
    if minimum is not None and version < parse_microversion(minimum):
        return False
    return maximum is None or version <= parse_microversion(maximum)
