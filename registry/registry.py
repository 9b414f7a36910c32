"""The registry as the engine, the API and the CLI use it.

``Registry`` joins the plugin catalogue, its tables and the cloud directory.
The engine calls three functions:

- ``resolve_for_task(registry, action_name, cloud)`` once per task, for the
  action version and microversions to run;
- ``Registry.service_clients(resolution)`` for ``RunContext.services``;
- ``check_workflow(definition, cloud)`` (in ``registry.planning``) before an
  execution starts, so a workflow that cannot run fails with every reason.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from sqlalchemy import Engine

from action_sdk import SecurityContext, ServiceClients
from registry.catalog import PluginCatalog
from registry.clients import build_service_clients
from registry.cloud import DEFAULT_TTL, CloudDirectory
from registry.discovery import load_plugins
from registry.resolution import Resolution, resolve
from registry.store import CatalogStore
from registry.versions import EXPLICIT_CLOUD, NO_CLOUD, CloudVersions

logger = logging.getLogger(__name__)

_default: Registry | None = None
_default_lock = threading.Lock()


class Registry:
    """Installed actions, their tables and the clouds they run on.

    Args:
        catalog: Loaded plugins and their actions.
        store: Registry tables; an in-memory SQLite database when None.
        clouds: Cloud configurations and discovered versions; clouds.yaml and
            ``OS_*`` variables when None.
    """

    def __init__(
        self,
        catalog: PluginCatalog,
        *,
        store: CatalogStore | None = None,
        clouds: CloudDirectory | None = None,
    ) -> None:
        self.catalog = catalog
        self.store = store or CatalogStore.connect(None)
        self.store.sync(catalog)
        self.clouds = clouds or CloudDirectory(store=self.store)

    @classmethod
    def from_installed(
        cls,
        db_url_or_engine: str | Engine | None = None,
        *,
        cloud_configs: dict[str, dict[str, Any]] | None = None,
        ttl: timedelta = DEFAULT_TTL,
    ) -> Registry:
        """Load the installed plugins and sync them into the registry tables."""
        store = CatalogStore.connect(db_url_or_engine)
        clouds = CloudDirectory(cloud_configs, store=store, ttl=ttl)
        return cls(load_plugins(), store=store, clouds=clouds)

    def cloud_versions(self, cloud: str | CloudVersions | None) -> CloudVersions:
        """Return the versions of a named cloud, pass given ones through, or
        return an empty cloud for None."""
        if isinstance(cloud, CloudVersions):
            return cloud
        if cloud is None:
            return CloudVersions(cloud=NO_CLOUD)
        return self.clouds.versions(cloud)

    def resolve(
        self, name_with_pin: str, cloud: str | CloudVersions | None
    ) -> Resolution:
        """Resolve an action name, optionally pinned, for a cloud.

        Raises:
            InvalidPin, ActionNotFound, ResolutionError: see ``resolve``.
            CloudNotFound, DiscoveryError: the cloud cannot be discovered.
        """
        return resolve(name_with_pin, self.cloud_versions(cloud), self.catalog)

    def service_clients(
        self,
        resolution: Resolution,
        *,
        security: SecurityContext | None = None,
        session: ks_session.Session | None = None,
    ) -> ServiceClients:
        """Build the service clients of a resolved action.

        Requests use ``session`` when one is given. Otherwise they use the
        run's own token when ``security`` carries a token and an auth URL,
        and the cloud's configured session when it does not.
        """
        if not resolution.services:
            return ServiceClients()
        if session is None and security is not None:
            session = token_session(security)
        if session is None:
            session = self.clouds.session(resolution.cloud)
        interface = "public"
        if resolution.cloud not in (NO_CLOUD, EXPLICIT_CLOUD):
            interface = (
                self.clouds.region(resolution.cloud).config.get("interface") or "public"
            )
        return build_service_clients(resolution, session, interface=interface)


def token_session(security: SecurityContext) -> ks_session.Session | None:
    """Return a session authenticated with the run's token, or None without one."""
    if not security.auth_token or not security.auth_url:
        return None
    auth = v3.Token(
        auth_url=security.auth_url,
        token=security.auth_token,
        project_id=security.project_id,
        project_name=security.project_name,
    )
    return ks_session.Session(auth=auth)


def default_registry() -> Registry:
    """Return the process-wide registry of installed plugins, built once.

    Its tables live in ``LEVANTE_REGISTRY_DB_URL`` when set, else in memory.
    """
    import os

    global _default
    with _default_lock:
        if _default is None:
            _default = Registry.from_installed(
                os.environ.get("LEVANTE_REGISTRY_DB_URL")
            )
        return _default


def resolve_for_task(
    catalog_or_registry: Registry | PluginCatalog,
    action_name: str,
    cloud: str | CloudVersions | None,
) -> Resolution:
    """Resolve the action of one task for the cloud it runs on.

    Args:
        catalog_or_registry: A ``Registry``, or a bare ``PluginCatalog`` when
            ``cloud`` is ``CloudVersions`` or None.
        action_name: The task's action name, optionally pinned (``name@2``).
        cloud: A cloud name, discovered versions, or None for no cloud.

    Raises:
        InvalidPin, ActionNotFound, ResolutionError, CloudNotFound,
        DiscoveryError: the task cannot run on the cloud.
        TypeError: A cloud name was given with a bare catalogue.
    """
    if isinstance(catalog_or_registry, Registry):
        return catalog_or_registry.resolve(action_name, cloud)
    if isinstance(cloud, str):
        raise TypeError(
            "a PluginCatalog cannot discover a cloud by name; pass a Registry, "
            "or the cloud's CloudVersions"
        )
    offered = cloud if cloud is not None else CloudVersions(cloud=NO_CLOUD)
    return resolve(action_name, offered, catalog_or_registry)
