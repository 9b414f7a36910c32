"""Secret input and env values never reach the engine or API logs.

The values of keys named like password, token, secret or key are masked in
API output (``engine.masking``). These tests check that the logs of a
started execution and of failed requests do not contain those values.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event
from starlette.testclient import TestClient

from engine.core import EngineCore

from .conftest import GREETING

#: Secret values sent as input and env; none may appear in a log line.
SECRETS = ("hunter2-input", "t0p-env-token", "k3y-nested")

START = {
    "definition": GREETING,
    "input": {"name": "a", "password": "hunter2-input"},
    "env": {"auth": {"Token": "t0p-env-token"}, "list": [{"api_key": "k3y-nested"}]},
}


def assert_no_secrets(caplog: pytest.LogCaptureFixture) -> None:
    text = "\n".join(
        caplog.text.splitlines() + [str(record.args) for record in caplog.records]
    )
    for secret in SECRETS:
        assert secret not in text


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG):
        yield caplog


@pytest.fixture
def failing_insert(core: EngineCore) -> Callable[[str, str], None]:
    """Make every INSERT of an execution row raise an error of the driver.

    The error is the driver module's class ``kind`` (``sqlite3`` or
    ``psycopg``), so SQLAlchemy wraps it as it would a real failure.
    """

    def install(kind: str, message: str) -> None:
        error = getattr(core.db.engine.dialect.loaded_dbapi, kind)(message)

        def fail(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement.startswith("INSERT INTO executions"):
                raise error

        event.listen(core.db.engine, "before_cursor_execute", fail)

    return install


def test_started_execution_logs_no_secrets(
    client: TestClient, finish: Callable[[str], None], logs: pytest.LogCaptureFixture
) -> None:
    response = client.post("/v2/executions", json=START)
    assert response.status_code == 201
    finish(response.json()["id"])
    execution = client.get(f"/v2/executions/{response.json()['id']}").json()
    assert execution["state"] == "SUCCESS"
    assert execution["input"]["password"] == "***"
    assert_no_secrets(logs)


def test_rejected_input_logs_no_secrets(
    client: TestClient, logs: pytest.LogCaptureFixture
) -> None:
    body = {**START, "input": {**START["input"], "api_token": "hunter2-input"}}
    response = client.post("/v2/executions", json=body)
    assert response.status_code == 400
    assert "hunter2-input" not in response.text
    assert_no_secrets(logs)


def test_conflicting_write_logs_no_secrets(
    client: TestClient,
    failing_insert: Callable[[str, str], None],
    logs: pytest.LogCaptureFixture,
) -> None:
    failing_insert("IntegrityError", "duplicate key value violates unique constraint")
    response = client.post("/v2/executions", json=START)
    assert response.status_code == 409
    assert "conflicting write" in logs.text
    assert_no_secrets(logs)


def test_internal_error_logs_no_secrets(
    client: TestClient,
    failing_insert: Callable[[str, str], None],
    logs: pytest.LogCaptureFixture,
) -> None:
    failing_insert("ProgrammingError", "bad parameter")
    response = client.post("/v2/executions", json=START)
    assert response.status_code == 500
    assert "hunter2-input" not in response.text
    assert "unhandled error" in logs.text
    assert "parameters hidden" in logs.text
    assert_no_secrets(logs)


def test_outage_logs_no_secrets(
    client: TestClient,
    failing_insert: Callable[[str, str], None],
    logs: pytest.LogCaptureFixture,
) -> None:
    failing_insert("OperationalError", "server closed the connection unexpectedly")
    response = client.post("/v2/executions", json=START)
    assert response.status_code == 503
    assert "database unavailable" in logs.text
    assert_no_secrets(logs)
