"""Block-storage (cinder) requirements and the project id in request URLs.

Below block-storage 3.67 every URL names the project:
``/v3/{project_id}/volumes``. From 3.67 on the project may be left out, and
catalogs may list the endpoint without it (devstack does from Yoga on). The
actions keep the catalog's form and insert the run's project id only when a
microversion below 3.67 meets an endpoint without one, so the difference
never reaches the caller.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from action_sdk import ActionError, Microversion, RunContext, ServiceRequirement

#: Block-storage v3. The range ends at 3.71, the newest microversion these
#: actions were checked against.
BLOCK_STORAGE = ServiceRequirement(
    "block-storage", 3, min_microversion="3.0", max_microversion="3.71"
)
#: The attachments API, added in 3.27.
ATTACHMENTS = ServiceRequirement(
    "block-storage", 3, min_microversion="3.27", max_microversion="3.71"
)
#: Attachment completion, added in 3.44.
ATTACHMENT_COMPLETION = ServiceRequirement(
    "block-storage", 3, min_microversion="3.44", max_microversion="3.71"
)
#: First microversion that accepts URLs without the project id.
PROJECT_OPTIONAL = Microversion(3, 67)


def volume_url(context: RunContext, path: str) -> str:
    """Return the path, or full URL, of a block-storage API call for this run.

    Args:
        context: The run, whose block-storage client and project id are used.
        path: Path below the project, such as "/volumes/detail".

    Raises:
        ActionError: The endpoint has no project id, the microversion is
            below 3.67 and the run has no project id either.
    """
    client = context.services["block-storage"]
    if not _needs_project(client.microversion) or _has_project(client.endpoint):
        return path
    project_id = context.security.project_id
    if not project_id:
        raise ActionError(
            f"block-storage {client.microversion} needs the project id in the URL, "
            f"but the endpoint {client.endpoint} has none and the run has no "
            "project id; use a project-scoped token or a cloud with "
            "block-storage 3.67 or later"
        )
    return f"{client.endpoint.rstrip('/')}/{project_id}{path}"


def _needs_project(microversion: str | None) -> bool:
    if microversion is None:
        return True
    return Microversion.parse(microversion) < PROJECT_OPTIONAL


def _has_project(endpoint: str) -> bool:
    """Return whether a segment follows the ``v3`` segment of the endpoint."""
    segments = [s for s in urlsplit(endpoint).path.split("/") if s]
    if "v3" not in segments:
        return True
    return segments.index("v3") < len(segments) - 1
