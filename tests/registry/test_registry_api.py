import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from registry.api import create_app
from registry.cloud import CloudDirectory
from registry.discovery import load_plugins
from registry.registry import Registry
from testing.fakecloud import FakeCloud


class Client:
    """Calls the application in process through httpx's ASGI transport."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://127.0.0.1"
            ) as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(send())

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


@pytest.fixture
def client(fake_cloud: FakeCloud) -> Client:
    registry = Registry(
        load_plugins(), clouds=CloudDirectory({"test": fake_cloud.cloud_config()})
    )
    return Client(create_app(registry))


def test_list_actions_filters(client: Client) -> None:
    body = client.get("/actions", params={"service": "compute"}).json()
    names = [a["name"] for a in body["actions"]]
    assert {"nova.servers_get", "nova.servers_list", "nova.servers_reboot"} <= set(names)
    assert names == sorted(names)
    assert all(not name.startswith(("std.", "glance.", "cinder.")) for name in names)
    assert body["total"] == len(names)


def test_list_actions_prefix_and_page(client: Client) -> None:
    body = client.get(
        "/actions", params={"prefix": "std.", "limit": 2, "offset": 1}
    ).json()
    assert [a["name"] for a in body["actions"]] == ["std.echo", "std.email"]
    assert body["total"] == 10
    assert body["next"] is not None
    assert "offset" not in body["next"]
    assert "marker=std.email" in body["next"]


def test_list_actions_next_walks_all(client: Client) -> None:
    listing = client.get("/actions", params={"limit": 1000}).json()
    everything = [a["name"] for a in listing["actions"]]
    seen: list[str] = []
    url: str | None = "/actions?prefix=std.&limit=3"
    pages = 0
    while url is not None:
        body = client.get(url).json()
        seen.extend(a["name"] for a in body["actions"])
        url = body["next"]
        pages += 1
    expected = [name for name in everything if name.startswith("std.")]
    assert seen == expected
    assert pages == 4


def test_list_actions_last_page_no_next(client: Client) -> None:
    body = client.get("/actions", params={"prefix": "std.", "limit": 10}).json()
    assert len(body["actions"]) == 10
    assert body["next"] is None


def test_list_actions_marker(client: Client) -> None:
    body = client.get(
        "/actions", params={"prefix": "std.", "limit": 2, "marker": "std.echo"}
    ).json()
    assert [a["name"] for a in body["actions"]] == ["std.email", "std.fail"]


def test_list_actions_unknown_marker(client: Client) -> None:
    response = client.get("/actions", params={"marker": "std.nope"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_marker"
    assert "std.nope" in response.json()["error"]["message"]


def test_list_actions_offset_and_marker(client: Client) -> None:
    response = client.get("/actions", params={"marker": "std.echo", "offset": 1})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_paging"


def test_show_action(client: Client) -> None:
    body = client.get("/actions/nova.servers_list").json()
    assert [v["version"] for v in body["versions"]] == ["2.0.0", "1.0.0"]
    assert body["versions"][1]["requirements"][0]["max_microversion"] == "2.46"
    assert body["versions"][0]["input_schema"]["properties"]["limit"]["anyOf"] == [
        {"type": "integer"},
        {"type": "null"},
    ]


def test_show_unknown_action(client: Client) -> None:
    response = client.get("/actions/nova.server_list")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "action_not_found"


def test_resolve_for_cloud(client: Client) -> None:
    body = client.get(
        "/actions/nova.servers_list@1/resolve", params={"cloud": "test"}
    ).json()
    assert body["version"] == "1.0.0"
    assert body["services"]["compute"]["microversion"] == "2.46"


def test_resolve_for_given_versions(client: Client) -> None:
    response = client.get(
        "/actions/cinder.volumes_list/resolve",
        params={"service": ["block-storage=3.59"]},
    )
    assert response.json()["services"]["block-storage"]["microversion"] == "3.59"


def test_resolve_conflict_lists_versions(client: Client) -> None:
    response = client.get(
        "/actions/nova.servers_list@2/resolve", params={"service": "compute=2.40"}
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "no_fitting_version"
    assert [r["version"] for r in error["details"]["rejections"]] == ["2.0.0", "1.0.0"]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({}, 400, "missing_target"),
        ({"service": "compute=two"}, 400, "invalid_service_version"),
        ({"cloud": "nowhere-cloud-xyz"}, 404, "cloud_not_found"),
    ],
)
def test_resolve_errors(
    client: Client,
    params: dict[str, str],
    status: int,
    code: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path,
) -> None:
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "none.yaml"))
    response = client.get("/actions/nova.servers_list/resolve", params=params)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_resolve_bad_pin(client: Client) -> None:
    response = client.get(
        "/actions/nova.servers_list@x/resolve", params={"cloud": "test"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_pin"


def test_invalid_query(client: Client) -> None:
    response = client.get("/actions", params={"limit": "many"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def test_plugins(client: Client) -> None:
    body = client.get("/plugins").json()
    plugins = {p["name"]: p for p in body["plugins"]}
    assert {"openstack", "std"} <= set(plugins)
    assert "nova.servers_list" in plugins["openstack"]["actions"]
    assert body["failures"] == []


def test_discover_cloud(client: Client, fake_cloud: FakeCloud) -> None:
    body = client.post("/clouds/test/discover").json()
    assert (
        body["services"]["compute"][0]["max_microversion"]
        == fake_cloud.microversion_range("compute")[1]
    )
    assert fake_cloud.cloud_config()["auth"]["password"] not in str(body)
