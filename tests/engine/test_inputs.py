"""Workflow input checks at start, and secrets in their messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from engine.db.models import Execution
from engine.db.setup import Database
from engine.inputs import WorkflowInputError, check_workflow_input
from engine.spec.model import WorkflowSpec
from engine.spec.parser import parse

DEFINITION = """
version: '2.0'
deploy:
  input:
    - host
    - retries: 3
    - admin_password: hunter2
  tasks:
    noop:
      action: std.noop
"""


def spec() -> WorkflowSpec:
    return parse(DEFINITION).workflows["deploy"]


def test_input_defaults_filled() -> None:
    values = check_workflow_input(spec(), {"host": "web1"})
    assert values == {"host": "web1", "retries": 3, "admin_password": "hunter2"}


def test_input_error_lists_accepted() -> None:
    with pytest.raises(WorkflowInputError) as raised:
        check_workflow_input(spec(), {"hots": "web1"})
    message = str(raised.value)
    assert "missing=['host']" in message
    assert "unexpected=['hots']" in message
    assert "retries (default 3)" in message


def test_input_error_hides_secret_default() -> None:
    with pytest.raises(WorkflowInputError) as raised:
        check_workflow_input(spec(), {})
    message = str(raised.value)
    assert "admin_password (default ***)" in message
    assert "hunter2" not in message


def test_database_errors_hide_parameters(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'levante.sqlite'}")
    row = {
        "id": "e1",
        "workflow_name": "deploy",
        "definition": DEFINITION,
        "checksum": "c",
        "state": "RUNNING",
        "input": {"admin_password": "hunter2"},
    }
    try:
        with db.transaction() as session:
            session.add(Execution(**row))
        with pytest.raises(IntegrityError) as raised:
            with db.transaction() as session:
                session.add(Execution(**row))
        assert "hunter2" not in str(raised.value)
    finally:
        db.dispose()
