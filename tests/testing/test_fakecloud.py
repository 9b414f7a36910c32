"""FakeCloud through keystoneauth1: authentication, catalog, routes, microversions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from keystoneauth1 import adapter, exceptions, session
from keystoneauth1.identity import v3

from testing.fakecloud import RELEASES, FakeCloud
from testing.releases import SERVICE_TYPES
from testing.transport import SHARED_MOCK


def password_session(cloud: FakeCloud, **overrides: Any) -> session.Session:
    auth = {**cloud.cloud_config()["auth"], **overrides}
    return session.Session(auth=v3.Password(**auth))


@pytest.fixture
def zed() -> Iterator[FakeCloud]:
    with FakeCloud("zed") as cloud:
        yield cloud


@pytest.fixture
def zed_session(zed: FakeCloud) -> Iterator[session.Session]:
    ks_session = password_session(zed)
    yield ks_session
    ks_session.session.close()


def compute(ks_session: session.Session, **kwargs: Any) -> adapter.Adapter:
    return adapter.Adapter(ks_session, service_type="compute", **kwargs)


def post_count(cloud: FakeCloud) -> int:
    return sum(1 for call in cloud.calls if call.request.method == "POST")


# Authentication and catalog


@pytest.mark.parametrize("release", RELEASES)
def test_session_finds_every_endpoint(release: str) -> None:
    with FakeCloud(release) as cloud:
        ks_session = password_session(cloud)
        for service_type in SERVICE_TYPES:
            endpoint = ks_session.get_endpoint(
                service_type=service_type, interface="public"
            )
            assert endpoint == cloud.endpoint(service_type), service_type
        ks_session.session.close()


@pytest.mark.parametrize("release", RELEASES)
def test_session_discovers_microversion_ranges(release: str) -> None:
    with FakeCloud(release) as cloud:
        ks_session = password_session(cloud)
        for service_type in SERVICE_TYPES:
            data = ks_session.get_endpoint_data(
                service_type=service_type, interface="public", discover_versions=True
            )
            assert data is not None, service_type
            found = None
            if data.max_microversion is not None:
                assert data.min_microversion is not None
                found = (
                    "{}.{}".format(*data.min_microversion),
                    "{}.{}".format(*data.max_microversion),
                )
            expected = cloud.microversion_range(service_type)
            if (release, service_type) == ("queens", "placement"):
                # Its root lists no status, so keystoneauth skips the entry.
                expected = None
            assert found == expected, service_type
        ks_session.session.close()
    assert post_count(cloud) == 1


def test_token_catalog_lists_interfaces_and_region() -> None:
    with FakeCloud("train", region="RegionTwo") as cloud:
        token = requests.post(
            cloud.auth_url + "/auth/tokens",
            json={
                "auth": {
                    "identity": {
                        "methods": ["password"],
                        "password": {
                            "user": {
                                "name": "admin",
                                "domain": {"id": "default"},
                                "password": cloud.cloud_config()["auth"]["password"],
                            }
                        },
                    },
                    "scope": {"project": {"id": cloud.project_id}},
                }
            },
            timeout=5,
        )
    assert token.status_code == 201
    assert token.headers["X-Subject-Token"]
    body = token.json()["token"]
    assert body["project"]["id"] == cloud.project_id
    assert body["expires_at"].endswith("Z")
    for entry in body["catalog"]:
        interfaces = sorted(endpoint["interface"] for endpoint in entry["endpoints"])
        assert interfaces == ["admin", "internal", "public"]
        assert {endpoint["region_id"] for endpoint in entry["endpoints"]} == {
            "RegionTwo"
        }
    assert [entry["type"] for entry in body["catalog"]] == list(SERVICE_TYPES)


def test_absent_service_is_not_served() -> None:
    with FakeCloud("zed", services=["compute", "network"]) as cloud:
        ks_session = password_session(cloud)
        assert ks_session.get_endpoint(service_type="compute", interface="public")
        with pytest.raises(exceptions.EndpointNotFound):
            ks_session.get_endpoint(service_type="image", interface="public")
        with pytest.raises(requests.ConnectionError):
            requests.get("http://127.0.0.1:9292/", timeout=5)
        with pytest.raises(ValueError, match="'image' is not in this zed cloud"):
            cloud.endpoint("image")
        ks_session.session.close()


def test_identity_left_out_still_authenticates() -> None:
    with FakeCloud("epoxy", services=["compute"]) as cloud:
        ks_session = password_session(cloud)
        assert ks_session.get_token()
        with pytest.raises(exceptions.EndpointNotFound):
            ks_session.get_endpoint(service_type="identity")
        ks_session.session.close()


def test_wrong_password_is_rejected(zed: FakeCloud) -> None:
    ks_session = password_session(zed, password="wrong")
    with pytest.raises(exceptions.Unauthorized):
        ks_session.get_token()
    ks_session.session.close()


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ("not json", 400, "not valid JSON"),
        ({"auth": {}}, 400, "auth.identity"),
        ({"auth": {"identity": {"methods": ["totp"]}}}, 401, "use password or token"),
        (
            {
                "auth": {
                    "identity": {"methods": ["token"], "token": {"id": "nope"}},
                }
            },
            401,
            "token given for token authentication is invalid",
        ),
    ],
)
def test_bad_token_request(
    zed: FakeCloud, body: Any, status: int, message: str
) -> None:
    data = body if isinstance(body, str) else json.dumps(body)
    reply = requests.post(zed.auth_url + "/auth/tokens", data=data, timeout=5)
    assert reply.status_code == status
    assert message in reply.json()["error"]["message"]


def test_unscoped_token_has_no_catalog(zed: FakeCloud) -> None:
    auth = {
        "identity": {
            "methods": ["password"],
            "password": {
                "user": {
                    "name": "admin",
                    "domain": {"name": "Default"},
                    "password": zed.cloud_config()["auth"]["password"],
                }
            },
        }
    }
    reply = requests.post(zed.auth_url + "/auth/tokens", json={"auth": auth}, timeout=5)
    assert reply.status_code == 201
    assert "catalog" not in reply.json()["token"]
    assert "project" not in reply.json()["token"]


def test_token_validation_and_revocation(zed: FakeCloud) -> None:
    token = zed.issue_token()
    other = zed.issue_token()
    url = zed.auth_url + "/auth/tokens"
    headers = {"X-Auth-Token": token, "X-Subject-Token": other}
    shown = requests.get(url, headers=headers, timeout=5)
    assert shown.status_code == 200
    assert shown.json()["token"]["user"]["name"] == "admin"
    assert requests.delete(url, headers=headers, timeout=5).status_code == 204
    assert requests.get(url, headers=headers, timeout=5).status_code == 404


# Canned responses


def test_add_serves_json_with_request_id(zed: FakeCloud, zed_session: Any) -> None:
    zed.add("GET", "compute", "/servers/detail", json={"servers": [{"id": "a"}]})
    reply = compute(zed_session).get("/servers/detail")
    assert reply.json() == {"servers": [{"id": "a"}]}
    assert reply.headers["X-OpenStack-Request-ID"].startswith("req-")
    last = zed.calls[-1]
    assert last.request.url == zed.endpoint("compute") + "/servers/detail"


def test_add_needs_token(zed: FakeCloud) -> None:
    zed.add("GET", "compute", "/servers", json={"servers": []})
    reply = requests.get(zed.endpoint("compute") + "/servers", timeout=5)
    assert reply.status_code == 401
    assert reply.json()["error"]["title"] == "Unauthorized"


def test_added_responses_in_order_last_repeats(
    zed: FakeCloud, zed_session: Any
) -> None:
    for state in ("BUILD", "BUILD", "ACTIVE"):
        zed.add("GET", "compute", "/servers/s1", json={"server": {"status": state}})
    client = compute(zed_session)
    states = [client.get("/servers/s1").json()["server"]["status"] for _ in range(5)]
    assert states == ["BUILD", "BUILD", "ACTIVE", "ACTIVE", "ACTIVE"]


def test_add_with_project_in_catalog_url(zed: FakeCloud, zed_session: Any) -> None:
    zed.add("GET", "block-storage", "/volumes", json={"volumes": []})
    client = adapter.Adapter(zed_session, service_type="block-storage")
    reply = client.get("/volumes")
    assert reply.status_code == 200
    assert f"/v3/{zed.project_id}/volumes" in reply.url


def test_add_absolute_url_and_query(zed: FakeCloud) -> None:
    root = "http://127.0.0.1:9696"
    zed.add("GET", "network", root + "/v2.0/ports?device_id=d1", json={"ports": [1]})
    zed.add("GET", "network", "/v2.0/ports", json={"ports": []})
    token = {"X-Auth-Token": zed.issue_token()}
    filtered = requests.get(
        root + "/v2.0/ports", params={"device_id": "d1"}, headers=token, timeout=5
    )
    plain = requests.get(root + "/v2.0/ports", headers=token, timeout=5)
    assert filtered.json() == {"ports": [1]}
    assert plain.json() == {"ports": []}


def test_add_plain_body_and_status(zed: FakeCloud) -> None:
    zed.add("DELETE", "image", "/v2/images/i1", status=204)
    zed.add("GET", "image", "/v2/images/i1/file", body=b"\x00\x01", status=200)
    token = {"X-Auth-Token": zed.issue_token()}
    deleted = requests.delete("http://127.0.0.1:9292/v2/images/i1", headers=token)
    data = requests.get("http://127.0.0.1:9292/v2/images/i1/file", headers=token)
    assert deleted.status_code == 204
    assert data.content == b"\x00\x01"


def test_add_overrides_version_document(zed: FakeCloud, real_documents: Any) -> None:
    broken = json.loads(
        (
            real_documents.folder / "block-storage/queens-versions.apiref-raw.json"
        ).read_text()
    )
    zed.add("GET", "block-storage", "http://127.0.0.1:8776/", json=broken, status=300)
    reply = requests.get("http://127.0.0.1:8776/", timeout=5)
    assert reply.status_code == 300
    assert reply.json() == broken


def test_unknown_path_is_service_404(zed: FakeCloud, zed_session: Any) -> None:
    reply = compute(zed_session).get("/flavors", raise_exc=False)
    assert reply.status_code == 404
    message = reply.json()["itemNotFound"]["message"]
    assert "no response added for GET /v2.1/flavors" in message


def _ironic_fault(body: str) -> Any:
    return json.loads(json.loads(body)["error_message"])["faultcode"]


@pytest.mark.parametrize(
    ("service_type", "path", "parse", "expected"),
    [
        ("compute", "/x", lambda body: json.loads(body)["itemNotFound"]["code"], 404),
        (
            "block-storage",
            "/x",
            lambda body: json.loads(body)["itemNotFound"]["code"],
            404,
        ),
        (
            "network",
            "v2.0/x",
            lambda body: json.loads(body)["NeutronError"]["type"],
            "HTTPNotFound",
        ),
        ("placement", "/x", lambda body: json.loads(body)["errors"][0]["status"], 404),
        ("baremetal", "/v1/x", _ironic_fault, "Client"),
        (
            "orchestration",
            "/x",
            lambda body: json.loads(body)["error"]["type"],
            "NotFound",
        ),
        ("image", "/v2/x", lambda body: body.splitlines()[0], "404 Not Found"),
        ("identity", "/v3/x", lambda body: json.loads(body)["error"]["code"], 404),
    ],
)
def test_error_body_per_service(
    zed: FakeCloud, service_type: str, path: str, parse: Any, expected: Any
) -> None:
    url = zed.endpoint(service_type).rstrip("/") + "/" + path.lstrip("/")
    reply = requests.get(url, headers={"X-Auth-Token": zed.issue_token()}, timeout=5)
    assert reply.status_code == 404
    assert parse(reply.text) == expected


def test_revoked_token_makes_client_authenticate_again(
    zed: FakeCloud, zed_session: Any
) -> None:
    zed.add("GET", "compute", "/servers", json={"servers": []})
    client = compute(zed_session)
    client.get("/servers")
    zed.revoke_tokens()
    assert client.get("/servers").status_code == 200
    assert post_count(zed) == 2


# Microversions


def test_no_header_is_served_at_minimum(zed: FakeCloud, zed_session: Any) -> None:
    zed.add("GET", "compute", "/servers", json={"servers": []})
    reply = compute(zed_session).get("/servers")
    assert reply.headers["OpenStack-API-Version"] == "compute 2.1"
    assert reply.headers["X-OpenStack-Nova-API-Version"] == "2.1"


def test_latest_is_served_at_maximum(zed: FakeCloud, zed_session: Any) -> None:
    zed.add("GET", "compute", "/servers", json={"servers": []})
    reply = compute(zed_session).get("/servers", microversion="latest")
    assert reply.headers["OpenStack-API-Version"] == "compute 2.93"


def test_out_of_range_is_406(zed: FakeCloud, zed_session: Any) -> None:
    zed.add("GET", "compute", "/servers", json={"servers": []})
    reply = compute(zed_session).get("/servers", microversion="2.96", raise_exc=False)
    assert reply.status_code == 406
    message = reply.json()["computeFault"]["message"]
    assert message == (
        "microversion 2.96 is not supported by compute; this cloud offers 2.1 to 2.93"
    )


def test_malformed_microversion_is_400(zed: FakeCloud) -> None:
    headers = {"X-Auth-Token": zed.issue_token(), "OpenStack-API-Version": "compute 2"}
    reply = requests.get(zed.endpoint("compute") + "/servers", headers=headers)
    assert reply.status_code == 400
    assert "invalid microversion '2'" in reply.json()["badRequest"]["message"]


@pytest.mark.parametrize(
    ("service_type", "path", "version", "expected"),
    [
        ("compute", "/s", "2.53", {"OpenStack-API-Version": "compute 2.53"}),
        ("block-storage", "/s", "3.60", {"OpenStack-API-Version": "volume 3.60"}),
        ("placement", "/s", "1.30", {"OpenStack-API-Version": "placement 1.30"}),
        (
            "baremetal",
            "/v1/nodes",
            "1.70",
            {
                "X-OpenStack-Ironic-API-Version": "1.70",
                "X-OpenStack-Ironic-API-Minimum-Version": "1.1",
                "X-OpenStack-Ironic-API-Maximum-Version": "1.80",
            },
        ),
        (
            "shared-file-system",
            "/shares",
            "2.60",
            {"X-OpenStack-Manila-API-Version": "2.60"},
        ),
    ],
)
def test_microversion_header_per_service(
    zed: FakeCloud,
    zed_session: Any,
    service_type: str,
    path: str,
    version: str,
    expected: dict[str, str],
) -> None:
    zed.add("GET", service_type, path, json={})
    client = adapter.Adapter(zed_session, service_type=service_type)
    reply = client.get(path, microversion=version)
    for name, value in expected.items():
        assert reply.headers[name] == value


def test_manila_ignores_generic_header(zed: FakeCloud) -> None:
    zed.add("GET", "shared-file-system", "/shares", json={})
    headers = {
        "X-Auth-Token": zed.issue_token(),
        "OpenStack-API-Version": "shared-file-system 2.60",
    }
    reply = requests.get(
        zed.endpoint("shared-file-system") + "/shares", headers=headers
    )
    assert reply.headers["X-OpenStack-Manila-API-Version"] == "2.0"


def test_other_service_entry_in_generic_header_is_ignored(zed: FakeCloud) -> None:
    zed.add("GET", "compute", "/servers", json={})
    headers = {
        "X-Auth-Token": zed.issue_token(),
        "OpenStack-API-Version": "placement 1.30, compute 2.60",
    }
    reply = requests.get(zed.endpoint("compute") + "/servers", headers=headers)
    assert reply.headers["OpenStack-API-Version"] == "compute 2.60"


def test_responses_per_microversion_range(zed: FakeCloud, zed_session: Any) -> None:
    zed.add(
        "GET",
        "compute",
        "/servers/s1",
        json={"server": {"flavor": {"id": "f1"}}},
        max_microversion="2.46",
    )
    zed.add(
        "GET",
        "compute",
        "/servers/s1",
        json={"server": {"flavor": {"original_name": "m1.small"}}},
        min_microversion="2.47",
    )
    client = compute(zed_session)
    old = client.get("/servers/s1", microversion="2.46").json()
    new = client.get("/servers/s1", microversion="2.47").json()
    again = client.get("/servers/s1", microversion="2.46").json()
    assert old["server"]["flavor"] == {"id": "f1"}
    assert new["server"]["flavor"] == {"original_name": "m1.small"}
    assert again == old


def test_no_response_for_microversion_is_404(zed: FakeCloud, zed_session: Any) -> None:
    zed.add("GET", "compute", "/servers/s1", json={}, min_microversion="2.47")
    reply = compute(zed_session).get("/servers/s1", raise_exc=False)
    assert reply.status_code == 404
    assert "microversions 2.47 to max" in reply.json()["itemNotFound"]["message"]
    assert reply.headers["OpenStack-API-Version"] == "compute 2.1"


@given(minor=st.integers(min_value=0, max_value=200))
def test_microversion_accepted_only_in_range(minor: int) -> None:
    with FakeCloud("train", services=["compute"]) as cloud:
        cloud.add("GET", "compute", "/servers", json={})
        headers = {
            "X-Auth-Token": cloud.issue_token(),
            "X-OpenStack-Nova-API-Version": f"2.{minor}",
        }
        reply = requests.get(cloud.endpoint("compute") + "/servers", headers=headers)
    if 1 <= minor <= 79:
        assert reply.status_code == 200
        assert reply.headers["OpenStack-API-Version"] == f"compute 2.{minor}"
    else:
        assert reply.status_code == 406


# Construction and lifecycle


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"release": "rocky"}, "unknown OpenStack release 'rocky'"),
        ({"services": ["volume"]}, "unknown service type 'volume'"),
        ({"services": "compute"}, "not the string 'compute'"),
        ({"auth_url": "http://10.0.0.1:5000/v3"}, "invalid auth_url"),
        ({"auth_url": "http://127.0.0.1/v3"}, "invalid auth_url"),
        ({"auth_url": "http://127.0.0.1:5000/v2.0"}, "invalid auth_url"),
        ({"auth_url": "http://127.0.0.1:61000/v3"}, "at most 60839"),
    ],
)
def test_constructor_rejects(kwargs: dict[str, Any], message: str) -> None:
    arguments = {"release": "zed", **kwargs}
    with pytest.raises(ValueError, match=message):
        FakeCloud(**arguments)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("FETCH", "compute", "/x"), {}, "invalid HTTP method 'FETCH'"),
        (("GET", "volumev3", "/x"), {}, "unknown service type"),
        (("GET", "compute", "x"), {}, "must start with '/'"),
        (("GET", "compute", "http://127.0.0.1:9292/x"), {}, "not on compute"),
        (("GET", "compute", "/x"), {"json": {}, "body": "b"}, "not both"),
        (("GET", "compute", "/x"), {"status": 99}, "invalid HTTP status 99"),
        (("GET", "compute", "/x"), {"min_microversion": "2"}, "invalid microversion"),
        (("GET", "image", "/x"), {"max_microversion": "2.1"}, "has no microversions"),
    ],
)
def test_add_rejects(
    args: tuple[str, ...], kwargs: dict[str, Any], message: str
) -> None:
    cloud = FakeCloud("zed")
    with pytest.raises(ValueError, match=message):
        cloud.add(*args, **kwargs)


def test_add_to_absent_service_rejected() -> None:
    cloud = FakeCloud("zed", services=["compute"])
    with pytest.raises(ValueError, match="'placement' is not in this zed cloud"):
        cloud.add("GET", "placement", "/resource_providers")


def test_clouds_side_by_side() -> None:
    old = FakeCloud("queens", auth_url="http://127.0.0.1:5100/v3")
    new = FakeCloud("gazpacho")
    with old, new:
        assert old.endpoint("compute") == "http://127.0.0.1:8874/v2.1"
        for cloud, maximum in ((old, "2.60"), (new, "2.103")):
            ks_session = password_session(cloud)
            data = ks_session.get_endpoint_data(
                service_type="compute", discover_versions=True
            )
            assert "{}.{}".format(*data.max_microversion) == maximum
            ks_session.session.close()
    old_ports = {urlsplit(call.request.url).port for call in old.calls}
    new_ports = {urlsplit(call.request.url).port for call in new.calls}
    assert old_ports == {5100, 8874}
    assert new_ports == {5000, 8774}


def test_same_ports_rejected() -> None:
    with FakeCloud("zed"):
        with pytest.raises(ValueError, match="already served by another started"):
            FakeCloud("train").start()


def test_stop_keeps_calls_and_releases_mock() -> None:
    with FakeCloud("zed") as cloud:
        cloud.issue_token()
        requests.get("http://127.0.0.1:8774/", timeout=5)
    assert SHARED_MOCK.mock is None
    assert [call.request.url for call in cloud.calls] == ["http://127.0.0.1:8774/"]


def test_cloud_config_entry() -> None:
    cloud = FakeCloud("zed", region="RegionTwo")
    config = cloud.cloud_config()
    assert config["region_name"] == "RegionTwo"
    assert config["identity_api_version"] == 3
    assert set(config["auth"]) == {
        "auth_url",
        "username",
        "password",
        "project_name",
        "user_domain_name",
        "project_domain_name",
    }
    assert config["auth"]["auth_url"] == "http://127.0.0.1:5000/v3"


def test_identity_path_prefix() -> None:
    with FakeCloud("zed", auth_url="http://127.0.0.1:5000/identity/v3") as cloud:
        ks_session = password_session(cloud)
        data = ks_session.get_endpoint_data(
            service_type="identity", discover_versions=True
        )
        assert data.url == "http://127.0.0.1:5000/identity/v3/"
        ks_session.session.close()
