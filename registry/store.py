"""The catalogue in the database: sync from plugins, list, show, cache clouds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, delete, select
from sqlalchemy.orm import selectinload, sessionmaker
from sqlalchemy.pool import StaticPool

from action_sdk import ActionDescriptor
from registry.catalog import PluginCatalog
from registry.errors import ActionNotFound
from registry.models import (
    ActionRecord,
    ActionVersionRecord,
    CloudRecord,
    PluginRecord,
    RegistryBase,
    RequirementRecord,
)
from registry.versions import CloudVersions


@dataclass(frozen=True)
class ActionSummary:
    """One action in a listing: its newest version and every version."""

    name: str
    latest_version: str
    versions: tuple[str, ...]
    description: str
    plugin: str | None
    #: Service types that any version requires, sorted.
    services: tuple[str, ...]
    #: Deprecation of the newest version as text, or None.
    deprecated: str | None
    #: Versions that are deprecated.
    deprecated_versions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the summary as a JSON-ready dict."""
        return {
            "name": self.name,
            "latest_version": self.latest_version,
            "versions": list(self.versions),
            "description": self.description,
            "plugin": self.plugin,
            "services": list(self.services),
            "deprecated": self.deprecated,
            "deprecated_versions": list(self.deprecated_versions),
        }


@dataclass(frozen=True)
class VersionDetails:
    """One version of an action with its schema, requirements and deprecation."""

    version: str
    plugin: str | None
    description: str
    is_async: bool
    deprecated: dict[str, str | None] | None
    requirements: tuple[dict[str, Any], ...]
    input_schema: dict[str, Any] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the version as a JSON-ready dict."""
        return {
            "version": self.version,
            "plugin": self.plugin,
            "description": self.description,
            "is_async": self.is_async,
            "deprecated": self.deprecated,
            "requirements": list(self.requirements),
            "input_schema": self.input_schema,
        }


class CatalogStore:
    """Registry tables in one database, with the queries the API and CLI use."""

    def __init__(self, engine: Engine) -> None:
        """Open the store, creating or upgrading the schema of a database.

        Raises:
            SchemaMismatch: the database cannot be upgraded, see
                ``engine.db.schema.upgrade_schema``.
        """
        self.engine = engine
        if _in_memory(engine):
            # A store in memory is a cache of one process, never upgraded, so
            # it gets only the registry tables and no migration history.
            RegistryBase.metadata.create_all(engine)
        else:
            # The registry tables share the engine's migrations, because
            # both may live in one database.
            from engine.db.schema import upgrade_schema

            upgrade_schema(engine)
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def connect(cls, db_url_or_engine: str | Engine | None = None) -> CatalogStore:
        """Open the store in a database URL or engine; in memory when None."""
        if isinstance(db_url_or_engine, Engine):
            return cls(db_url_or_engine)
        if db_url_or_engine in (None, "sqlite://", "sqlite:///:memory:"):
            engine = create_engine(
                "sqlite://",
                poolclass=StaticPool,
                connect_args={"check_same_thread": False},
            )
            return cls(engine)
        from engine.db.setup import create_database_engine, normalize_url

        return cls(create_database_engine(normalize_url(str(db_url_or_engine))))

    def sync(self, catalog: PluginCatalog, *, now: datetime | None = None) -> None:
        """Replace the stored plugins and actions with those of ``catalog``."""
        refreshed = now or datetime.now(UTC)
        with self._sessions.begin() as session:
            for model in (
                RequirementRecord,
                ActionVersionRecord,
                ActionRecord,
                PluginRecord,
            ):
                session.execute(delete(model))
            for plugin in catalog.plugins:
                session.add(
                    PluginRecord(
                        name=plugin.name,
                        target=plugin.target,
                        status="loaded",
                        distribution=plugin.distribution,
                        version=plugin.version,
                        refreshed_at=refreshed,
                    )
                )
            for failure in catalog.failures:
                session.add(
                    PluginRecord(
                        name=failure.name,
                        target=failure.target,
                        status="failed",
                        error=failure.error,
                        refreshed_at=refreshed,
                    )
                )
            for name, descriptors in catalog.actions.items():
                record = ActionRecord(name=name)
                record.versions = [_version_record(d) for d in descriptors]
                session.add(record)

    def list_actions(
        self, *, prefix: str | None = None, service: str | None = None
    ) -> list[ActionSummary]:
        """Return the actions sorted by name, filtered by name prefix and service."""
        query = select(ActionRecord).options(
            selectinload(ActionRecord.versions).selectinload(
                ActionVersionRecord.requirements
            )
        )
        if prefix:
            query = query.where(ActionRecord.name.startswith(prefix, autoescape=True))
        with self._sessions() as session:
            records = session.scalars(query.order_by(ActionRecord.name)).all()
            summaries = [_summary(record) for record in records]
        if service:
            summaries = [s for s in summaries if service in s.services]
        return summaries

    def show_action(self, name: str) -> list[VersionDetails]:
        """Return every version of an action, newest first.

        Raises:
            ActionNotFound: No stored action has the name.
        """
        with self._sessions() as session:
            record = session.scalars(
                select(ActionRecord)
                .where(ActionRecord.name == name)
                .options(
                    selectinload(ActionRecord.versions).selectinload(
                        ActionVersionRecord.requirements
                    )
                )
            ).first()
            if record is None:
                names = session.scalars(select(ActionRecord.name)).all()
                raise ActionNotFound(name, suggestions=_close(name, names))
            return [_details(version) for version in _newest_first(record.versions)]

    def plugins(self) -> list[PluginRecord]:
        """Return the stored plugins, loaded ones first, each group by name."""
        with self._sessions() as session:
            rows = session.scalars(select(PluginRecord)).all()
        return sorted(rows, key=lambda row: (row.status != "loaded", row.name))

    def save_cloud(self, versions: CloudVersions, *, expires_at: datetime) -> None:
        """Store a cloud's discovered versions until ``expires_at``."""
        with self._sessions.begin() as session:
            record = session.get(CloudRecord, versions.cloud)
            if record is None:
                record = CloudRecord(name=versions.cloud)
                session.add(record)
            record.region = versions.region
            record.discovered_at = versions.discovered_at or datetime.now(UTC)
            record.expires_at = expires_at
            record.versions = versions.to_dict()

    def load_cloud(self, name: str) -> tuple[CloudVersions, datetime] | None:
        """Return a cloud's stored versions and their expiry, or None."""
        with self._sessions() as session:
            record = session.get(CloudRecord, name)
            if record is None:
                return None
            return CloudVersions.from_dict(record.versions), _aware(record.expires_at)


