"""Run and security contexts passed to an action when it runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from action_sdk._services import ServiceClients

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class SecurityContext:
    """Credentials and scope of the user on whose behalf an action runs.

    ``repr`` leaves the token out, so a logged context does not show it.
    """

    auth_token: str | None = field(default=None, repr=False)
    project_id: str | None = None
    project_name: str | None = None
    user_id: str | None = None
    region_name: str | None = None
    auth_url: str | None = None


@dataclass(frozen=True)
class RunContext:
    """Identity of one action run inside a workflow execution.

    Every id is None when the action runs outside the engine, for example in a
    unit test.
    """

    #: Id of the workflow execution that contains the task.
    execution_id: str | None = None
    #: Id of the task execution that started the action.
    task_id: str | None = None
    #: Id of this action execution; an async action is completed through it.
    action_execution_id: str | None = None
    workflow_name: str | None = None
    task_name: str | None = None
    security: SecurityContext = field(default_factory=SecurityContext)
    #: Clients of the cloud services in the action's requirements, by
    #: service type; empty outside the engine unless a test fills it.
    services: ServiceClients = field(default_factory=ServiceClients)
    #: Engine-provided objects and settings, such as a cloud session.
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
