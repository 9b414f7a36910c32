"""Stored workbooks: one document with workflows and ad-hoc actions.

A workbook's workflows are also stored as workflow definitions with full
names (``workbook.workflow``), so executions and sub-workflow lookups find
them like any other stored workflow. This table keeps the workbook itself:
its name, namespace and document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.db.models import Base, new_id, utcnow


class Workbook(Base):
    """A stored workbook document."""

    __tablename__ = "workbooks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255))
    namespace: Mapped[str] = mapped_column(String(255), default="")
    project_id: Mapped[str] = mapped_column(String(128), default="")
    definition: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    tags: Mapped[Any] = mapped_column(JSON, default=list, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_workbook_name", "project_id", "namespace", "name", unique=True),
    )


def find_workbook(
    session: Session, name: str, namespace: str, project_id: str
) -> Workbook | None:
    """Return the workbook ``name`` of a project's namespace, or None."""
    query = select(Workbook).where(
        Workbook.project_id == project_id,
        Workbook.namespace == namespace,
        Workbook.name == name,
    )
    return session.scalars(query).first()
