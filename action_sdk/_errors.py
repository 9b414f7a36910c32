"""Errors raised by actions and by the SDK while it reads action definitions.

Hierarchy::

    LevanteActionError              root: catch this for any SDK error
    ├── ActionError                 an action failed; carries data for on-error
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
