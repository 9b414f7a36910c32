"""Inference of the OpenStack release a service runs, from its microversions.

Discovery documents do not name the release, but each release of a service
ships a known maximum microversion. ``release_range`` turns a service's
maximum into the earliest and latest release it can belong to, which decides
a requirement's ``removed_in`` release. A release that the operator declares
for the cloud takes precedence.
"""

from __future__ import annotations

from dataclasses import dataclass

from action_sdk._requirements import RELEASE_SERIES, Microversion, release_index

#: Maximum microversion per service at each release whose discovery documents
#: were checked against the services' code at the release tags (nova 17.0.0,
#: cinder 12.0.0, ironic 10.1.0, manila 6.0.0 and so on).
# NOTE: the table has only five releases. A service between two of them gets a
# range of releases, so a removal inside that range is reported as unknown.
KNOWN_MAXIMUM_MICROVERSIONS: dict[str, dict[str, str]] = {
    "queens": {
        "compute": "2.60",
        "block-storage": "3.50",
        "placement": "1.17",
        "baremetal": "1.38",
        "shared-file-system": "2.42",
    },
    "train": {
        "compute": "2.79",
        "block-storage": "3.59",
        "placement": "1.36",
        "baremetal": "1.58",
        "shared-file-system": "2.51",
    },
    "zed": {
        "compute": "2.93",
        "block-storage": "3.70",
        "placement": "1.39",
        "baremetal": "1.80",
        "shared-file-system": "2.73",
    },
    "epoxy": {
        "compute": "2.100",
        "block-storage": "3.71",
        "placement": "1.39",
        "baremetal": "1.96",
        "shared-file-system": "2.89",
    },
    "gazpacho": {
        "compute": "2.103",
        "block-storage": "3.71",
        "placement": "1.39",
        "baremetal": "1.111",
        "shared-file-system": "2.95",
    },
}


@dataclass(frozen=True)
class ReleaseRange:
    """Earliest and latest release a service can run, both inclusive."""

    earliest: str
    latest: str
    #: True when the operator declared the release.
    declared: bool = False

    def describe(self) -> str:
        """Return ``Train`` or ``Ussuri to Dalmatian`` for messages."""
        if self.earliest == self.latest:
            return self.earliest.capitalize()
        return f"{self.earliest.capitalize()} to {self.latest.capitalize()}"

    def is_at_least(self, release: str) -> bool | None:
        """Return True when surely at or after ``release``, False when surely
        before, and None when the range includes both."""
        target = release_index(release)
        if release_index(self.earliest) >= target:
            return True
        if release_index(self.latest) < target:
            return False
        return None


def declared_range(release: str) -> ReleaseRange:
    """Return the range of a release the operator declared."""
    return ReleaseRange(release, release, declared=True)


def release_range(service_type: str, maximum: Microversion) -> ReleaseRange:
    """Infer the releases a service with this maximum microversion can run.

    A maximum equal to a known release's makes the range that release (or the
    known releases that share the value). Otherwise the range lies strictly
    between the nearest known releases below and above the value. This
    assumes the maximum never decreases from one release to the next.
    """
    known = [
        (release, Microversion.parse(values[service_type]))
        for release, values in KNOWN_MAXIMUM_MICROVERSIONS.items()
        if service_type in values
    ]
    equal = [release for release, value in known if value == maximum]
    if equal:
        return ReleaseRange(equal[0], equal[-1])
    below = [release for release, value in known if value < maximum]
    above = [release for release, value in known if value > maximum]
    last = len(RELEASE_SERIES) - 1
    # Above the newest known maximum, the release is the last series in
    # RELEASE_SERIES or a later one that the list does not contain yet.
    earliest = (
        RELEASE_SERIES[min(release_index(below[-1]) + 1, last)]
        if below
        else RELEASE_SERIES[0]
    )
    latest = (
        RELEASE_SERIES[release_index(above[0]) - 1] if above else RELEASE_SERIES[-1]
    )
    return ReleaseRange(earliest, latest)
