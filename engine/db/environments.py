"""Stored environments: named sets of variables an execution can start with.

An execution started with ``env: NAME`` copies the variables of the stored
environment ``NAME`` of its project. Later changes of the environment do not
reach executions that already started.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.db.models import Base, new_id, utcnow


class EnvironmentExists(ValueError):
    """An environment with that name is already stored in the project."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"Environment {name!r} already exists; update it with PUT or choose "
            "another name"
        )
        self.name = name


class EnvironmentNotFound(LookupError):
    """No stored environment has that name in the project."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Environment {name!r} not found")
        self.name = name


class Environment(Base):
    """A named mapping of variables, read by ``env()`` in expressions."""

    __tablename__ = "environments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255))
    project_id: Mapped[str] = mapped_column(String(128), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    variables: Mapped[Any] = mapped_column(JSON, default=dict, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_environment_name", "project_id", "name", unique=True),)


def find_environment(
    session: Session, name: str, project_id: str
) -> Environment | None:
    """Return the environment ``name`` of a project, or None."""
    query = select(Environment).where(
        Environment.project_id == project_id, Environment.name == name
    )
    return session.scalars(query).first()


def get_environment(session: Session, name: str, project_id: str) -> Environment:
    """Return the environment ``name`` of a project.

    Raises:
        EnvironmentNotFound: the project has no environment of that name.
    """
    row = find_environment(session, name, project_id)
    if row is None:
        raise EnvironmentNotFound(name)
    return row


def create_environment(
    session: Session,
    name: str,
    project_id: str,
    variables: dict[str, Any],
    description: str = "",
) -> Environment:
    """Store a new environment.

    Raises:
        EnvironmentExists: the project already has an environment of that name.
    """
    if find_environment(session, name, project_id) is not None:
        raise EnvironmentExists(name)
    row = Environment(
        name=name, project_id=project_id, variables=variables, description=description
    )
    session.add(row)
    session.flush()
    return row


def delete_environment(session: Session, name: str, project_id: str) -> None:
    """Delete an environment; executions that copied it keep their copy.

    Raises:
        EnvironmentNotFound: the project has no environment of that name.
    """
    session.delete(get_environment(session, name, project_id))
