"""Parameter schema of an action, read from a typed signature.

Supported annotations are the JSON-shaped types: ``str``, ``int``, ``float``,
``bool``, ``list``/``list[X]``, ``dict``/``dict[str, X]``, ``None``,
``typing.Any`` (or no annotation), ``typing.Literal`` of scalars, unions of
these (``X | None``), and ``typing.Annotated[X, Secret]`` to mark a secret.
``typing.Annotated[X, Alias("other")]`` lets input give the parameter under
another name as well.
"""

from __future__ import annotations

import inspect
import json
import math
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from action_sdk._errors import ActionDefinitionError

_MAX_SHOWN_VALUE = 60
#: Form of an alias: a word of letters, digits, "_" and "-", as input keys
#: in workflow text are written.
_ALIAS_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class Secret:
    """Marker for a secret parameter, such as a password or token.

    Use it as ``typing.Annotated[str, Secret]``. Input errors hide the value of
    a secret parameter, and it may have no default other than None. Callers
    that log or store input use ``ActionDescriptor.redact_input`` and
    ``redact_result``.
    """


class Alias:
    """Marker for other input names of a parameter, such as another tool's.

    Use it as ``typing.Annotated[str, Alias("server")]``; several names are
    given as ``Alias("server", "instance")``. Input under an alias reaches the
    action under the parameter's own name. Input that gives a parameter under
    more than one of its names is an ``ActionInputError``. An alias that
    equals another parameter's name or alias is an ``ActionDefinitionError``
    when the action is defined. The input schema lists aliases as
    ``x-aliases`` of the parameter's property.

    Raises:
        ActionDefinitionError: No name is given, or a name is not a word of
            letters, digits, "_" and "-".
    """

    def __init__(self, *names: str) -> None:
        if not names:
            raise ActionDefinitionError(
                'Alias() needs at least one name, such as Alias("server")'
            )
        for name in names:
            if not isinstance(name, str) or not _ALIAS_PATTERN.match(name):
                raise ActionDefinitionError(
                    f"invalid alias {name!r}; use a word of letters, digits, "
                    "'_' and '-', such as 'server'"
                )
        self.names: tuple[str, ...] = tuple(names)

    def __repr__(self) -> str:
        return f"Alias({', '.join(repr(name) for name in self.names)})"


class TypeMismatch(Exception):
    """Raised by a type rule when a value cannot be used for its type."""


@dataclass(frozen=True)
class TypeRule:
    """Check and conversion of input values for one annotation."""

    type_name: str
    #: True when the value already has the type, with no conversion.
    matches: Callable[[Any], bool]
    #: Returns the value converted to the type, or raises TypeMismatch.
    convert: Callable[[Any], Any]


@dataclass(frozen=True)
class Param:
    """One input parameter of an action.

    ``annotation`` is the declared type without its ``Annotated`` wrapper, or
    None when the parameter has no annotation. ``default`` is meaningful only
    when ``required`` is False.
    """

    name: str
    annotation: Any = None
    default: Any = None
    required: bool = True
    description: str = ""
    secret: bool = False
    #: Other input names of the parameter, from ``Alias`` markers.
    aliases: tuple[str, ...] = ()
    #: Display and JSON name of the type, such as "number" or "string | null".
    type_name: str = field(init=False)
    _rule: TypeRule = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rule = rule_for(self.annotation)
        object.__setattr__(self, "_rule", rule)
        object.__setattr__(self, "type_name", rule.type_name)

    def convert(self, value: Any) -> Any:
        """Return ``value`` converted to this parameter's type.

        Raises:
            TypeMismatch: The value has another type and cannot be converted.
        """
        if value is None and not self.required and self.default is None:
            return None
        if self._rule.matches(value):
            return value
        return self._rule.convert(value)

    def describe(self, with_aliases: bool = False) -> str:
        """Return ``name (required)`` or ``name=default`` for messages.

        With ``with_aliases`` the aliases follow, as in
        ``server_id (required, alias server)``.
        """
        notes = ["required"] if self.required else []
        if with_aliases and self.aliases:
            notes.append(f"alias {', '.join(self.aliases)}")
        text = self.name if self.required else f"{self.name}={self.default!r}"
        return f"{text} ({', '.join(notes)})" if notes else text

    def show_value(self, value: Any) -> str:
        """Return a short text of ``value`` for an error message, hiding secrets."""
        if self.secret:
            return f"a hidden {json_type_name(value)} value"
        text = repr(value)
        if len(text) > _MAX_SHOWN_VALUE:
            text = text[: _MAX_SHOWN_VALUE - 3] + "..."
        return f"{text} ({json_type_name(value)})"


