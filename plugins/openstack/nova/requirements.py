"""Compute API requirements shared by the nova actions.

Ranges end at the newest microversion an action was checked against. The
registry sends the highest microversion inside the range that the cloud
offers, and the base microversion 2.1 for ``COMPUTE``, which has no range.
"""

from __future__ import annotations

from action_sdk import ServiceRequirement

#: Compute at the base microversion 2.1, for calls whose request and response
#: never changed, or whose 2.1 shape the action documents.
COMPUTE = ServiceRequirement("compute", 2)
#: Highest microversion checked for calls that pass free-form query filters.
#: From 2.102 on every compute API rejects unknown query parameters.
MAX_CHECKED = "2.100"
#: Server bodies before 2.47, whose flavor is a reference ``{"id", "links"}``.
FLAVOR_REFERENCE = ServiceRequirement(
    "compute", 2, min_microversion="2.1", max_microversion="2.46"
)
#: Server bodies from 2.47 on, whose flavor is embedded without its id.
FLAVOR_EMBEDDED = ServiceRequirement(
    "compute", 2, min_microversion="2.47", max_microversion=MAX_CHECKED
)


def compute_range(low: str, high: str = MAX_CHECKED) -> ServiceRequirement:
    """Return a compute requirement from ``low`` to ``high`` inclusive."""
    return ServiceRequirement("compute", 2, min_microversion=low, max_microversion=high)
