"""JSON Schema of an action's input, built from its typed parameters.

The schema describes the types that input validation accepts without
conversion. Validation at run time is more lenient: it also converts numeric
strings for numbers and "true"/"false" for booleans.

A parameter with aliases lists them in its property as ``"x-aliases"``. The
schema describes input under the parameters' own names, so a JSON Schema
validator rejects a key that is an alias. ``validate_input`` renames alias
keys to parameter names before it checks the input.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from typing import Any

from action_sdk._schema import Param, split_annotation

#: Dialect named in every generated schema.
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
}


def annotation_schema(annotation: Any) -> dict[str, Any]:
    """Return the JSON Schema of one supported parameter annotation."""
    annotation = split_annotation(annotation)[0]
    if annotation is None or annotation is Any or annotation is object:
        return {}
    if annotation in _SCALARS:
        return dict(_SCALARS[annotation])
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return {"anyOf": [annotation_schema(member) for member in arguments]}
    if origin is typing.Literal:
        return {"enum": list(arguments)}
    if annotation is list or origin is list:
        schema: dict[str, Any] = {"type": "array"}
        if arguments and annotation_schema(arguments[0]):
            schema["items"] = annotation_schema(arguments[0])
        return schema
    if annotation is dict or origin is dict:
        schema = {"type": "object"}
        if len(arguments) == 2 and annotation_schema(arguments[1]):
            schema["additionalProperties"] = annotation_schema(arguments[1])
        return schema
    # Param() already rejected other annotations, so this is not reached for
    # a parameter of a described action.
    raise TypeError(f"unsupported annotation {annotation!r}")


def parameter_schema(param: Param) -> dict[str, Any]:
    """Return the schema of one parameter, with description, default and aliases."""
    schema = annotation_schema(param.annotation)
    if param.description:
        schema["description"] = param.description
    if param.aliases:
        schema["x-aliases"] = list(param.aliases)
    if param.secret:
        schema["writeOnly"] = True
        schema["format"] = "password"
    elif not param.required:
        schema["default"] = param.default
    return schema


def input_schema(
    name: str, version: str, description: str, parameters: Sequence[Param]
) -> dict[str, Any]:
    """Return the object schema of an action's whole input."""
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "title": f"{name} {version} input",
        "type": "object",
        "properties": {param.name: parameter_schema(param) for param in parameters},
        "required": [param.name for param in parameters if param.required],
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema
