"""Generated requests, valid and invalid, against every operation of the schema.

schemathesis builds requests from the OpenAPI document and checks that no
response is a server error and that every response of this package's routes
matches the document. Routes of the registry router, when it is installed,
are checked for server errors only.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from .conftest import GREETING, TOKENS, isolate_cloud_config

AUTHORIZATION = {"Authorization": "Bearer token-a"}

#: Generated examples per operation and generation mode.
EXAMPLES = 10

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def api_schema(
    make_client: Callable[..., TestClient],
    finish: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Any:
    # Generated requests name clouds; none of them may reach a real one.
    isolate_cloud_config(monkeypatch, tmp_path)
    client = make_client("token-a", tokens=TOKENS)
    client.post("/v2/workflows", json={"definition": GREETING})
    client.post("/v2/environments", json={"name": "prod"})
    body = {"workflow_name": "greet", "input": {"name": "a"}}
    finish(client.post("/v2/executions", json=body).json()["id"])
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    # Requests without the token are covered by the isolation tests.
    schema.config.generation.update(with_security_parameters=False)
    return schema


def check_operation(operation: Any, mode: GenerationMode, checks: list[Any]) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        case.call_and_validate(checks=checks, headers=AUTHORIZATION)

    try:
        check()
    except Unsatisfiable:
        # Nothing about the operation's input can be invalid (no parameters,
        # or only free-form text), so negative generation has no example.
        if mode != GenerationMode.NEGATIVE:
            raise


def is_own(operation: Any) -> bool:
    """Whether this package declares the operation (not the registry router)."""
    return "registry" not in (operation.definition.raw.get("tags") or [])


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_generated_requests(api_schema: Any, mode: GenerationMode) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len([operation for operation in operations if is_own(operation)]) == 32
    for operation in operations:
        checks = CHECKS if is_own(operation) else [not_a_server_error]
        check_operation(operation, mode, checks)