def json_type_name(value: Any) -> str:
    """Return the JSON name of a value's type, such as "string" or "object"."""
    if value is None:
        return "null"
    for python_type, name in _SCALAR_NAMES:
        if isinstance(value, python_type):
            return name
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def rule_for(annotation: Any) -> TypeRule:
    """Build the type rule for an annotation.

    Raises:
        ActionDefinitionError: The annotation is not one of the supported types.
    """
    annotation = _strip_annotated(annotation)[0]
    if annotation is None or annotation is Any or annotation is object:
        return _ANY
    if annotation is type(None):
        return _NULL
    if annotation in _SCALAR_RULES:
        return _SCALAR_RULES[annotation]
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return _union_rule([rule_for(member) for member in arguments])
    if origin is typing.Literal:
        return _literal_rule(arguments)
    if annotation is list or origin is list:
        return _list_rule(rule_for(arguments[0]) if arguments else _ANY)
    if annotation is dict or origin is dict:
        return _dict_rule(arguments)
    raise ActionDefinitionError(
        f"unsupported annotation {annotation!r}; use str, int, float, bool, "
        "list, dict, Any, None, Literal or a union of these"
    )


def annotation_aliases(annotation: Any) -> tuple[str, ...]:
    """Return the names of the ``Alias`` markers of an annotation, in order."""
    names: list[str] = []
    while typing.get_origin(annotation) is typing.Annotated:
        for marker in annotation.__metadata__:
            if isinstance(marker, Alias):
                names.extend(marker.names)
            elif marker is Alias:
                raise ActionDefinitionError(
                    'Alias needs names; write Alias("name"), not Alias alone'
                )
        annotation = annotation.__origin__
    return tuple(names)


def check_aliases(parameters: Sequence[Param]) -> None:
    """Check that every parameter name and alias names one parameter only.

    Raises:
        ActionDefinitionError: An alias equals a parameter's name, another
            alias, or an alias of another parameter.
    """
    owners: dict[str, str] = {param.name: param.name for param in parameters}
    for param in parameters:
        for alias in param.aliases:
            owner = owners.get(alias)
            if owner is None:
                owners[alias] = param.name
                continue
            if owner == param.name and alias == param.name:
                collision = "the parameter's own name"
            elif owner == param.name:
                collision = "an alias listed twice"
            elif alias == owner:
                collision = f"the name of parameter '{owner}'"
            else:
                collision = f"an alias of parameter '{owner}'"
            raise ActionDefinitionError(
                f"alias '{alias}' of parameter '{param.name}' is {collision}; every "
                "name and alias must refer to one parameter only"
            )


def split_annotation(annotation: Any) -> tuple[Any, bool]:
    """Return the annotation without ``Annotated`` and whether it is secret."""
    return _strip_annotated(annotation)


def _strip_annotated(annotation: Any) -> tuple[Any, bool]:
    secret = False
    while typing.get_origin(annotation) is typing.Annotated:
        secret = secret or any(
            marker is Secret or isinstance(marker, Secret)
            for marker in annotation.__metadata__
        )
        annotation = annotation.__origin__
    return annotation, secret


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _convert_string(value: Any) -> str:
    raise TypeMismatch


def _convert_integer(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise TypeMismatch


def _convert_number(value: Any) -> float:
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise TypeMismatch from None
        if math.isfinite(number):
            return number
    raise TypeMismatch


def _convert_boolean(value: Any) -> bool:
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise TypeMismatch


def _convert_any(value: Any) -> Any:
    return value


def _reject(value: Any) -> Any:
    raise TypeMismatch


_SCALAR_NAMES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
)
_ANY = TypeRule("any", lambda value: True, _convert_any)
_NULL = TypeRule("null", lambda value: value is None, _reject)
_SCALAR_RULES: dict[Any, TypeRule] = {
    str: TypeRule("string", lambda value: isinstance(value, str), _convert_string),
    int: TypeRule("integer", _is_integer, _convert_integer),
    float: TypeRule("number", _is_number, _convert_number),
    bool: TypeRule("boolean", lambda value: isinstance(value, bool), _convert_boolean),
}


def _union_rule(members: list[TypeRule]) -> TypeRule:
    # An exact match wins over a conversion, so "5" stays a string in int | str.
    def matches(value: Any) -> bool:
        return any(member.matches(value) for member in members)

    def convert(value: Any) -> Any:
        for member in members:
            if member.matches(value):
                return value
        for member in members:
            try:
                return member.convert(value)
            except TypeMismatch:
                continue
        raise TypeMismatch

    names = " | ".join(member.type_name for member in members)
    return TypeRule(names, matches, convert)


def _literal_rule(choices: tuple[Any, ...]) -> TypeRule:
    for choice in choices:
        if not isinstance(choice, str | int | float | bool | None):
            raise ActionDefinitionError(
                f"unsupported Literal value {choice!r}; use strings, numbers, "
                "booleans or None"
            )

    def matches(value: Any) -> bool:
        return any(type(value) is type(c) and value == c for c in choices)

    return TypeRule(" | ".join(repr(c) for c in choices), matches, _reject)


