"""The clouds a ``WorkflowRunner`` runs workflows on, and its registry.

Imported on first use by ``testing.workflows``, because the registry modules
take most of a second to import and pytest loads the testing package in
every run.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from registry.catalog import PluginCatalog
from registry.cloud import RELEASE_KEY, CloudDirectory
from registry.registry import Registry
from registry.resolution import ActionSource, Resolution, resolve
from registry.versions import CloudVersions
from testing.fakecloud import FakeCloud

__all__ = ["RunnerClouds", "RunnerRegistry", "announce_versions_run"]


class RunnerRegistry(Registry):
    """A registry that resolves from a runner's catalogue, replacements included.

    Cloud discovery, microversion choice and service clients are the
    registry's own. Only the versions that ``resolve`` chooses from come
    from ``source``, where a replaced action has one entry per installed
    version: the real requirements with the canned outcome.
    """

    def __init__(self, catalog: PluginCatalog, source: ActionSource) -> None:
        super().__init__(catalog, clouds=CloudDirectory())
        self.source = source
        #: Every resolution returned, by (cloud, action, version).
        self.resolved: dict[tuple[str, str, str], Resolution] = {}

    def resolve(
        self, name_with_pin: str, cloud: str | CloudVersions | None
    ) -> Resolution:
        # NOTE: mirrors Registry.resolve with ``source`` in place of the
        # catalogue; keep the two in step.
        resolution = resolve(name_with_pin, self.cloud_versions(cloud), self.source)
        key = (resolution.cloud, resolution.action, resolution.version)
        self.resolved[key] = resolution
        return resolution


class RunnerClouds:
    """Names the clouds given to a runner and adds them to its registry.

    A ``FakeCloud`` is named by identity, a clouds.yaml entry by equality, so
    later runs on the same cloud reuse its discovered versions and session.
    """

    def __init__(self, registry: RunnerRegistry) -> None:
        self.registry = registry
        self._fake: list[tuple[FakeCloud, str]] = []
        self._configured: list[tuple[dict[str, Any], str]] = []
        self._counter = itertools.count(1)

    def name_of(self, cloud: FakeCloud | Mapping[str, Any]) -> str:
        """Return the registry's name of a cloud, adding the cloud on first use.

        Raises:
            TypeError: ``cloud`` is neither a ``FakeCloud`` nor a mapping.
            ValueError: ``cloud`` is a ``FakeCloud`` that is not started.
        """
        if isinstance(cloud, FakeCloud):
            if not cloud.started:
                raise ValueError(
                    f"{cloud!r} is not started, so its requests would fail to "
                    "connect; use the fake_cloud fixture, or FakeCloud as a "
                    "context manager"
                )
            return self._fake_name(cloud)
        if isinstance(cloud, Mapping):
            return self._configured_name(dict(cloud))
        raise TypeError(
            f"cloud must be a FakeCloud or one clouds.yaml 'clouds:' entry (a "
            f"dict with auth, region_name, ...), not {type(cloud).__name__}"
        )

    def _fake_name(self, cloud: FakeCloud) -> str:
        for known, name in self._fake:
            if known is cloud:
                return name
        name = f"fake-{cloud.release}-{next(self._counter)}"
        # The declared release decides requirements removed in a release, as
        # openstack_release in a production clouds.yaml entry does.
        self.registry.clouds.add(
            name, {**cloud.cloud_config(), RELEASE_KEY: cloud.release}
        )
        self._fake.append((cloud, name))
        return name

    def _configured_name(self, config: dict[str, Any]) -> str:
        for known, name in self._configured:
            if known == config:
                return name
        name = f"cloud-{next(self._counter)}"
        self.registry.clouds.add(name, config)
        self._configured.append((config, name))
        return name


def announce_versions_run(
    registry: RunnerRegistry, cloud: str, ran: Iterable[tuple[str, str]]
) -> None:
    """Tell the ``add_run_listener`` listeners which action versions ran.

    ``ran`` contains (action name, version) pairs, names with or without a pin.
    """
    from testing.actions import notify_run_listeners

    for name, version in sorted(set(ran)):
        resolution = registry.resolved.get((cloud, name.partition("@")[0], version))
        if resolution is not None:
            notify_run_listeners(resolution)
