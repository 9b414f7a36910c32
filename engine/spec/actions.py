"""Ad-hoc actions from a workbook's ``actions`` section."""

from __future__ import annotations

from typing import Any

from engine.spec.inline import InlineSyntaxError, split_inline
from engine.spec.metadata import (
    check_name,
    parse_description,
    parse_parameters,
    parse_tags,
)
from engine.spec.model import AdhocActionSpec
from engine.spec.reporting import Scope
from engine.spec.schema import check_nonempty_mapping, check_nonempty_string, describe

_ACTION_KEYS = frozenset(
    {"base", "base-input", "input", "output", "description", "tags"}
)
#: Keys that Mistral overwrites with its own values, so any value is accepted.
_IGNORED_KEYS = frozenset({"name", "version"})


def parse_action(
    parent: Scope, key: str, value: Any, full_name: str, workbook: str | None
) -> AdhocActionSpec | None:
    """Parse the ad-hoc action stored under ``key`` of ``parent``'s mapping."""
    line = parent.line_of(key)
    scope = Scope(parent.reporter, mapping=value, line=line, action=full_name)
    check_name(scope, full_name, "action", spaces=workbook is None)
    if not isinstance(value, dict):
        scope.report(
            f"Invalid action {describe(value)}: an ad-hoc action is a mapping "
            "with at least a 'base' action."
        )
        return None
    for name in value:
        if name not in _ACTION_KEYS and name not in _IGNORED_KEYS:
            allowed = ", ".join(sorted(_ACTION_KEYS))
            key_text = name if isinstance(name, str) else describe(name)
            scope.report(
                f"Unknown action key {key_text!r} ({key_text!r} was unexpected). "
                f"Allowed keys: {allowed}.",
                name if isinstance(name, str) else None,
            )

    base, inline_input = _parse_base(scope, value)
    base_input = _parse_base_input(scope, value)
    output = value.get("output")
    if isinstance(output, str):
        scope.check_expressions("output", output)
    if base is None:
        return None
    return AdhocActionSpec(
        name=full_name,
        base=base,
        # Inline parameters of ``base`` win over ``base-input``, as in
        # Mistral 23.0.0.
        base_input={**base_input, **inline_input},
        input=parse_parameters(scope, value),
        output=output,
        description=parse_description(scope, value),
        workbook=workbook,
        line=line or 0,
        tags=parse_tags(scope, value),
    )


def _parse_base(
    scope: Scope, action: dict[Any, Any]
) -> tuple[str | None, dict[str, Any]]:
    if "base" not in action:
        scope.report(
            "The action has no 'base': name the action it runs, such as "
            'base: std.echo output="text".'
        )
        return None, {}
    problem = check_nonempty_string(action["base"])
    if problem is not None:
        scope.report(problem, "base")
        return None, {}
    try:
        base, inline_input = split_inline(action["base"])
    except InlineSyntaxError as error:
        scope.report(str(error), "base")
        return None, {}
    scope.check_expressions("base", inline_input)
    return base, inline_input


def _parse_base_input(scope: Scope, action: dict[Any, Any]) -> dict[str, Any]:
    if "base-input" not in action:
        return {}
    value = action["base-input"]
    problem = check_nonempty_mapping(value)
    if problem is not None:
        scope.report(problem, "base-input")
        return {}
    scope.check_expressions("base-input", value)
    return value  # type: ignore[no-any-return]
