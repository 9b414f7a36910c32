"""Checked types for request fields: text, names and free-form JSON values.

Every string must be storable on both databases (no NUL character, no lone
surrogate), every number finite, and free-form values (input, env,
variables, action output) nested at most ``MAX_NESTING`` levels deep.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Path
from pydantic import AfterValidator, Field

#: Maximum nesting depth of lists and mappings in a free-form value.
MAX_NESTING = 64

#: Maximum length of a name (workflow, workbook, environment, namespace, task).
MAX_NAME_LENGTH = 255

#: Maximum length of a description.
MAX_DESCRIPTION_LENGTH = 4096


def check_text(value: str) -> str:
    """Reject text that a database column cannot store."""
    if "\x00" in value:
        raise ValueError("must not contain the NUL character (\\u0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            "must be valid Unicode; it contains a lone surrogate code point"
        ) from None
    return value


def check_json_value(value: Any) -> Any:
    """Reject values that cannot be stored and returned as JSON.

    Raises ValueError naming the first problem: a number that is not finite,
    text that ``check_text`` rejects, or nesting past ``MAX_NESTING``.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"numbers must be finite, got {item}")
        if isinstance(item, str):
            check_text(item)
        elif isinstance(item, Mapping) or isinstance(item, list):
            if depth >= MAX_NESTING:
                raise ValueError(
                    f"nests deeper than {MAX_NESTING} levels of lists and objects"
                )
            if isinstance(item, Mapping):
                for key, child in item.items():
                    check_text(str(key))
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
    return value


#: Pattern of text without the NUL character, which PostgreSQL cannot store.
NO_NUL = r"^[^\x00]*$"

#: A path parameter: an id or a name.
PathText = Annotated[str, Path(max_length=MAX_NAME_LENGTH, pattern=NO_NUL)]

#: Free text (descriptions, state info, error messages).
Text = Annotated[str, AfterValidator(check_text)]

#: A description of at most ``MAX_DESCRIPTION_LENGTH`` characters.
Description = Annotated[
    str, Field(max_length=MAX_DESCRIPTION_LENGTH), AfterValidator(check_text)
]

#: A non-empty name without surrounding blanks.
Name = Annotated[
    str,
    Field(min_length=1, max_length=MAX_NAME_LENGTH, pattern=r"^\S(.*\S)?$"),
    AfterValidator(check_text),
]

#: A namespace: empty for the default namespace.
Namespace = Annotated[
    str, Field(max_length=MAX_NAME_LENGTH), AfterValidator(check_text)
]

#: A definition document in YAML.
DefinitionText = Annotated[str, Field(min_length=1), AfterValidator(check_text)]

#: Any JSON value.
JsonValue = Annotated[Any, AfterValidator(check_json_value)]

#: A JSON object of names to any values.
JsonObject = Annotated[dict[str, Any], AfterValidator(check_json_value)]
