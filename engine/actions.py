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


class ActionResolutionError(ValueError):
    """The action exists but no installed version can run on the target cloud."""


@dataclass(frozen=True)
class ResolvedAction:
    """A plugin action plus the ad-hoc layers wrapped around it.

    ``adhoc`` lists the ad-hoc specs from the outermost (the name the task
    used) to the innermost (whose ``base`` is the plugin action).
    ``resolution`` is the registry's choice of version and microversions when
    the action has service requirements or a version pin, else ``None``.
    """

    name: str
    descriptor: Any
    adhoc: tuple[AdhocActionSpec, ...] = ()
    resolution: Any = None

    @property
    def is_async(self) -> bool:
        return bool(getattr(self.descriptor, "is_async", False))

    @property
    def version(self) -> str | None:
        return getattr(self.descriptor, "version", None)

    @property
    def base_name(self) -> str:
        return self.adhoc[-1].base if self.adhoc else self.name


def find_adhoc(
    name: str, definition: Definition | None, workbook: str | None
) -> AdhocActionSpec | None:
    if definition is None:
        return None
    spec = definition.actions.get(name)
    if spec is None and workbook:
        spec = definition.actions.get(f"{workbook}.{name}")
    return spec


#: Finds the plugin action for a base name (which may carry ``@pin``):
#: returns ``(descriptor, resolution or None)``.
BaseResolver = Callable[[str], tuple[Any, Any]]


def catalog_resolver(catalog: Any) -> BaseResolver:
    """Resolve base names in a plain catalogue: highest version, no cloud."""

    def resolve(name: str) -> tuple[Any, Any]:
        return catalog.get(name), None

    return resolve


def resolve_action(
    name: str,
    definition: Definition | None,
    workbook: str | None,
    resolver: BaseResolver,
    known_names: Callable[[], list[str]] | None = None,
) -> ResolvedAction:
    """Unfold ``name`` through ad-hoc actions down to a plugin action.

    Raises ActionNotFoundError (with close names from ``known_names``) or
    ActionResolutionError when the registry rejects every version.
    """
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
        descriptor, resolution = resolver(current)
    except LookupError:
        names = known_names() if known_names is not None else []
        plain = current.split("@", 1)[0]
        raise ActionNotFoundError(
            current, difflib.get_close_matches(plain, names, n=3)
        ) from None
    except ValueError as error:
        raise ActionResolutionError(str(error)) from error
    return ResolvedAction(
        name=name, descriptor=descriptor, adhoc=tuple(chain), resolution=resolution
    )


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
