"""Built version documents against the documents recorded from real services."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses
from keystoneauth1 import discover, exceptions, session

from testing.documents import build_documents, root_document, version_document
from testing.fakecloud import FakeCloud
from testing.releases import RELEASES, SERVICE_TYPES, service_release

CASES = [(service, release) for service in SERVICE_TYPES for release in RELEASES]
IDS = [f"{service}-{release}" for service, release in CASES]
KINDS = ("versions", "version")
#: (service, release, kind) of every document the fake builds.
DOCUMENT_CASES = [
    (service, release, kind)
    for service, release in CASES
    for kind in KINDS
    if (
        root_document(service_release(service, release), "http://h:1")
        if kind == "versions"
        else version_document(service_release(service, release), "http://h:1")
    )
    is not None
]


def _rewrite_hosts(value: Any, real_base: str, fake_base: str) -> Any:
    return json.loads(json.dumps(value).replace(real_base, fake_base))


def _discovered(url: str) -> list[dict[str, Any]] | str:
    """Return what keystoneauth reads at `url`, or the failure's class name."""
    ks_session = session.Session()
    try:
        found = discover.Discover(ks_session, url, authenticated=False)
        return [dict(version) for version in found.version_data()]
    except exceptions.DiscoveryFailure as error:
        return type(error).__name__
    finally:
        ks_session.session.close()


def _document_url(cloud: FakeCloud, service_type: str, kind: str) -> str:
    facts = cloud.service_facts(service_type)
    root = cloud.endpoint("identity") if service_type == "identity" else None
    base = root or _service_root(cloud, service_type)
    return base + ("/" if kind == "versions" else facts.current.path)


def _service_root(cloud: FakeCloud, service_type: str) -> str:
    endpoint = cloud.endpoint(service_type)
    scheme, _, rest = endpoint.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


@pytest.mark.parametrize(("service_type", "release"), CASES, ids=IDS)
@pytest.mark.parametrize("kind", KINDS)
def test_built_document_equals_real(
    real_documents: Any, service_type: str, release: str, kind: str
) -> None:
    real = real_documents.load(service_type, release, kind)
    facts = service_release(service_type, release)
    root = "http://127.0.0.1:4321"
    built = root_document(facts, root) if kind == "versions" else None
    if kind == "version":
        built = version_document(facts, root)
    if real is None:
        assert built is None
        return
    assert built is not None
    expected = _rewrite_hosts(real, real_documents.base_url(service_type), root)
    body = dict(built.body)
    if service_type == "baremetal":
        # The description is prose; ours is written for the fake.
        assert isinstance(body.pop("description"), str)
        expected.pop("description")
    assert body == expected


@pytest.mark.parametrize(
    ("service_type", "release", "kind"),
    DOCUMENT_CASES,
    ids=["-".join(case) for case in DOCUMENT_CASES],
)
def test_discovery_reads_same_as_real(
    real_documents: Any, service_type: str, release: str, kind: str
) -> None:
    real = real_documents.load(service_type, release, kind)
    assert real is not None
    with FakeCloud(release) as cloud:
        url = _document_url(cloud, service_type, kind)
        from_fake = _discovered(url)
    fake_root = _document_url(cloud, service_type, "versions").rstrip("/")
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, url, json=real)
        from_real = _discovered(url)
    base = real_documents.base_url(service_type)
    # The JSON round trip also turns version tuples into lists on both sides.
    assert _rewrite_hosts(from_fake, base, base) == _rewrite_hosts(
        from_real, base, fake_root
    )


@pytest.mark.parametrize("release", RELEASES)
def test_placement_queens_has_no_usable_version(release: str) -> None:
    with FakeCloud(release, services=["placement"]) as cloud:
        found = _discovered(_service_root(cloud, "placement") + "/")
    assert isinstance(found, list)
    if release == "queens":
        assert found == []
    else:
        assert [entry["version"] for entry in found] == [(1, 0)]


@pytest.mark.parametrize(("service_type", "release"), CASES, ids=IDS)
def test_versioned_document_only_where_recorded(
    real_documents: Any, service_type: str, release: str
) -> None:
    documents = build_documents(service_release(service_type, release), "http://h:1")
    recorded = real_documents.path(service_type, release, "version").exists()
    assert (len(documents) == 2) is recorded


@pytest.mark.parametrize(
    ("service_type", "status"),
    [
        ("identity", 300),
        ("compute", 200),
        ("block-storage", 300),
        ("image", 300),
        ("network", 200),
        ("orchestration", 300),
        ("placement", 200),
        ("baremetal", 200),
        ("shared-file-system", 300),
    ],
)
def test_root_document_status(service_type: str, status: int) -> None:
    for release in RELEASES:
        document = root_document(service_release(service_type, release), "http://h:1")
        assert document is not None, release
        assert document.status == status, release


@pytest.mark.parametrize("release", RELEASES)
def test_object_store_has_no_documents(release: str) -> None:
    facts = service_release("object-store", release)
    assert build_documents(facts, "http://h:1") == {}
    assert root_document(facts, "http://h:1") is None
    assert facts.microversion_range() is None


def test_baremetal_root_reports_range_in_headers() -> None:
    document = root_document(service_release("baremetal", "zed"), "http://h:1")
    assert document is not None
    assert document.headers["X-OpenStack-Ironic-API-Minimum-Version"] == "1.1"
    assert document.headers["X-OpenStack-Ironic-API-Maximum-Version"] == "1.80"
