"""Persistent state: SQLAlchemy models and database setup."""

from engine.db.environments import Environment
from engine.db.models import (
    ActionExecution,
    Base,
    Execution,
    Job,
    TaskExecution,
    WorkflowDefinition,
)
from engine.db.setup import Database, default_url
from engine.db.workbooks import Workbook

__all__ = [
    "ActionExecution",
    "Base",
    "Database",
    "Environment",
    "Execution",
    "Job",
    "TaskExecution",
    "Workbook",
    "WorkflowDefinition",
    "default_url",
]
