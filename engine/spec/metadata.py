"""Keys shared by workflows, workbooks and ad-hoc actions: names, input, tags."""

from __future__ import annotations

from typing import Any

from engine.spec.model import REQUIRED, InputParam
from engine.spec.reporting import Scope
from engine.spec.schema import (
    check_nonempty_string,
    check_parameter_list,
    check_unique_string_list,
)

#: Mistral 23.0.0 stores names of workflows, workbooks and ad-hoc actions in
#: columns of 255 characters.
#: NOTE: On SQLite Mistral stores longer names anyway; on MySQL and
#: PostgreSQL it fails, so longer names are rejected here in every case.
MAX_NAME_LENGTH = 255


def check_name(
    scope: Scope, name: str, kind: str, key: str | None = None, spaces: bool = True
) -> None:
    """Report a workflow, workbook or action name that Mistral cannot store.

    ``name`` is the full name. ``spaces=False`` skips the check for spaces,
    for workbook entries whose only possible space is in the workbook name,
    which is reported once.
    """
    if spaces and " " in name:
        scope.report(
            f"Name {name!r} must not contain spaces; use '_' or '-' instead.", key
        )
    if len(name) > MAX_NAME_LENGTH:
        scope.report(
            f"The {kind} name is {len(name)} characters long; the limit is "
            f"{MAX_NAME_LENGTH}.",
            key,
        )


def parse_parameters(scope: Scope, mapping: dict[Any, Any]) -> tuple[InputParam, ...]:
    """Read the ``input`` declaration of a workflow or an ad-hoc action."""
    if "input" not in mapping:
        return ()
    value = mapping["input"]
    problem = check_parameter_list(value)
    if problem is not None:
        scope.report(problem, "input")
        return ()
    # A repeated name keeps its first position and its last default.
    defaults: dict[str, Any] = {}
    for item in value:
        if isinstance(item, dict):
            defaults.update(item)
        else:
            defaults[item] = REQUIRED
    return tuple(InputParam(name, default) for name, default in defaults.items())


def parse_tags(scope: Scope, mapping: dict[Any, Any]) -> tuple[str, ...]:
    """Read an optional ``tags`` list of unique strings."""
    if "tags" not in mapping:
        return ()
    problem = check_unique_string_list(mapping["tags"])
    if problem is not None:
        scope.report(problem, "tags")
        return ()
    return tuple(mapping["tags"])


def parse_description(scope: Scope, mapping: dict[Any, Any]) -> str | None:
    """Read an optional ``description``, which must be a non-empty string."""
    if "description" not in mapping:
        return None
    problem = check_nonempty_string(mapping["description"])
    if problem is not None:
        scope.report(problem, "description")
        return None
    return mapping["description"]  # type: ignore[no-any-return]
