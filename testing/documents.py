"""Build the version discovery documents a service returns at one release.

Each service has its own JSON shape (keystone wraps its list in `values`,
cinder and manila return a one-entry list at a versioned URL, placement
names its maximum `max_version`, ironic adds `default_version`). The builders
here reproduce those shapes from the facts in `testing.releases`, with links
pointing at the fake service root.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from testing.releases import ApiVersion, SelfLink, ServiceRelease

#: Stand-in for the documentation links (reserved `.test` TLD, never resolves).
DOCS_URL = "http://docs.example.test/"
DOCS_URL_TLS = "https://docs.example.test/"

JSON = dict[str, Any]


@dataclass(frozen=True)
class Document:
    """A discovery response: HTTP status, JSON body and extra headers."""

    status: int
    body: JSON
    headers: dict[str, str] = field(default_factory=dict)


def _self_link(root_url: str, version: ApiVersion) -> list[JSON]:
    if version.self_link is SelfLink.RELATIVE:
        return [{"href": "", "rel": "self"}]
    return [{"href": root_url.rstrip("/") + version.path, "rel": "self"}]


def _docs_link(href: str) -> JSON:
    return {"href": href, "rel": "describedby", "type": "text/html"}


def _media_types(version: ApiVersion) -> list[JSON]:
    return [{"base": "application/json", "type": version.media_type}]


def _microversion_fields(version: ApiVersion) -> JSON:
    # Majors without microversions still carry both keys, as empty strings.
    return {
        "version": version.max_microversion or "",
        "min_version": version.min_microversion or "",
    }


def _compute_entry(root_url: str, version: ApiVersion, *, full: bool) -> JSON:
    entry: JSON = {"id": version.id, "links": _self_link(root_url, version)}
    if full:
        entry["links"].append(_docs_link(DOCS_URL))
        entry["media-types"] = _media_types(version)
    entry["status"] = version.status
    entry.update(_microversion_fields(version))
    entry["updated"] = version.updated
    return entry


def _block_storage_entry(root_url: str, version: ApiVersion) -> JSON:
    return {
        "id": version.id,
        "links": [_docs_link(DOCS_URL_TLS), *_self_link(root_url, version)],
        "media-types": _media_types(version),
        "min_version": version.min_microversion or "",
        "status": version.status,
        "updated": version.updated,
        "version": version.max_microversion or "",
    }


def _shared_file_system_entry(root_url: str, version: ApiVersion) -> JSON:
    return {
        "status": version.status,
        "updated": version.updated,
        "links": [_docs_link(DOCS_URL), *_self_link(root_url, version)],
        **_microversion_fields(version),
        "media-types": _media_types(version),
        "id": version.id,
    }


def _identity_entry(root_url: str, version: ApiVersion) -> JSON:
    links = _self_link(root_url, version)
    if version.id == "v2.0":
        links.append(_docs_link(DOCS_URL_TLS))
    return {
        "id": version.id,
        "links": links,
        "media-types": _media_types(version),
        "status": version.status,
        "updated": version.updated,
    }


def _plain_entry(root_url: str, version: ApiVersion) -> JSON:
    return {
        "status": version.status,
        "id": version.id,
        "links": _self_link(root_url, version),
    }


def _placement_entry(root_url: str, version: ApiVersion) -> JSON:
    entry: JSON = {
        "min_version": version.min_microversion,
        "id": version.id,
        "max_version": version.max_microversion,
    }
    if version.status is not None:
        entry["status"] = version.status
    if version.self_link is not SelfLink.MISSING:
        entry["links"] = _self_link(root_url, version)
    return entry


def _baremetal_entry(root_url: str, version: ApiVersion) -> JSON:
    return {
        "id": version.id,
        "links": _self_link(root_url, version),
        "min_version": version.min_microversion,
        "status": version.status,
        "version": version.max_microversion,
    }


def _compute(facts: ServiceRelease, root_url: str) -> dict[str, Document]:
    entries = [_compute_entry(root_url, v, full=False) for v in facts.versions]
    current = _compute_entry(root_url, facts.current, full=True)
    return {
        "": Document(200, {"versions": entries}),
        facts.current.path: Document(200, {"version": current}),
    }


def _block_storage(facts: ServiceRelease, root_url: str) -> dict[str, Document]:
    entries = [_block_storage_entry(root_url, v) for v in facts.versions]
    current = _block_storage_entry(root_url, facts.current)
    return {
        "": Document(300, {"versions": entries}),
        facts.current.path: Document(200, {"versions": [current]}),
    }


def _shared_file_system(facts: ServiceRelease, root_url: str) -> dict[str, Document]:
    entries = [_shared_file_system_entry(root_url, v) for v in facts.versions]
    current = _shared_file_system_entry(root_url, facts.current)
    return {
        "": Document(300, {"versions": entries}),
        facts.current.path: Document(200, {"versions": [current]}),
    }


def _identity(facts: ServiceRelease, root_url: str) -> dict[str, Document]:
    entries = [_identity_entry(root_url, v) for v in facts.versions]
    current = _identity_entry(root_url, facts.current)
    return {
        "": Document(300, {"versions": {"values": entries}}),
        facts.current.path: Document(200, {"version": current}),
    }


def _image(facts: ServiceRelease, root_url: str) -> dict[str, Document]:
    entries = [_plain_entry(root_url, v) for v in facts.versions]
    return {"": Document(300, {"versions": entries})}


def _orchestration(facts: ServiceRelease, root_url: str) -> dict[str, Document]:
    entries = [_plain_entry(root_url, v) for v in facts.versions]
    return {"": Document(300, {"versions": entries})}


#: Core resources neutron lists at its versioned URL.
NETWORK_RESOURCES = (("subnet", "subnets"), ("network", "networks"), ("port", "ports"))


def _network(facts: ServiceRelease, root_url: str) -> dict[str, Document]:
    entries = [_plain_entry(root_url, v) for v in facts.versions]
    base = root_url.rstrip("/") + facts.current.path
    resources = [
        {
            "links": [{"href": base + collection, "rel": "self"}],
            "name": name,
            "collection": collection,
        }
        for name, collection in NETWORK_RESOURCES
    ]
    return {
        "": Document(200, {"versions": entries}),
        facts.current.path: Document(200, {"resources": resources}),
    }


def _placement(facts: ServiceRelease, root_url: str) -> dict[str, Document]:
    entries = [_placement_entry(root_url, v) for v in facts.versions]
    return {"": Document(200, {"versions": entries})}


def _baremetal(facts: ServiceRelease, root_url: str) -> dict[str, Document]:
    entry = _baremetal_entry(root_url, facts.current)
    body = {
        "default_version": entry,
        "description": "Bare metal provisioning API of a Levante fake cloud.",
        "name": "OpenStack Ironic API",
        "versions": [_baremetal_entry(root_url, v) for v in facts.versions],
    }
    headers = {
        "X-OpenStack-Ironic-API-Minimum-Version": str(facts.current.min_microversion),
        "X-OpenStack-Ironic-API-Maximum-Version": str(facts.current.max_microversion),
    }
    return {"": Document(200, body, headers)}


def _object_store(facts: ServiceRelease, root_url: str) -> dict[str, Document]:
    # Swift serves no version documents; clients read the version from the
    # catalog URL, which is the account's URL.
    return {}


_BUILDERS: dict[str, Callable[[ServiceRelease, str], dict[str, Document]]] = {
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


def build_documents(facts: ServiceRelease, root_url: str) -> dict[str, Document]:
    """Build every discovery document of a service, keyed by path below its root.

    The root document has the key "". A versioned document is keyed by the
    path of its endpoint with the trailing slash (for example "/v2.1/"); the
    service answers that path with or without the slash.
    """
    return _BUILDERS[facts.service_type](facts, root_url)


def root_document(facts: ServiceRelease, root_url: str) -> Document | None:
    """Build the document a service returns for `GET /` of its root, or None.

    Object-store (swift) is the one service without a root document.
    """
    return build_documents(facts, root_url).get("")


def version_document(facts: ServiceRelease, root_url: str) -> Document | None:
    """Build the document of the current versioned endpoint, or None."""
    if not facts.current.path:
        return None
    return build_documents(facts, root_url).get(facts.current.path)
