"""Description of one action version: what the registry lists and the engine runs."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import semver

from action_sdk._context import RunContext
from action_sdk._errors import (
    ActionDefinitionError,
    ActionError,
    ActionInputError,
    LevanteActionError,
)
from action_sdk._json_schema import input_schema
from action_sdk._requirements import Deprecation, ServiceRequirement
from action_sdk._schema import Param, TypeMismatch, check_aliases

logger = logging.getLogger(__name__)

#: Calls the action implementation with a run context and validated input.
Invoker = Callable[[RunContext, dict[str, Any]], Any]
#: Text that replaces a secret value in logs, listings and stored data.
REDACTED = "***"
#: Maximum length, in characters, of a parameter listing with aliases in an
#: input error. A longer listing leaves the aliases out, to stay readable.
MAX_LISTING_WITH_ALIASES = 200


@dataclass(frozen=True, kw_only=True)
class ActionDescriptor:
    """Name, version, parameters and entry point of one action version.

    Build one with ``describe_action`` from an ``Action`` subclass or a function
    decorated with ``@action``.
    """

    name: str
    #: Semantic version of the action's contract, such as "1.2.0".
    version: str
    description: str
    parameters: tuple[Param, ...]
    is_async: bool = False
    #: Cloud service APIs the implementation calls, one per service type.
    requirements: tuple[ServiceRequirement, ...] = ()
    #: Set when this version should no longer be used.
    deprecated: Deprecation | None = None
    #: Name of the plugin that contributed the action, set by discovery.
    plugin: str | None = None
    #: The ``Action`` subclass or decorated function.
    implementation: Any = field(default=None, repr=False, compare=False)
    invoke: Invoker = field(repr=False, compare=False)
    #: Parameter by input key: its own name and each of its aliases.
    _by_key: dict[str, Param] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            check_aliases(self.parameters)
        except ActionDefinitionError as exc:
            raise ActionDefinitionError(f"action {self.name}: {exc}") from exc
        by_key = {param.name: param for param in self.parameters}
        for param in self.parameters:
            by_key.update(dict.fromkeys(param.aliases, param))
        object.__setattr__(self, "_by_key", by_key)

    @property
    def version_info(self) -> semver.Version:
        """The version parsed for ordering and range checks."""
        return semver.Version.parse(self.version)

    def with_plugin(self, plugin: str) -> ActionDescriptor:
        """Return a copy of this descriptor attributed to ``plugin``."""
        return replace(self, plugin=plugin)

    def input_schema(self) -> dict[str, Any]:
        """Return the JSON Schema (draft 2020-12) of the action's input.

        Secret parameters are marked ``writeOnly`` and never carry a default.
        """
        return input_schema(self.name, self.version, self.description, self.parameters)

    def parameter_for(self, key: str) -> Param | None:
        """Return the parameter that an input key names, by name or alias."""
        return self._by_key.get(key)

    def redact_input(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Return a copy of input ``values`` with secret values replaced.

        Keys may be parameter names or aliases. Use it before input is
        logged, shown or stored.
        """
        return {
            key: REDACTED if self._is_secret(key) else value
            for key, value in values.items()
        }

    def redact_result(self, result: Any, values: Mapping[str, Any]) -> Any:
        """Return ``result`` with every secret input value replaced.

        Strings anywhere in ``result`` (keys included) that contain the value
        of a secret parameter get it replaced by ``REDACTED``. Use it before a
        result or error data is logged or stored.
        """
        secrets = [
            value
            for key, value in values.items()
            if self._is_secret(key) and isinstance(value, str) and value
        ]
        if not secrets:
            return result
        return _scrub(result, sorted(secrets, key=len, reverse=True))

    def describe_parameters(self) -> str:
        """Return the parameter list as text, e.g. ``output (required), delay=0``.

        Aliases are shown, as in ``server_id (required, alias server)``, while
        the text stays within ``MAX_LISTING_WITH_ALIASES`` characters;
        otherwise only the parameters' own names are listed.
        """
        if not self.parameters:
            return "none"
        listing = ", ".join(
            param.describe(with_aliases=True) for param in self.parameters
        )
        if len(listing) <= MAX_LISTING_WITH_ALIASES:
            return listing
        return ", ".join(param.describe() for param in self.parameters)

    def validate_input(self, input: Mapping[str, Any]) -> dict[str, Any]:
        """Return the complete input of a run: given values plus defaults.

        A key may be a parameter's name or one of its aliases, and the result
        is keyed by the parameters' names. Values are checked against the
        parameter types, and convertible values are converted: an integral
        float or numeric string for an int, an int or numeric string for a
        float, "true" or "false" for a bool.

        Raises:
            ActionInputError: A required parameter is missing, a key is not a
                parameter, a parameter is given under more than one of its
                names, or a value has the wrong type. The message lists all
                problems and the action's parameters.
        """
        if not isinstance(input, Mapping):
            raise self._input_error(
                [f"input must be an object of parameters, got {type(input).__name__}"]
            )
        keys_by_name: dict[str, list[str]] = {}
        unexpected: list[str] = []
        for key in input:
            param = self._by_key.get(key)
            if param is None:
                unexpected.append(key)
            else:
                keys_by_name.setdefault(param.name, []).append(key)
        missing: list[str] = []
        invalid: dict[str, str] = {}
        values: dict[str, Any] = {}
        for param in self.parameters:
            keys = keys_by_name.get(param.name)
            if keys and len(keys) > 1:
                invalid[param.name] = _repeated_parameter(param, keys)
            elif keys:
                value = input[keys[0]]
                try:
                    values[param.name] = param.convert(value)
                except TypeMismatch:
                    given_as = (
                        f" (given as '{keys[0]}')" if keys[0] != param.name else ""
                    )
                    invalid[param.name] = (
                        f"parameter '{param.name}'{given_as} must be of type "
                        f"{param.type_name}, got {param.show_value(value)}"
                    )
            elif param.required:
                missing.append(param.name)
            else:
                values[param.name] = copy.deepcopy(param.default)
        if missing or unexpected or invalid:
            problems = []
            if missing:
                problems.append(f"missing={missing!r}")
            if unexpected:
                problems.append(f"unexpected={unexpected!r}")
            problems.extend(invalid.values())
            raise self._input_error(problems, missing, unexpected, invalid)
        return values

    def run(self, input: Mapping[str, Any], context: RunContext | None = None) -> Any:
        """Validate ``input``, run the action synchronously and return its result.

        Args:
            input: Parameter values by name; defaults fill in the rest.
            context: The run context; an empty one when None.

        Raises:
            ActionInputError: The input does not match the parameters.
            ActionError: The action reported a failure, or raised an unexpected
                exception, which is chained as the cause.
        """
        values = self.validate_input(input)
        try:
            return self.invoke(context or RunContext(), values)
        except LevanteActionError:
            raise
        except Exception as exc:
            logger.debug(
                "Action %s raised an unexpected error", self.name, exc_info=True
            )
            raise ActionError(f"{type(exc).__name__}: {exc}") from exc

    def _is_secret(self, key: str) -> bool:
        param = self._by_key.get(key)
        return param is not None and param.secret

    def _input_error(
        self,
        problems: list[str],
        missing: list[str] | None = None,
        unexpected: list[str] | None = None,
        invalid: dict[str, str] | None = None,
    ) -> ActionInputError:
        message = (
            f"Invalid input for action {self.name}: {'; '.join(problems)}; "
            f"parameters: {self.describe_parameters()}"
        )
        return ActionInputError(
            message,
            action=self.name,
            missing=missing or [],
            unexpected=unexpected or [],
            invalid=invalid,
        )


def _repeated_parameter(param: Param, keys: list[str]) -> str:
    names = " and ".join(
        f"'{key}'" if key == param.name else f"alias '{key}'" for key in keys
    )
    return (
        f"parameter '{param.name}' is given more than once, as {names}; "
        "give it under one name only"
    )


def _scrub(data: Any, secrets: list[str]) -> Any:
    if isinstance(data, str):
        for secret in secrets:
            data = data.replace(secret, REDACTED)
        return data
    if isinstance(data, Mapping):
        return {
            _scrub(key, secrets): _scrub(value, secrets) for key, value in data.items()
        }
    if isinstance(data, list | tuple):
        return type(data)(_scrub(item, secrets) for item in data)
    return data
