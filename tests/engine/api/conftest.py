"""API test helpers: the real app over a real database, driven in process.

The engine loop does not run in a thread here: a test starts an execution
through the API, then calls ``finish`` to handle its events until it ends.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # Starlette 1.x prefers the httpx2 package for its test client and warns
    # on import when it finds httpx; the client works the same with httpx.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

import plugins.std
from engine.api import ApiConfig, create_app
from engine.core import EngineCore
from engine.db.setup import Database
from registry.discovery import catalog_from_plugins

#: Tokens of the two projects used by isolation tests.
TOKENS = {"token-a": "project-a", "token-b": "project-b"}

GREETING = """\
version: '2.0'
greet:
  input:
    - name
    - password: none
  output:
    text: <% $.text %>
  tasks:
    say:
      action: std.echo output="Hello, <% $.name %>"
      publish:
        text: <% task().result %>
"""

FAILING = """\
version: '2.0'
broken:
  tasks:
    boom:
      action: std.fail
      on-success: after
    after:
      action: std.noop
"""

ASYNC = """\
version: '2.0'
waits:
  tasks:
    hold:
      action: std.async_noop
      publish:
        got: <% task().result %>
"""


def isolate_cloud_config(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Hide clouds.yaml files and ``OS_*`` variables from openstacksdk.

    A cloud name given to the API then names no configured cloud, so no
    request can leave this machine.
    """
    for name in list(os.environ):
        if name.startswith("OS_"):
            monkeypatch.delenv(name)
    empty = folder / "clouds.yaml"
    empty.write_text("clouds: {}\n")
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(empty))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    monkeypatch.setenv("HOME", str(folder))


@pytest.fixture
def core(database: Database) -> Iterator[EngineCore]:
    engine = EngineCore(database, catalog_from_plugins({"std": plugins.std.plugin}))
    yield engine
    engine.close()


@pytest.fixture
def make_client(core: EngineCore) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def make(token: str | None = None, **config: Any) -> TestClient:
        app = create_app(core, ApiConfig(**config), engine_alive=lambda: True)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = TestClient(app, headers=headers)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of an API without authentication (project "")."""
    return make_client()


@pytest.fixture
def finish(core: EngineCore) -> Callable[[str], None]:
    """Handle an execution's events until it completes or pauses."""

    def run(execution_id: str) -> None:
        core.run(execution_id, timeout=30)

    return run


#: Seconds to wait for a 200 response of /ready after the service starts.
START_TIMEOUT = 30.0


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    """Wait until a started ``levante serve`` returns 200 on /ready."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"levante serve exited with status {process.returncode}")
        try:
            if httpx.get(f"{url}/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"levante serve did not become ready within {START_TIMEOUT} s")
