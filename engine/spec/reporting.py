"""Collection of issues, each placed at its workflow, task, key and line."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from engine import expressions
from engine.spec.errors import SpecIssue
from engine.spec.loader import LineIndex


class Reporter:
    """Issues found in one definition text, in the order they were found."""

    def __init__(self, source: str, lines: LineIndex) -> None:
        self.source = source
        self.lines = lines
        self.issues: list[SpecIssue] = []
        #: Findings that do not make the definition invalid.
        self.warnings: list[SpecIssue] = []
        self._expression_problems: dict[str, list[str]] = {}

    def add(
        self,
        message: str,
        *,
        workflow: str | None = None,
        action: str | None = None,
        task: str | None = None,
        key: str | None = None,
        line: int | None = None,
    ) -> None:
        issue = SpecIssue(
            message,
            workflow=workflow,
            task=task,
            key=key,
            line=line,
            source=self.source,
            action=action,
        )
        self.issues.append(issue)

    def expression_problems(self, text: str) -> list[str]:
        """Return the syntax problems of the expressions inside ``text``."""
        problems = self._expression_problems.get(text)
        if problems is None:
            problems = _find_expression_problems(text)
            self._expression_problems[text] = problems
        return problems


def _find_expression_problems(text: str) -> list[str]:
    return [str(error) for error in expressions.validate(text, shallow=True)]


@dataclass(frozen=True)
class Scope:
    """The place that issues are reported for.

    ``mapping`` is the loaded mapping whose keys are being checked, so an
    issue about one of its keys gets that key's line. ``line`` is used when
    no better line is known. ``key_prefix`` names the enclosing key of a
    nested mapping, as in ``retry.count``.
    """

    reporter: Reporter
    mapping: Any = None
    line: int | None = None
    workflow: str | None = None
    action: str | None = None
    task: str | None = None
    key_prefix: str | None = None

    def line_of(self, key: Any) -> int | None:
        line = self.reporter.lines.key_line(self.mapping, key)
        return self.line if line is None else line

    def item_line(self, sequence: Any, index: int, default: int | None) -> int | None:
        line = self.reporter.lines.item_line(sequence, index)
        return default if line is None else line

    def full_key(self, key: str | None) -> str | None:
        if self.key_prefix is None:
            return key
        if key is None:
            return self.key_prefix
        return f"{self.key_prefix}.{key}"

    def report(
        self, message: str, key: str | None = None, line: int | None = None
    ) -> None:
        """Record an issue about ``key`` of this scope's mapping."""
        if line is None:
            line = self.line_of(key) if key is not None else self.line
        self.reporter.add(
            message,
            workflow=self.workflow,
            action=self.action,
            task=self.task,
            key=self.full_key(key),
            line=line,
        )

    def warn(self, message: str, key: str | None = None) -> None:
        """Record a warning about ``key``: the definition stays valid."""
        line = self.line_of(key) if key is not None else self.line
        self.reporter.warnings.append(
            SpecIssue(
                message,
                workflow=self.workflow,
                task=self.task,
                key=self.full_key(key),
                line=line,
                source=self.reporter.source,
                action=self.action,
            )
        )

    def nested(self, key: str, mapping: Any) -> Scope:
        """Return the scope of the mapping stored under ``key``."""
        return replace(
            self, mapping=mapping, line=self.line_of(key), key_prefix=self.full_key(key)
        )

    def check_expressions(self, key: str, value: Any, line: int | None = None) -> None:
        """Report syntax errors of the expressions in ``value``.

        Like Mistral 23.0.0, only a string, the strings of a list and the
        string values of a mapping are checked. Deeper values fail at run
        time instead.
        """
        lines = self.reporter.lines
        if line is None:
            line = self.line_of(key)
        if isinstance(value, str):
            located = [(value, line)]
        elif isinstance(value, list | tuple):
            located = [
                (item, lines.item_line(value, index) or line)
                for index, item in enumerate(value)
                if isinstance(item, str)
            ]
        elif isinstance(value, dict):
            located = [
                (item, lines.key_line(value, name) or line)
                for name, item in value.items()
                if isinstance(item, str)
            ]
        else:
            return
        for text, text_line in located:
            for problem in self.reporter.expression_problems(text):
                self.report(problem, key, text_line)
