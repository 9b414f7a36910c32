"""Typed, immutable specifications of Mistral v2 definitions.

The parser (``engine.spec.parser``) turns YAML text into these objects after
validating it; the engine only ever reads them. Values that the language lets
be expressions (policies, inputs, conditions) are kept as raw data and are
evaluated by the engine at run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from engine.spec.errors import SpecIssue

#: Transition targets that are engine commands rather than task names. As in
#: Mistral 23, a command wins over a task of the same name.
ENGINE_COMMANDS = frozenset({"fail", "succeed", "pause", "noop"})


class _Required:
    """Marker for an input parameter that has no default."""

    _instance: _Required | None = None

    def __new__(cls) -> _Required:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "REQUIRED"


#: Default of an input parameter that the caller must supply.
REQUIRED: Any = _Required()


@dataclass(frozen=True)
class InputParam:
    """One entry of a workflow's or ad-hoc action's ``input`` list."""

    name: str
    default: Any = REQUIRED

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class Transition:
    """One target of an ``on-success``, ``on-error`` or ``on-complete`` clause.

    ``target`` is a task name or an engine command (see ``ENGINE_COMMANDS``).
    ``condition`` is the guard expression (``- task: <% $.x %>``) or ``None``.
    ``params`` are the command arguments, such as ``msg`` in ``fail msg="x"``.
    """

    target: str
    condition: Any = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def is_command(self) -> bool:
        return self.target in ENGINE_COMMANDS


@dataclass(frozen=True)
class TransitionClause:
    """An ``on-success`` / ``on-error`` / ``on-complete`` block.

    Both the list form and the advanced form (``publish`` with ``branch``,
    ``global`` and ``atomic`` scopes plus ``next``) end up here.
    """

    transitions: tuple[Transition, ...] = ()
    publish: dict[str, Any] | None = None
    publish_global: dict[str, Any] | None = None
    publish_atomic: dict[str, Any] | None = None


@dataclass(frozen=True)
class RetrySpec:
    """The ``retry`` policy; every field may be an expression."""

    count: Any
    delay: Any = 0
    break_on: Any = None
    continue_on: Any = None


@dataclass(frozen=True)
class Policies:
    """Policies a task can set directly or inherit from ``task-defaults``.

    A field left ``None`` is "not set"; the engine falls back to the
    workflow's task-defaults for it.
    """

    retry: RetrySpec | None = None
    wait_before: Any = None
    wait_after: Any = None
    timeout: Any = None
    pause_before: Any = None
    concurrency: Any = None
    fail_on: Any = None
    safe_rerun: Any = None


@dataclass(frozen=True)
class TaskDefaults:
    """A workflow's ``task-defaults`` section."""

    policies: Policies = field(default_factory=Policies)
    on_success: TransitionClause | None = None
    on_error: TransitionClause | None = None
    on_complete: TransitionClause | None = None
    requires: tuple[str, ...] = ()
    #: ``on-skip``: taken when a task is skipped through the API.
    on_skip: TransitionClause | None = None


@dataclass(frozen=True)
class WithItems:
    """``with-items``: variable names and the collections zipped over them.

    ``collections`` holds, per variable, an expression string or a literal list.
    """

    variables: tuple[str, ...]
    collections: tuple[Any, ...]


@dataclass(frozen=True)
class TaskSpec:
    """One task of a workflow.

    ``action`` is the action name with inline parameters removed (it may be an
    expression), and ``inline_input`` holds the parsed ``k=v`` pairs.
    ``workflow`` likewise for a sub-workflow. A task with neither runs
    ``std.noop``. ``input`` is the ``input:`` mapping, or an expression string
    that evaluates to one. ``join`` is ``None``, ``"all"`` or a positive int
    (``join: one`` is stored as 1).
    """

    name: str
    action: str | None = None
    workflow: str | None = None
    inline_input: dict[str, Any] = field(default_factory=dict)
    input: Any = None
    publish: dict[str, Any] | None = None
    publish_on_error: dict[str, Any] | None = None
    on_success: TransitionClause | None = None
    on_error: TransitionClause | None = None
    on_complete: TransitionClause | None = None
    join: str | int | None = None
    requires: tuple[str, ...] = ()
    with_items: WithItems | None = None
    policies: Policies = field(default_factory=Policies)
    keep_result: Any = True
    target: Any = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    #: Line of the task's key in the source text (1-based), 0 when unknown.
    line: int = 0
    #: ``on-skip`` and ``publish-on-skip``: used when a task is skipped
    #: through the API.
    on_skip: TransitionClause | None = None
    publish_on_skip: dict[str, Any] | None = None


@dataclass(frozen=True)
class WorkflowSpec:
    """One workflow. ``name`` is the full name (``workbook.wf`` in a workbook)."""

    name: str
    type: Literal["direct", "reverse"] = "direct"
    input: tuple[InputParam, ...] = ()
    output: Any = None
    output_on_error: Any = None
    vars: dict[str, Any] = field(default_factory=dict)
    task_defaults: TaskDefaults = field(default_factory=TaskDefaults)
    tasks: dict[str, TaskSpec] = field(default_factory=dict)
    description: str | None = None
    tags: tuple[str, ...] = ()
    #: Workbook name when the workflow came from a workbook, else ``None``.
    workbook: str | None = None
    line: int = 0

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1] if self.workbook else self.name


@dataclass(frozen=True)
class AdhocActionSpec:
    """An ad-hoc action from a workbook's ``actions`` section.

    ``base`` is the base action name with inline parameters removed and
    ``base_input`` merges the inline parameters with ``base-input``.
    """

    name: str
    base: str
    base_input: dict[str, Any] = field(default_factory=dict)
    input: tuple[InputParam, ...] = ()
    output: Any = None
    description: str | None = None
    workbook: str | None = None
    line: int = 0
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Definition:
    """Everything one YAML document defines."""

    workflows: dict[str, WorkflowSpec] = field(default_factory=dict)
    actions: dict[str, AdhocActionSpec] = field(default_factory=dict)
    #: Workbook name for a workbook document, ``None`` for a workflow list.
    workbook: str | None = None
    version: str = "2.0"
    #: Workbook ``description`` and ``tags``; empty for a workflow list.
    description: str | None = None
    tags: tuple[str, ...] = ()
    #: Findings that do not make the definition invalid, such as inline
    #: parameters that Mistral's syntax drops.
    warnings: tuple[SpecIssue, ...] = ()
