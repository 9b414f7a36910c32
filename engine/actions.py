"""Resolve a task's action name to something the executor can run.

A name is looked up first among the ad-hoc actions of the task's own
definition (by full name, then relative to the workbook), then in the
catalogue of installed plugin actions. An ad-hoc action is unfolded down to
its plugin base action, keeping the chain so that output transformations can
be applied on the way back.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.spec.model import REQUIRED, AdhocActionSpec, Definition

#: Evaluates expressions in data against a context (engine.expressions).
Evaluator = Callable[[Any, Mapping[str, Any]], Any]


class ActionNotFoundError(LookupError):
    """No ad-hoc or installed action has the requested name."""

    def __init__(self, name: str, suggestions: list[str] | None = None) -> None:
        self.name = name
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"Failed to find action [action_name={name}].{hint}")


class AdhocInputError(ValueError):
    """Input given to an ad-hoc action does not match its ``input`` list."""


@dataclass(frozen=True)
class ResolvedAction:
    """A plugin action plus the ad-hoc layers wrapped around it.

    ``adhoc`` lists the ad-hoc specs from the outermost (the name the task
    used) to the innermost (whose ``base`` is the plugin action).
    """

    name: str
    descriptor: Any
    adhoc: tuple[AdhocActionSpec, ...] = ()

    @property
    def is_async(self) -> bool:
        return bool(getattr(self.descriptor, "is_async", False))

    @property
    def version(self) -> str | None:
        return getattr(self.descriptor, "version", None)


def find_adhoc(
    name: str, definition: Definition | None, workbook: str | None
) -> AdhocActionSpec | None:
    if definition is None:
        return None
    spec = definition.actions.get(name)
    if spec is None and workbook:
        spec = definition.actions.get(f"{workbook}.{name}")
    return spec


def resolve_action(
    name: str,
    definition: Definition | None,
    workbook: str | None,
    catalog: Any,
) -> ResolvedAction:
    """Unfold ``name`` through ad-hoc actions down to a plugin action."""
    chain: list[AdhocActionSpec] = []
    current = name
    while True:
        adhoc = find_adhoc(current, definition, workbook)
        if adhoc is None:
            break
        if adhoc in chain:
            raise ActionNotFoundError(f"{name} (ad-hoc actions refer to each other)")
        chain.append(adhoc)
        current = adhoc.base
    try:
        descriptor = catalog.get(current)
    except LookupError:
        names = catalog.names() if hasattr(catalog, "names") else []
        raise ActionNotFoundError(
            current, difflib.get_close_matches(current, names, n=3)
        ) from None
    return ResolvedAction(name=name, descriptor=descriptor, adhoc=tuple(chain))


def adhoc_input(
    spec: AdhocActionSpec, given: Mapping[str, Any], evaluate: Evaluator
) -> dict[str, Any]:
    """Check input against an ad-hoc action's list and build its base input."""
    allowed = {p.name for p in spec.input}
    unexpected = sorted(set(given) - allowed)
    missing = [p.name for p in spec.input if p.required and p.name not in given]
    if unexpected or missing:
        parts = []
        if missing:
            parts.append(f"missing={missing}")
        if unexpected:
            parts.append(f"unexpected={unexpected}")
        raise AdhocInputError(
            f"Invalid input [name={spec.name}, {', '.join(parts)}]. "
            f"Parameters: {_describe_params(spec)}"
        )
    values = {p.name: p.default for p in spec.input if p.default is not REQUIRED}
    values.update(given)
    return evaluate(dict(spec.base_input), values)


def _describe_params(spec: AdhocActionSpec) -> str:
    if not spec.input:
        return "none"
    return ", ".join(
        p.name if p.required else f"{p.name}={p.default!r}" for p in spec.input
    )


def unfold_input(
    resolved: ResolvedAction, given: Mapping[str, Any], evaluate: Evaluator
) -> dict[str, Any]:
    """Turn the task's input into the plugin action's validated input."""
    values: dict[str, Any] = dict(given)
    for spec in resolved.adhoc:
        values = adhoc_input(spec, values, evaluate)
    return resolved.descriptor.validate_input(values)


def transform_output(
    resolved: ResolvedAction, result: Any, evaluate: Evaluator
) -> Any:
    """Apply the ad-hoc ``output`` transformations, innermost first."""
    for spec in reversed(resolved.adhoc):
        if spec.output is not None:
            result = evaluate(spec.output, result)
    return result
