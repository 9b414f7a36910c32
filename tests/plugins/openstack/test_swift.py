"""Swift account, container and object actions."""

from __future__ import annotations

import base64

import pytest

from action_sdk import ActionError

from .conftest import CloudRun

ACCOUNT_HEADERS = {"X-Account-Container-Count": "2", "X-Account-Bytes-Used": "10"}


def account_url(os_cloud: CloudRun) -> str:
    return os_cloud.cloud.endpoint("object-store")


def test_swift_endpoint_keeps_account(os_cloud: CloudRun) -> None:
    choice = os_cloud.resolve("swift.get_account").services["object-store"]
    assert choice.endpoint == account_url(os_cloud)


def test_get_account(os_cloud: CloudRun) -> None:
    containers = [{"name": "a", "count": 1, "bytes": 5}]
    os_cloud.add(
        "GET",
        "object-store",
        account_url(os_cloud) + "?format=json&prefix=a",
        json=containers,
        headers=ACCOUNT_HEADERS,
    )
    headers, listing = os_cloud.run_swift("swift.get_account", {"prefix": "a"})
    assert listing == containers
    assert headers["x-account-container-count"] == "2"
    assert "OpenStack-API-Version" not in os_cloud.last.headers


def test_get_account_full_listing(os_cloud: CloudRun) -> None:
    url = account_url(os_cloud)
    os_cloud.add("GET", "object-store", url + "?format=json", json=[{"name": "a"}])
    os_cloud.add(
        "GET", "object-store", url + "?format=json&marker=a", json=[{"name": "b"}]
    )
    os_cloud.add("GET", "object-store", url + "?format=json&marker=b", status=204)
    _, listing = os_cloud.run_swift("swift.get_account", {"full_listing": True})
    assert listing == [{"name": "a"}, {"name": "b"}]


def test_head_account(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "HEAD", "object-store", account_url(os_cloud), status=204, headers=ACCOUNT_HEADERS
    )
    headers = os_cloud.run_swift("swift.head_account")
    assert headers["x-account-bytes-used"] == "10"
    assert os_cloud.last.method == "HEAD"


def test_get_container_quotes_name(os_cloud: CloudRun) -> None:
    objects = [{"name": "dir/x.txt", "bytes": 3}, {"subdir": "dir/y/"}]
    os_cloud.add(
        "GET",
        "object-store",
        "/my%20logs?format=json&delimiter=%2F&prefix=dir%2F",
        json=objects,
        headers={"X-Container-Object-Count": "2"},
    )
    headers, listing = os_cloud.run_swift(
        "swift.get_container",
        {"container": "my logs", "prefix": "dir/", "delimiter": "/"},
    )
    assert listing == objects
    assert headers["x-container-object-count"] == "2"


def test_get_container_full_listing_uses_subdir(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "GET", "object-store", "/c?format=json&delimiter=%2F", json=[{"subdir": "d/"}]
    )
    os_cloud.add(
        "GET", "object-store", "/c?format=json&delimiter=%2F&marker=d%2F", json=[]
    )
    _, listing = os_cloud.run_swift(
        "swift.get_container",
        {"container": "c", "delimiter": "/", "full_listing": True},
    )
    assert listing == [{"subdir": "d/"}]


def test_head_container(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "HEAD", "object-store", "/c", status=204, headers={"X-Container-Meta-Owner": "ops"}
    )
    headers = os_cloud.run_swift("swift.head_container", {"container": "c"})
    assert headers["x-container-meta-owner"] == "ops"
    assert os_cloud.last.method == "HEAD"


def test_head_object_reads_no_body(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "HEAD",
        "object-store",
        "/c/dir/a%20b.txt",
        headers={"Content-Length": "12", "Etag": "abc", "X-Object-Meta-Kind": "log"},
    )
    headers = os_cloud.run_swift(
        "swift.head_object", {"container": "c", "obj": "dir/a b.txt"}
    )
    assert headers["etag"] == "abc"
    assert headers["x-object-meta-kind"] == "log"
    assert os_cloud.last.method == "HEAD"


@pytest.mark.parametrize(
    ("name", "method", "payload"),
    [
        ("swift.put_container", "PUT", {"headers": {"X-Storage-Policy": "gold"}}),
        ("swift.post_container", "POST", {"headers": {"X-Container-Meta-A": "b"}}),
        ("swift.delete_container", "DELETE", {}),
    ],
)
def test_container_writes(
    os_cloud: CloudRun, name: str, method: str, payload: dict[str, object]
) -> None:
    os_cloud.add(method, "object-store", "/c", status=201 if method == "PUT" else 204)
    assert os_cloud.run_swift(name, {"container": "c", **payload}) is None
    for header, value in dict(payload.get("headers") or {}).items():
        assert os_cloud.last.headers[header] == value


