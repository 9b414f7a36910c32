"""Run OpenStack actions against the fake cloud the way the engine does.

``os_cloud`` resolves an action against the fake cloud's discovered versions,
builds the registry's service clients and runs the action with validated
input. Discovery results are cached per release and auth URL, because they
do not change between tests; each test still authenticates to its own cloud.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import pytest
import responses

from action_sdk import RunContext, SecurityContext
from registry.catalog import PluginCatalog
from registry.clients import build_service_clients
from registry.cloud import CloudDirectory
from registry.discovery import load_plugins
from registry.resolution import Resolution, ServiceChoice, resolve
from registry.versions import CloudVersions
from testing.fakecloud import FakeCloud

Factory = Callable[..., FakeCloud]

_DISCOVERED: dict[tuple[str, str], CloudVersions] = {}


class CloudRun:
    """One fake cloud, the installed actions, and helpers to run them."""

    def __init__(self, cloud: FakeCloud, catalog: PluginCatalog) -> None:
        self.cloud = cloud
        self.catalog = catalog
        self.clouds = CloudDirectory({"c": cloud.cloud_config()})

    @property
    def release(self) -> str:
        return self.cloud.release

    def versions(self) -> CloudVersions:
        key = (self.cloud.release, self.cloud.auth_url)
        if key not in _DISCOVERED:
            _DISCOVERED[key] = self.clouds.versions("c")
        return _DISCOVERED[key]

    def resolve(self, name: str) -> Resolution:
        return resolve(name, self.versions(), self.catalog)

    def run(
        self,
        name: str,
        payload: Mapping[str, Any] | None = None,
        *,
        security: SecurityContext | None = None,
    ) -> Any:
        return self.run_resolved(self.resolve(name), payload, security=security)

    def run_swift(self, name: str, payload: Mapping[str, Any] | None = None) -> Any:
        """Run an object-store action on the account URL of the catalog.

        Registry discovery resolves object-store to the URL without the
        account (``/v1`` instead of ``/v1/AUTH_<project id>``), because swift
        serves no version document, so these tests give the endpoint.
        """
        endpoint = self.cloud.endpoint("object-store")
        return self.run_at(name, endpoint, None, payload)

    def run_at(
        self,
        name: str,
        endpoint: str,
        microversion: str | None,
        payload: Mapping[str, Any] | None = None,
        *,
        security: SecurityContext | None = None,
    ) -> Any:
        """Run an action of one service on a given endpoint and microversion."""
        action_name, _, version = name.partition("@")
        descriptor = self.catalog.get(action_name, version or None)
        (requirement,) = descriptor.requirements
        choice = ServiceChoice(
            service_type=requirement.service_type,
            major=requirement.major,
            api_version=str(requirement.major),
            microversion=microversion,
            endpoint=endpoint,
            requirement=requirement,
        )
        resolution = Resolution(
            action=action_name,
            pin=None,
            descriptor=descriptor,
            cloud="c",
            region=self.cloud.region,
            services=MappingProxyType({requirement.service_type: choice}),
        )
        return self.run_resolved(resolution, payload, security=security)

    def run_resolved(
        self,
        resolution: Resolution,
        payload: Mapping[str, Any] | None = None,
        *,
        security: SecurityContext | None = None,
    ) -> Any:
        services = build_service_clients(resolution, self.clouds.session("c"))
        context = RunContext(services=services, security=security or SecurityContext())
        return resolution.descriptor.run(dict(payload or {}), context)

    def add(self, method: str, service: str, path: str, **kwargs: Any) -> None:
        self.cloud.add(method, service, path, **kwargs)

    def service_calls(self) -> list[responses.Call]:
        """Return the calls after authentication and discovery: the action's."""
        return [
            call
            for call in self.cloud.calls
            if "/auth/tokens" not in call.request.url
            and call.request.headers.get("X-Auth-Token")
        ]

    @property
    def last(self) -> Any:
        """The last request the action sent."""
        return self.service_calls()[-1].request

    def last_json(self) -> Any:
        return json.loads(self.last.body)


@pytest.fixture(scope="session")
def catalog() -> PluginCatalog:
    loaded = load_plugins()
    assert loaded.failures == []
    return loaded


@pytest.fixture
def os_cloud(fake_cloud: FakeCloud, catalog: PluginCatalog) -> CloudRun:
    return CloudRun(fake_cloud, catalog)
