"""Cloud configuration and API version discovery through keystoneauth1.

A cloud comes from clouds.yaml and ``OS_*`` variables through openstacksdk's
config loader, or from a configuration dict shaped like one clouds.yaml
``clouds:`` entry. Discovery authenticates, reads the service catalog for the
cloud's region and interface, then reads each endpoint's version documents.

``CloudDirectory`` caches the result per cloud until it expires, in memory and,
given a ``CatalogStore``, in the registry tables. Credentials stay inside the
keystoneauth session: they are never logged, stored or returned.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import os_service_types
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session as ks_session
from keystoneauth1.discover import EndpointData, VersionData

from action_sdk._requirements import normalize_release
from registry.errors import CloudNotFound, DiscoveryError
from registry.versions import STATUS_ORDER, ApiVersion, CloudVersions

if TYPE_CHECKING:
    from openstack.config.cloud_region import CloudRegion

    from registry.store import CatalogStore

logger = logging.getLogger(__name__)

#: How long discovered versions are reused before the cloud is asked again.
DEFAULT_TTL = timedelta(hours=1)
#: Key of a clouds.yaml entry that declares the cloud's OpenStack release.
RELEASE_KEY = "openstack_release"

_SERVICE_TYPES = os_service_types.ServiceTypes()


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def load_cloud_region(
    name: str, config: Mapping[str, Any] | None = None
) -> CloudRegion:
    """Return openstacksdk's view of a cloud: auth, region, interface, options.

    Args:
        name: Cloud name in clouds.yaml (or "envvars" for ``OS_*`` variables).
        config: One clouds.yaml ``clouds:`` entry to use instead of the files.

    Raises:
        CloudNotFound: No cloud has the name; the message lists known names.
        DiscoveryError: The configuration is invalid.
    """
    if not name or not name.strip():
        raise CloudNotFound("cloud name is empty; give the name of a clouds.yaml entry")
    # Imported here: importing openstacksdk takes about 0.4 s, which every
    # CLI command paid before, also those that never read a cloud.
    from openstack import exceptions as sdk_exceptions
    from openstack.config import OpenStackConfig
    from openstack.warnings import RemovedInSDK60Warning

    try:
        with warnings.catch_warnings():
            # openstacksdk 4.x warns that InfluxDB support is deprecated for
            # every cloud, configured with InfluxDB or not.
            warnings.filterwarnings(
                "ignore", message="Support for InfluxDB", category=RemovedInSDK60Warning
            )
            if config is not None:
                loader = OpenStackConfig(load_yaml_config=False, load_envvars=False)
                return loader.get_one(**dict(config))
            return OpenStackConfig().get_one(cloud=name)
    except sdk_exceptions.ConfigException as exc:
        if "was not found" in str(exc):
            # openstacksdk lists a pseudo-cloud "defaults" when no clouds.yaml exists.
            names = set(OpenStackConfig().get_cloud_names()) - {"defaults"}
            known = ", ".join(sorted(names)) or "none"
            raise CloudNotFound(
                f"cloud {name!r} not found in clouds.yaml or OS_* variables; "
                f"known clouds: {known}"
            ) from None
        raise DiscoveryError(
            f"invalid configuration of cloud {name!r}: {exc}"
        ) from None
    except ks_exceptions.ClientException as exc:
        # keystoneauth rejects an auth section without auth_url and the like.
        raise DiscoveryError(
            f"invalid configuration of cloud {name!r}: {type(exc).__name__}: {exc}"
        ) from None


def discover_versions(
    session: ks_session.Session,
    *,
    cloud: str,
    region: str | None,
    interface: str = "public",
    release: str | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> CloudVersions:
    """Read the catalog and every endpoint's version documents.

    Raises:
        DiscoveryError: Authentication or the catalog request failed.
    """
    try:
        access = session.auth.get_access(session)  # type: ignore[union-attr]
        project_id = session.get_project_id()
    except ks_exceptions.ClientException as exc:
        raise DiscoveryError(
            f"authentication to cloud {cloud!r} failed: {type(exc).__name__}: {exc}"
        ) from None
    endpoints = access.service_catalog.get_endpoints_data(
        interface=interface, region_name=region
    )
    services: dict[str, tuple[ApiVersion, ...]] = {}
    failures: dict[str, str] = {}
    for catalog_type, official in _official_types(endpoints).items():
        endpoint = endpoints[catalog_type][0]
        versions = endpoint.get_all_version_string_data(session, project_id)
        apis = _api_versions(official, endpoint, versions, project_id)
        if apis:
            services[official] = apis
        else:
            failures[official] = (
                f"no version document with a status could be read from "
                f"{endpoint.catalog_url}"
            )
    logger.info(
        "Discovered cloud %s (%s): %d services, %d without version data",
        cloud,
        region,
        len(services),
        len(failures),
    )
    return CloudVersions(
        cloud=cloud,
        region=region,
        services=services,
        failures=failures,
        release=normalize_release(release) if release else None,
        discovered_at=clock(),
    )


def _official_types(endpoints: Mapping[str, list[EndpointData]]) -> dict[str, str]:
    """Map catalog types to official ones, preferring an entry that is official."""
    chosen: dict[str, str] = {}
    for catalog_type in sorted(
        endpoints, key=lambda t: not _SERVICE_TYPES.is_official(t)
    ):
        if not endpoints[catalog_type]:
            continue
        official = _SERVICE_TYPES.get_service_type(catalog_type) or catalog_type
        if official not in chosen.values():
            chosen[catalog_type] = official
    return chosen


def _api_versions(
    service_type: str,
    endpoint: EndpointData,
    versions: list[VersionData],
    project_id: str | None,
) -> tuple[ApiVersion, ...]:
    """Keep the highest entry per major version of the documents that have a status."""
    best: dict[int, VersionData] = {}
    for data in versions:
        if not data["version"] or not data["status"]:
            continue
        major = int(str(data["version"]).split(".")[0])
        current = best.get(major)
        if current is None or _rank(data) > _rank(current):
            best[major] = data
    return tuple(
        ApiVersion(
            service_type=service_type,
            major=major,
            version=str(data["version"]),
            status=str(data["status"]).upper(),
            endpoint=_endpoint_url(
                str(data["url"]), endpoint.catalog_url, project_id, service_type
            ),
            min_microversion=data["min_microversion"] or None,
            max_microversion=data["max_microversion"] or None,
        )
        for major, data in sorted(best.items())
    )


def _rank(data: VersionData) -> tuple[tuple[int, ...], int]:
    version = tuple(int(part) for part in str(data["version"]).split("."))
    status = str(data["status"]).upper()
    order = STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)
    return version, -order


def _endpoint_url(
    version_url: str,
    catalog_url: str | None,
    project_id: str | None,
    service_type: str = "",
) -> str:
    """Return the versioned URL, keeping a project id the catalog URL ends with.

    Services such as block-storage before 3.67 need the project id in the path,
    while their version documents link to the URL without it. Object storage
    has no version document, and its catalog URL carries the account
    (``/v1/AUTH_<project>``), so the catalog URL is used as it is.
    """
    if service_type == "object-store" and catalog_url:
        return catalog_url.rstrip("/")
    if catalog_url and project_id:
        trimmed = catalog_url.rstrip("/")
        if trimmed.endswith("/" + project_id):
            base = trimmed[: -len(project_id) - 1]
            if base.rstrip("/") == version_url.rstrip("/"):
                return trimmed
    return version_url.rstrip("/")


class CloudDirectory:
    """Named clouds, their keystoneauth sessions and cached API versions.

    Args:
        configs: Cloud name to one clouds.yaml ``clouds:`` entry. Other names
            are looked up in clouds.yaml and ``OS_*`` variables.
        store: Registry tables that persist discovered versions, or None.
        ttl: How long discovered versions stay valid.
        clock: Returns the current time; tests pass a fake one.
    """

    def __init__(
        self,
        configs: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        store: CatalogStore | None = None,
        ttl: timedelta = DEFAULT_TTL,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._configs = {name: dict(config) for name, config in (configs or {}).items()}
        self._store = store
        self._ttl = ttl
        self._clock = clock
        self._regions: dict[str, CloudRegion] = {}
        self._sessions: dict[str, ks_session.Session] = {}
        self._cache: dict[str, tuple[CloudVersions, datetime]] = {}
        self._lock = threading.RLock()

    def add(self, name: str, config: Mapping[str, Any]) -> None:
        """Add or replace a cloud given as one clouds.yaml ``clouds:`` entry."""
        with self._lock:
            self._configs[name] = dict(config)
            self._regions.pop(name, None)
            self._sessions.pop(name, None)
            self._cache.pop(name, None)

    def region(self, name: str) -> CloudRegion:
        """Return the openstacksdk configuration of a cloud.

        Raises:
            CloudNotFound: No cloud has the name.
        """
        with self._lock:
            if name not in self._regions:
                self._regions[name] = load_cloud_region(name, self._configs.get(name))
            return self._regions[name]

    def session(self, name: str) -> ks_session.Session:
        """Return the keystoneauth session of a cloud, built once."""
        with self._lock:
            if name not in self._sessions:
                self._sessions[name] = self.region(name).get_session()
            return self._sessions[name]

    def versions(self, name: str, *, refresh: bool = False) -> CloudVersions:
        """Return the cloud's API versions, discovered now or from the cache.

        Raises:
            CloudNotFound: No cloud has the name.
            DiscoveryError: Authentication or the catalog request failed.
        """
        now = self._clock()
        with self._lock:
            cached = None if refresh else self._cached(name, now)
        if cached is not None:
            return cached
        versions = self.discover(name)
        expires = now + self._ttl
        with self._lock:
            self._cache[name] = (versions, expires)
        if self._store is not None:
            self._store.save_cloud(versions, expires_at=expires)
        return versions

    def discover(self, name: str) -> CloudVersions:
        """Discover the cloud's API versions now, bypassing the cache.

        The configuration is read again and a new session authenticates,
        because keystoneauth keeps version documents per session and plugin.
        """
        with self._lock:
            self._regions.pop(name, None)
            self._sessions.pop(name, None)
        region = self.region(name)
        return discover_versions(
            self.session(name),
            cloud=name,
            region=region.region_name or None,
            interface=region.config.get("interface") or "public",
            release=region.config.get(RELEASE_KEY),
            clock=self._clock,
        )

    def _cached(self, name: str, now: datetime) -> CloudVersions | None:
        entry = self._cache.get(name)
        if entry is None and self._store is not None:
            entry = self._store.load_cloud(name)
            if entry is not None:
                self._cache[name] = entry
        if entry is None or entry[1] <= now:
            return None
        return entry[0]
