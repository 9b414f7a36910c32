"""Errors raised by actions and by the SDK while it reads action definitions.

Hierarchy::

    LevanteActionError              root: catch this for any SDK error
    ├── ActionError                 an action failed; carries data for on-error
    │   ├── ServiceCallError        a cloud service answered with an HTTP error
    │   └── MicroversionMismatch    a response was served at another microversion
    ├── ServiceNotAvailable         (also KeyError) the run has no client for a
    │                               service type
    ├── ActionInputError            (also ValueError) input does not match the
    │                               action's parameters
    └── ActionDefinitionError       (also TypeError) an action class, function or
                                    plugin contribution is invalid, raised at import
                                    or when a plugin is loaded
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class LevanteActionError(Exception):
    """Base class of every error in the action SDK."""


class ActionError(LevanteActionError):
    """Failure that an action reports to the workflow.

    Args:
        message: Human-readable reason, shown in logs and state info.
        data: Error data that becomes the task result on error
            (``task().result`` and ``publish-on-error``). When it is None the
            engine uses ``message`` instead. It must be JSON-serializable.
    """

    def __init__(self, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.data = data

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, data={self.data!r})"


class ActionInputError(LevanteActionError, ValueError):
    """Input that does not match an action's parameters.

    Attributes:
        action: Name of the action.
        missing: Required parameters absent from the input, in declaration order.
        unexpected: Input keys the action does not declare, in input order.
        invalid: Parameter name to the reason its value was rejected.
    """

    def __init__(
        self,
        message: str,
        *,
        action: str,
        missing: Sequence[str] = (),
        unexpected: Sequence[str] = (),
        invalid: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.action = action
        self.missing = list(missing)
        self.unexpected = list(unexpected)
        self.invalid = dict(invalid or {})


class ActionDefinitionError(LevanteActionError, TypeError):
    """Action class or function that the SDK cannot describe or run."""


class ServiceCallError(ActionError):
    """HTTP error status from a cloud service called through ``context.services``.

    ``data`` holds ``service``, ``method``, ``url``, ``status``,
    ``microversion``, ``request_id`` and ``body`` (the decoded JSON error, or
    the first 2000 characters of the text). The workflow reads it on error.
    """

    def __init__(self, message: str, data: Mapping[str, Any]) -> None:
        super().__init__(message, dict(data))
        self.status: int = int(data.get("status") or 0)


class MicroversionMismatch(ActionError):
    """Response served at another microversion than the one requested.

    A service that ignores or rewrites the version header would otherwise
    return a body of another shape than the action was written for.
    """


class ServiceNotAvailable(LevanteActionError, KeyError):
    """A run has no client for a service type.

    Attributes:
        service_type: The requested service type.
        available: Service types the run has clients for.
    """

    def __init__(self, service_type: str, available: Sequence[str]) -> None:
        self.service_type = service_type
        self.available = list(available)
        if self.available:
            where = f"this run has clients for {', '.join(self.available)}"
        else:
            where = "this run has no service clients"
        self.message = (
            f"no client for service {service_type!r}: {where}. An action gets "
            "a client for each service in its requirements, resolved by the "
            "registry against the target cloud"
        )
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message
