"""Stored workflow definitions: create, update, list, show, delete."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core import checksum_of
from engine.db.models import WorkflowDefinition
from engine.spec.parser import parse


class WorkflowExists(ValueError):
    """A workflow with that name is already stored in the namespace."""


class WorkflowNotFound(LookupError):
    """No stored workflow has that name in the namespace."""


@dataclass(frozen=True)
class StoredWorkflow:
    name: str
    namespace: str
    id: str


def store_definition(
    session: Session,
    text: str,
    *,
    namespace: str = "",
    project_id: str = "",
    update: bool = False,
    source: str = "<string>",
) -> list[StoredWorkflow]:
    """Store every workflow of a document (parsed and validated first).

    Raises DefinitionError for an invalid document, WorkflowExists when a
    name is taken and ``update`` is false, and WorkflowNotFound when
    ``update`` is true and a name is not stored yet.
    """
    definition = parse(text, source)
    checksum = checksum_of(text)
    stored: list[StoredWorkflow] = []
    for name, spec in definition.workflows.items():
        row = find(session, name, namespace, project_id)
        if row is not None and not update:
            raise WorkflowExists(
                f"Workflow {name} already exists in namespace {namespace!r}; "
                "use 'levante workflows update' to replace it"
            )
        if row is None and update:
            raise WorkflowNotFound(
                f"Workflow {name} not found in namespace {namespace!r}; "
                "use 'levante workflows create' to add it"
            )
        if row is None:
            row = WorkflowDefinition(name=name, namespace=namespace, project_id=project_id)
            session.add(row)
        row.definition = text
        row.checksum = checksum
        row.tags = list(spec.tags)
        session.flush()
        stored.append(StoredWorkflow(name=name, namespace=namespace, id=row.id))
    return stored


def find(
    session: Session, name: str, namespace: str = "", project_id: str = ""
) -> WorkflowDefinition | None:
    return session.scalars(
        select(WorkflowDefinition).where(
            WorkflowDefinition.name == name,
            WorkflowDefinition.namespace == namespace,
            WorkflowDefinition.project_id == project_id,
        )
    ).first()


def get(
    session: Session, name: str, namespace: str = "", project_id: str = ""
) -> WorkflowDefinition:
    row = find(session, name, namespace, project_id)
    if row is None:
        raise WorkflowNotFound(
            f"Workflow {name} not found in namespace {namespace!r}; "
            "'levante workflows list' shows the stored ones"
        )
    return row


def list_workflows(
    session: Session, namespace: str | None = None, project_id: str = ""
) -> list[WorkflowDefinition]:
    query = select(WorkflowDefinition).where(WorkflowDefinition.project_id == project_id)
    if namespace is not None:
        query = query.where(WorkflowDefinition.namespace == namespace)
    return list(
        session.scalars(query.order_by(WorkflowDefinition.namespace, WorkflowDefinition.name))
    )


def delete(session: Session, name: str, namespace: str = "", project_id: str = "") -> None:
    session.delete(get(session, name, namespace, project_id))