def _list_rule(item: TypeRule) -> TypeRule:
    def matches(value: Any) -> bool:
        return isinstance(value, list) and all(item.matches(v) for v in value)

    def convert(value: Any) -> list[Any]:
        if not isinstance(value, list | tuple):
            raise TypeMismatch
        return [v if item.matches(v) else item.convert(v) for v in value]

    name = "array" if item is _ANY else f"array of {item.type_name}"
    return TypeRule(name, matches, convert)


def _dict_rule(arguments: tuple[Any, ...]) -> TypeRule:
    if arguments and rule_for(arguments[0]) not in (_ANY, _SCALAR_RULES[str]):
        raise ActionDefinitionError(
            f"unsupported dict key type {arguments[0]!r}; JSON object keys are "
            "strings, so use dict[str, X]"
        )
    value_rule = rule_for(arguments[1]) if len(arguments) == 2 else _ANY

    def matches(value: Any) -> bool:
        return isinstance(value, dict) and all(
            value_rule.matches(v) for v in value.values()
        )

    def convert(value: Any) -> dict[Any, Any]:
        if not isinstance(value, Mapping):
            raise TypeMismatch
        return {
            k: v if value_rule.matches(v) else value_rule.convert(v)
            for k, v in value.items()
        }

    name = "object" if value_rule is _ANY else f"object of {value_rule.type_name}"
    return TypeRule(name, matches, convert)


def read_parameters(
    function: Callable[..., Any],
    *,
    skip: int,
    descriptions: Mapping[str, str],
) -> tuple[Param, ...]:
    """Build the parameters of an action from a function signature.

    Args:
        function: The action function, or the ``run`` method of an action class.
        skip: Number of leading positional parameters that are not input, such
            as ``self`` and ``context``.
        descriptions: Parameter name to description, read from docstrings.

    Raises:
        ActionDefinitionError: The signature uses ``*args``, ``**kwargs`` or
            positional-only input parameters, an annotation is unsupported,
            or an alias names another parameter. The message names the
            parameter, and callers prefix the action name.
    """
    signature = inspect_signature(function)
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except Exception as exc:
        raise ActionDefinitionError(
            f"cannot resolve the type annotations of {function.__qualname__}: {exc}"
        ) from exc
    parameters = []
    for parameter in list(signature.parameters.values())[skip:]:
        _check_parameter_kind(parameter)
        hint = hints.get(parameter.name)
        annotation, secret = split_annotation(hint)
        required = parameter.default is parameter.empty
        try:
            param = Param(
                name=parameter.name,
                annotation=annotation,
                default=None if required else parameter.default,
                required=required,
                description=descriptions.get(parameter.name, ""),
                secret=secret,
                aliases=annotation_aliases(hint),
            )
        except ActionDefinitionError as exc:
            raise ActionDefinitionError(f"parameter '{parameter.name}': {exc}") from exc
        _check_default(param)
        parameters.append(param)
    check_aliases(parameters)
    return tuple(parameters)


def inspect_signature(function: Callable[..., Any]) -> inspect.Signature:
    """Return ``inspect.signature(function)`` with a definition error on failure."""
    try:
        return inspect.signature(function)
    except (TypeError, ValueError) as exc:
        raise ActionDefinitionError(
            f"cannot read the signature of {function!r}: {exc}"
        ) from exc


def _check_parameter_kind(parameter: inspect.Parameter) -> None:
    kind = parameter.kind
    if kind is parameter.VAR_POSITIONAL or kind is parameter.VAR_KEYWORD:
        stars = "*" if kind is parameter.VAR_POSITIONAL else "**"
        raise ActionDefinitionError(
            f"parameter '{stars}{parameter.name}' is not supported; declare "
            "each input parameter by name so the input schema can list it"
        )
    if kind is parameter.POSITIONAL_ONLY:
        raise ActionDefinitionError(
            f"parameter '{parameter.name}' is positional-only; input is passed "
            "by keyword, so remove the '/' marker"
        )


def _check_default(param: Param) -> None:
    if param.required or param.default is None:
        return
    if param.secret:
        raise ActionDefinitionError(
            f"secret parameter '{param.name}' has a default; a default appears "
            "in listings and schemas, so make the parameter required or default "
            "it to None"
        )
    try:
        param.convert(param.default)
    except TypeMismatch:
        raise ActionDefinitionError(
            f"default {param.default!r} of parameter '{param.name}' does not "
            f"match its type {param.type_name}"
        ) from None
    # An ``Any`` parameter accepts every Python value, but the default is
    # published in the JSON input schema and stored with the task's input.
    try:
        json.dumps(param.default, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ActionDefinitionError(
            f"default {param.default!r} of parameter '{param.name}' is not a "
            f"JSON value ({exc}); use str, int, float, bool, None, or a list or "
            "dict of these"
        ) from None
