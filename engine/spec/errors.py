"""Errors raised when a definition text is rejected.

Hierarchy::

    DefinitionError     the text is not a valid Mistral v2 definition;
                        ``issues`` lists every problem found

Each problem is a ``SpecIssue`` that names the file, the line, the workflow,
the task or ad-hoc action, and the key it concerns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class SpecIssue:
    """One problem found in a definition.

    ``line`` is 1-based; ``None`` means the line is not known. ``action`` is
    set instead of ``workflow`` for problems in a workbook's ad-hoc action.
    """

    message: str
    workflow: str | None = None
    task: str | None = None
    key: str | None = None
    line: int | None = None
    source: str = "<string>"
    action: str | None = None

    def __str__(self) -> str:
        place = self.source if self.line is None else f"{self.source}:{self.line}"
        parts = []
        if self.workflow is not None:
            parts.append(f"workflow '{self.workflow}'")
        if self.action is not None:
            parts.append(f"action '{self.action}'")
        if self.task is not None:
            parts.append(f"task '{self.task}'")
        if self.key is not None:
            parts.append(f"key '{self.key}'")
        if not parts:
            return f"{place}: {self.message}"
        return f"{place}: {', '.join(parts)}: {self.message}"


class DefinitionError(Exception):
    """A definition text that cannot be used; ``issues`` lists every problem.

    ``str()`` lists the issues one per line, in the order given.
    """

    def __init__(self, issues: Iterable[SpecIssue]) -> None:
        self.issues: list[SpecIssue] = list(issues)
        if not self.issues:
            raise ValueError("DefinitionError needs at least one issue")
        super().__init__(self.issues)

    def __str__(self) -> str:
        return "\n".join(str(issue) for issue in self.issues)

    def __reduce__(self) -> tuple[type[DefinitionError], tuple[list[SpecIssue]]]:
        return (type(self), (self.issues,))