def refresh_catalogue(
    db_url_or_engine: str | Engine | None, catalog: PluginCatalog | None = None
) -> CatalogStore:
    """Sync the registry tables from the installed plugins (or ``catalog``).

    Call it once when a process starts. Returns the store for queries.
    """
    from registry.discovery import load_plugins

    store = CatalogStore.connect(db_url_or_engine)
    store.sync(catalog if catalog is not None else load_plugins())
    return store


def _version_record(descriptor: ActionDescriptor) -> ActionVersionRecord:
    info = descriptor.version_info
    deprecated = descriptor.deprecated
    return ActionVersionRecord(
        version=descriptor.version,
        major=info.major,
        minor=info.minor,
        patch=info.patch,
        plugin=descriptor.plugin,
        description=descriptor.description,
        is_async=descriptor.is_async,
        deprecated_reason=deprecated.reason if deprecated else None,
        deprecated_replacement=deprecated.replacement if deprecated else None,
        input_schema=descriptor.input_schema(),
        requirements=[
            RequirementRecord(
                service_type=r.service_type,
                major=r.major,
                min_microversion=r.min_microversion,
                max_microversion=r.max_microversion,
                removed_in=r.removed_in,
            )
            for r in descriptor.requirements
        ],
    )


def _newest_first(versions: list[ActionVersionRecord]) -> list[ActionVersionRecord]:
    import semver

    return sorted(versions, key=lambda v: semver.Version.parse(v.version), reverse=True)


def _summary(record: ActionRecord) -> ActionSummary:
    versions = _newest_first(record.versions)
    latest = versions[0]
    return ActionSummary(
        name=record.name,
        latest_version=latest.version,
        versions=tuple(v.version for v in versions),
        description=latest.description,
        plugin=latest.plugin,
        services=tuple(
            sorted({r.service_type for v in versions for r in v.requirements})
        ),
        deprecated=_deprecation_text(latest),
        deprecated_versions=tuple(
            v.version for v in versions if v.deprecated_reason is not None
        ),
    )


def _details(version: ActionVersionRecord) -> VersionDetails:
    deprecated = None
    if version.deprecated_reason is not None:
        deprecated = {
            "reason": version.deprecated_reason,
            "replacement": version.deprecated_replacement,
        }
    return VersionDetails(
        version=version.version,
        plugin=version.plugin,
        description=version.description,
        is_async=version.is_async,
        deprecated=deprecated,
        requirements=tuple(
            {
                "service_type": r.service_type,
                "major": r.major,
                "min_microversion": r.min_microversion,
                "max_microversion": r.max_microversion,
                "removed_in": r.removed_in,
            }
            for r in version.requirements
        ),
        input_schema=version.input_schema,
    )


def _deprecation_text(version: ActionVersionRecord) -> str | None:
    if version.deprecated_reason is None:
        return None
    text = f"deprecated: {version.deprecated_reason}"
    if version.deprecated_replacement:
        text += f"; use {version.deprecated_replacement}"
    return text


def _close(name: str, names: Any) -> list[str]:
    import difflib

    return difflib.get_close_matches(name, list(names), n=3, cutoff=0.7)


def _in_memory(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
