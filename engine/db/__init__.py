"""Persistent state: SQLAlchemy models and database setup."""

from engine.db.models import (
    ActionExecution,
    Base,
    Execution,
    Job,
    TaskExecution,
    WorkflowDefinition,
)
from engine.db.setup import Database, default_url

__all__ = [
    "ActionExecution",
    "Base",
    "Database",
    "Execution",
    "Job",
    "TaskExecution",
    "WorkflowDefinition",
    "default_url",
]
