"""Registry tables: plugins, actions, versions, requirements, discovered clouds.

They have their own ``DeclarativeBase``, so the registry can live in the
engine's database or in one of its own. No table stores credentials.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: Constraint and index names of the registry and the engine tables. The
#: migrations need names to drop or change a constraint, on SQLite too.
#: Primary, unique and foreign keys get the names PostgreSQL gives unnamed
#: ones, and indexes keep SQLAlchemy's default names, so databases made by
#: ``create_all`` before the migrations existed have the same names as
#: databases the migrations create.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}


class RegistryBase(DeclarativeBase):
    """Declarative base of the registry tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PluginRecord(RegistryBase):
    """A plugin found at the last catalogue refresh, loaded or failed."""

    __tablename__ = "registry_plugins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    #: Entry-point target, such as "plugins.std:plugin".
    target: Mapped[str] = mapped_column(String(512))
    #: "loaded" or "failed".
    status: Mapped[str] = mapped_column(String(16))
    distribution: Mapped[str | None] = mapped_column(String(255))
    version: Mapped[str | None] = mapped_column(String(64))
    #: Error type and message of a failed plugin.
    error: Mapped[str | None] = mapped_column(Text)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ActionRecord(RegistryBase):
    """An action name with every installed version."""

    __tablename__ = "registry_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    versions: Mapped[list[ActionVersionRecord]] = relationship(
        back_populates="action", cascade="all, delete-orphan"
    )


class ActionVersionRecord(RegistryBase):
    """One installed version of an action."""

    __tablename__ = "registry_action_versions"
    __table_args__ = (UniqueConstraint("action_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("registry_actions.id", ondelete="CASCADE")
    )
    version: Mapped[str] = mapped_column(String(64))
    #: Major, minor and patch as numbers, for ordering in queries.
    major: Mapped[int] = mapped_column(Integer)
    minor: Mapped[int] = mapped_column(Integer)
    patch: Mapped[int] = mapped_column(Integer)
    plugin: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    is_async: Mapped[bool] = mapped_column(default=False)
    deprecated_reason: Mapped[str | None] = mapped_column(Text)
    deprecated_replacement: Mapped[str | None] = mapped_column(String(512))
    #: JSON Schema of the input; secret parameters carry no default.
    input_schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    action: Mapped[ActionRecord] = relationship(back_populates="versions")
    requirements: Mapped[list[RequirementRecord]] = relationship(
        back_populates="action_version", cascade="all, delete-orphan"
    )


class RequirementRecord(RegistryBase):
    """A service requirement of one action version."""

    __tablename__ = "registry_requirements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_version_id: Mapped[int] = mapped_column(
        ForeignKey("registry_action_versions.id", ondelete="CASCADE")
    )
    service_type: Mapped[str] = mapped_column(String(64), index=True)
    major: Mapped[int] = mapped_column(Integer)
    min_microversion: Mapped[str | None] = mapped_column(String(16))
    max_microversion: Mapped[str | None] = mapped_column(String(16))
    removed_in: Mapped[str | None] = mapped_column(String(64))
    action_version: Mapped[ActionVersionRecord] = relationship(
        back_populates="requirements"
    )


class CloudRecord(RegistryBase):
    """API versions discovered for a cloud, valid until ``expires_at``."""

    __tablename__ = "registry_clouds"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    region: Mapped[str | None] = mapped_column(String(255))
    discovered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: ``CloudVersions.to_dict()``: versions and endpoints, no credentials.
    versions: Mapped[dict[str, Any]] = mapped_column(JSON)
