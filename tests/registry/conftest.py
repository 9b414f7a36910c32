"""Registry fixtures: a registry over installed plugins and a fake cloud."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from registry.cloud import CloudDirectory
from registry.discovery import load_plugins
from registry.registry import Registry
from registry.store import CatalogStore
from testing.fakecloud import FakeCloud


class Clock:
    """A settable clock for cache expiry."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cloud_registry(fake_cloud: FakeCloud, clock: Clock) -> Registry:
    """A registry of the installed plugins with the fake cloud named "test"."""
    store = CatalogStore.connect(None)
    clouds = CloudDirectory(
        {"test": fake_cloud.cloud_config()}, store=store, clock=clock
    )
    return Registry(load_plugins(), store=store, clouds=clouds)
