"""Checks of workflow input at start, with Mistral's wording."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.masking import MASK, is_secret_key
from engine.spec.model import REQUIRED, WorkflowSpec


class WorkflowInputError(ValueError):
    """Input given at start does not match the workflow's ``input`` list."""


def check_workflow_input(
    spec: WorkflowSpec, given: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Return the input with defaults filled in (defaults still unevaluated).

    Raises WorkflowInputError naming the missing and unexpected parameters and
    listing the accepted ones.
    """
    given = dict(given or {})
    names = [param.name for param in spec.input]
    missing = [p.name for p in spec.input if p.required and p.name not in given]
    unexpected = [key for key in given if key not in names]
    if missing or unexpected:
        problems = []
        if missing:
            problems.append(f"missing={missing}")
        if unexpected:
            problems.append(f"unexpected={unexpected}")
        accepted = ", ".join(_accepted(p.name, p.required, p.default) for p in spec.input)
        raise WorkflowInputError(
            f"Invalid input [name={spec.name}, {', '.join(problems)}]. "
            f"Accepted input: {accepted or 'none'}."
        )
    values = {p.name: p.default for p in spec.input if p.default is not REQUIRED}
    values.update(given)
    return values


def _accepted(name: str, required: bool, default: Any) -> str:
    """Describe one input parameter for an error message, hiding secret defaults."""
    if required:
        return name
    shown = MASK if is_secret_key(name) else repr(default)
    return f"{name} (default {shown})"
