"""Public API for writing Levante actions and plugins.

This package is all that a plugin imports: the action base class and
decorator, the run context with its service clients, service requirements,
errors, the parameter schema with its ``Secret`` and ``Alias`` markers, and
the plugin hook marker. Names not listed in ``__all__`` are internal and may
change.
"""

from action_sdk._action import Action, action, describe_action
from action_sdk._context import RunContext, SecurityContext
from action_sdk._descriptor import ActionDescriptor
from action_sdk._errors import (
    ActionDefinitionError,
    ActionError,
    ActionInputError,
    LevanteActionError,
    MicroversionMismatch,
    ServiceCallError,
    ServiceNotAvailable,
)
from action_sdk._requirements import Deprecation, Microversion, ServiceRequirement
from action_sdk._schema import Alias, Param, Secret
from action_sdk._services import ServiceClient, ServiceClients, ServiceResponse
from action_sdk._version import __version__
from action_sdk.hookspecs import ActionHookSpec, hookimpl

__all__ = [
    "Action",
    "ActionDefinitionError",
    "ActionDescriptor",
    "ActionError",
    "ActionHookSpec",
    "ActionInputError",
    "Alias",
    "Deprecation",
    "LevanteActionError",
    "Microversion",
    "MicroversionMismatch",
    "Param",
    "RunContext",
    "Secret",
    "SecurityContext",
    "ServiceCallError",
    "ServiceClient",
    "ServiceClients",
    "ServiceNotAvailable",
    "ServiceRequirement",
    "ServiceResponse",
    "__version__",
    "action",
    "describe_action",
    "hookimpl",
]
