import dataclasses

import pytest

from action_sdk import RunContext, SecurityContext


def test_context_defaults_are_empty() -> None:
    context = RunContext()
    assert context.execution_id is None
    assert context.security == SecurityContext()
    assert dict(context.extra) == {}


def test_context_is_frozen() -> None:
    context = RunContext(task_name="t")
    with pytest.raises(dataclasses.FrozenInstanceError):
        context.task_name = "other"  # type: ignore[misc]


def test_default_extra_is_read_only() -> None:
    with pytest.raises(TypeError):
        RunContext().extra["key"] = 1  # type: ignore[index]


def test_repr_hides_auth_token() -> None:
    security = SecurityContext(auth_token="s3cr3t-token", user_id="alice")
    context = RunContext(execution_id="e1", security=security)
    assert "s3cr3t-token" not in repr(security)
    assert "s3cr3t-token" not in repr(context)
    assert "alice" in repr(context)


def test_security_keeps_auth_token() -> None:
    assert SecurityContext(auth_token="t").auth_token == "t"