def test_delete_container_not_empty(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "DELETE",
        "object-store",
        "/c",
        status=409,
        body="<html><h1>Conflict</h1><p>There was a conflict.</p></html>",
    )
    with pytest.raises(ActionError, match="HTTP 409"):
        os_cloud.run_swift("swift.delete_container", {"container": "c"})


def test_get_object_text(os_cloud: CloudRun) -> None:
    os_cloud.add(
        "GET",
        "object-store",
        "/c/dir/a%20b.txt",
        body="héllo",
        headers={"Etag": "abc", "X-Object-Meta-Owner": "ops"},
    )
    headers, content = os_cloud.run_swift(
        "swift.get_object", {"container": "c", "obj": "dir/a b.txt"}
    )
    assert content == "héllo"
    assert headers["x-object-meta-owner"] == "ops"


def test_get_object_binary(os_cloud: CloudRun) -> None:
    data = bytes(range(256))
    os_cloud.add("GET", "object-store", "/c/blob", body=data)
    with pytest.raises(ActionError, match="set as_base64 to true"):
        os_cloud.run_swift("swift.get_object", {"container": "c", "obj": "blob"})
    _, content = os_cloud.run_swift(
        "swift.get_object", {"container": "c", "obj": "blob", "as_base64": True}
    )
    assert base64.b64decode(content) == data


def test_put_object(os_cloud: CloudRun) -> None:
    os_cloud.add("PUT", "object-store", "/c/o", status=201, headers={"Etag": '"e1"'})
    etag = os_cloud.run_swift(
        "swift.put_object",
        {
            "container": "c",
            "obj": "o",
            "contents": "data",
            "content_type": "text/plain",
            "headers": {"X-Delete-After": "60"},
        },
    )
    assert etag == "e1"
    assert os_cloud.last.body == b"data"
    assert os_cloud.last.headers["Content-Type"] == "text/plain"
    assert os_cloud.last.headers["X-Delete-After"] == "60"


def test_put_object_from_base64(os_cloud: CloudRun) -> None:
    os_cloud.add("PUT", "object-store", "/c/o", status=201)
    contents = base64.b64encode(b"\x00\xff").decode()
    payload = {"container": "c", "obj": "o", "contents": contents, "from_base64": True}
    assert os_cloud.run_swift("swift.put_object", payload) is None
    assert os_cloud.last.body == b"\x00\xff"


def test_put_object_rejects_bad_base64(os_cloud: CloudRun) -> None:
    payload = {"container": "c", "obj": "o", "contents": "%%", "from_base64": True}
    with pytest.raises(ActionError, match="contents is not valid base64"):
        os_cloud.run_swift("swift.put_object", payload)


@pytest.mark.parametrize(
    ("payload", "target"),
    [
        ({"destination": "/backup/o 2"}, "/backup/o%202"),
        ({"fresh_metadata": True, "headers": {"X-Object-Meta-A": "b"}}, "/c/o%201"),
    ],
)
def test_copy_object(
    os_cloud: CloudRun, payload: dict[str, object], target: str
) -> None:
    os_cloud.add("PUT", "object-store", target, status=201)
    os_cloud.run_swift("swift.copy_object", {"container": "c", "obj": "o 1", **payload})
    assert os_cloud.last.headers["X-Copy-From"] == "/c/o%201"
    assert os_cloud.last.headers["Content-Length"] == "0"
    fresh = payload.get("fresh_metadata")
    assert ("X-Fresh-Metadata" in os_cloud.last.headers) is bool(fresh)


def test_copy_object_bad_destination(os_cloud: CloudRun) -> None:
    with pytest.raises(ActionError, match="invalid destination 'backup'"):
        os_cloud.run_swift(
            "swift.copy_object", {"container": "c", "obj": "o", "destination": "backup"}
        )


def test_post_and_delete_object(os_cloud: CloudRun) -> None:
    os_cloud.add("POST", "object-store", "/c/o", status=202)
    os_cloud.add("DELETE", "object-store", "/c/o", status=204)
    headers = {"X-Object-Meta-Owner": "ops"}
    payload = {"container": "c", "obj": "o", "headers": headers}
    assert os_cloud.run_swift("swift.post_object", payload) is None
    assert os_cloud.last.headers["X-Object-Meta-Owner"] == "ops"
    assert (
        os_cloud.run_swift("swift.delete_object", {"container": "c", "obj": "o"})
        is None
    )


def test_empty_names_rejected(os_cloud: CloudRun) -> None:
    with pytest.raises(ActionError, match="container is empty"):
        os_cloud.run_swift("swift.delete_container", {"container": ""})
