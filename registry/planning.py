"""Check a workflow against a cloud before it runs: ``check_workflow``.

Every task whose action is named statically is resolved for the cloud, and
its literal input values are checked against the chosen version's
parameters. Action names that are expressions, sub-workflow tasks and input
values that are expressions are left to run time. Nothing is called on the
cloud except the discovery of its versions.

The definition is the engine's parsed ``Definition``
(``engine.spec.parser.parse``); only its attributes are read here, so the
registry does not import the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from action_sdk import ActionDescriptor
from action_sdk._schema import TypeMismatch
from registry.errors import RegistryError
from registry.pins import split_pin
from registry.registry import Registry, default_registry
from registry.resolution import Resolution
from registry.versions import CloudVersions

_EXPRESSION_MARKERS = ("<%", "{{", "{%")


@dataclass(frozen=True)
class TaskPlan:
    """Plan of one task: the calls it would make, or the reasons it cannot run."""

    workflow: str
    task: str
    #: The action name as the task writes it, or None without an action.
    action: str | None
    #: The installed action it unfolds to through ad-hoc actions, with its pin.
    base_action: str | None = None
    resolution: Resolution | None = None
    #: Literal input values, secret ones redacted.
    input: dict[str, Any] = field(default_factory=dict)
    #: Input keys whose values are expressions, checked at run time.
    dynamic_input: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    #: Why the task is not checked, such as "the action name is an expression".
    skipped: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the plan as a JSON-ready dict."""
        return {
            "workflow": self.workflow,
            "task": self.task,
            "action": self.action,
            "base_action": self.base_action,
            "resolution": self.resolution.to_dict() if self.resolution else None,
            "input": self.input,
            "dynamic_input": list(self.dynamic_input),
            "problems": list(self.problems),
            "skipped": self.skipped,
        }


class WorkflowCheckError(RegistryError):
    """Tasks of a workflow name actions that cannot run on the cloud.

    Attributes:
        plans: Every task's plan, the failing ones with their problems.
    """

    def __init__(self, plans: list[TaskPlan]) -> None:
        self.plans = plans
        failing = [plan for plan in plans if plan.problems]
        lines = [f"{len(failing)} of {len(plans)} tasks cannot run:"]
        for plan in failing:
            for problem in plan.problems:
                text = problem.replace("\n", "\n    ")
                lines.append(f"  {plan.workflow}.{plan.task}: {text}")
        super().__init__("\n".join(lines))


def plan_workflow(
    definition: Any,
    cloud: str | CloudVersions | None,
    registry: Registry | None = None,
) -> list[TaskPlan]:
    """Return the plan of every task of every workflow in ``definition``.

    Raises:
        CloudNotFound, DiscoveryError: The cloud cannot be discovered.
    """
    registry = registry or default_registry()
    offered = registry.cloud_versions(cloud)
    plans = []
    for workflow in definition.workflows.values():
        for task in workflow.tasks.values():
            plans.append(_plan_task(definition, workflow, task, offered, registry))
    return plans


def check_workflow(
    definition: Any,
    cloud: str | CloudVersions | None,
    registry: Registry | None = None,
) -> list[TaskPlan]:
    """Check a workflow before it starts and return its task plans.

    Raises:
        WorkflowCheckError: Some task cannot run; the message lists every
            problem of every task.
        CloudNotFound, DiscoveryError: The cloud cannot be discovered.
    """
    plans = plan_workflow(definition, cloud, registry)
    if any(plan.problems for plan in plans):
        raise WorkflowCheckError(plans)
    return plans


def _plan_task(
    definition: Any,
    workflow: Any,
    task: Any,
    offered: CloudVersions,
    registry: Registry,
) -> TaskPlan:
    base = {"workflow": workflow.name, "task": task.name, "action": task.action}
    if task.action is None:
        reason = "sub-workflow task" if task.workflow else "no action (runs std.noop)"
        return TaskPlan(**base, skipped=reason)
    if is_expression(task.action):
        return TaskPlan(**base, skipped="the action name is an expression")
    try:
        chain = _unfold(definition, workflow, task.action)
    except ValueError as exc:
        return TaskPlan(**base, problems=(str(exc),))
    base_name = chain[-1].base if chain else task.action
    try:
        resolution = registry.resolve(base_name, offered)
    except RegistryError as exc:
        return TaskPlan(**base, base_action=base_name, problems=(str(exc),))
    given = _task_input(task)
    if chain:
        literal, dynamic, problems = _check_adhoc_input(chain, given, resolution)
    else:
        literal, dynamic, problems = check_literal_input(
            resolution.descriptor,
            given,
            whole_input_dynamic=isinstance(task.input, str),
        )
    return TaskPlan(
        **base,
        base_action=base_name,
        resolution=resolution,
        input=resolution.descriptor.redact_input(literal),
        dynamic_input=tuple(dynamic),
        problems=tuple(problems),
    )


def is_expression(value: Any) -> bool:
    """Return True when a value is or contains a YAQL or Jinja expression."""
    if isinstance(value, str):
        return any(marker in value for marker in _EXPRESSION_MARKERS)
    if isinstance(value, Mapping):
        return any(is_expression(k) or is_expression(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(is_expression(item) for item in value)
    return False


def check_literal_input(
    descriptor: ActionDescriptor,
    given: Mapping[str, Any],
    *,
    whole_input_dynamic: bool = False,
) -> tuple[dict[str, Any], list[str], list[str]]:
    """Check the literal values of an input against an action's parameters.

    Returns the literal values, the keys whose values are expressions, and
    the problems. A required parameter counts as missing only when the whole
    input is not an expression.
    """
    literal: dict[str, Any] = {}
    dynamic: list[str] = []
    problems: list[str] = []
    label = f"{descriptor.name} {descriptor.version}"
    keys_by_name: dict[str, list[str]] = {}
    for key, value in given.items():
        # A key may be a parameter's name or one of its aliases.
        param = descriptor.parameter_for(key)
        if param is None:
            problems.append(
                f"{label} has no parameter {key!r}; parameters: "
                f"{descriptor.describe_parameters()}"
            )
            continue
        keys_by_name.setdefault(param.name, []).append(key)
        if is_expression(value):
            dynamic.append(key)
            continue
        literal[key] = value
        try:
            param.convert(value)
        except TypeMismatch:
            problems.append(
                f"{label}: parameter {key!r} must be of type "
                f"{param.type_name}, got {param.show_value(value)}"
            )
    for name, keys in keys_by_name.items():
        if len(keys) > 1:
            problems.append(
                f"{label}: parameter {name!r} is given more than once, as "
                f"{' and '.join(repr(key) for key in keys)}; give it under one "
                "name only"
            )
    if not whole_input_dynamic:
        missing = [
            _name_with_aliases(param)
            for param in descriptor.parameters
            if param.required and param.name not in keys_by_name
        ]
        if missing:
            problems.append(
                f"{label}: missing required parameters: {', '.join(missing)}"
            )
    return literal, dynamic, problems


def _name_with_aliases(param: Any) -> str:
    if not param.aliases:
        return str(param.name)
    return f"{param.name} (also accepted as {' or '.join(param.aliases)})"


def _task_input(task: Any) -> dict[str, Any]:
    values = dict(task.inline_input or {})
    if isinstance(task.input, Mapping):
        values.update(task.input)
    return values


def _unfold(definition: Any, workflow: Any, name: str) -> list[Any]:
    """Return the ad-hoc actions that ``name`` goes through, outermost first."""
    chain: list[Any] = []
    current = name
    while True:
        bare, _ = split_pin(current)
        spec = definition.actions.get(bare)
        if spec is None and workflow.workbook:
            spec = definition.actions.get(f"{workflow.workbook}.{bare}")
        if spec is None:
            return chain
        if spec in chain:
            raise ValueError(f"ad-hoc action {name} refers to itself through {bare}")
        chain.append(spec)
        current = spec.base


def _check_adhoc_input(
    chain: list[Any], given: Mapping[str, Any], resolution: Resolution
) -> tuple[dict[str, Any], list[str], list[str]]:
    outer = chain[0]
    allowed = {param.name for param in outer.input}
    problems = [
        f"ad-hoc action {outer.name} has no input {key!r}; inputs: "
        f"{', '.join(sorted(allowed)) or 'none'}"
        for key in given
        if key not in allowed
    ]
    missing = [p.name for p in outer.input if p.required and p.name not in given]
    if missing:
        problems.append(
            f"ad-hoc action {outer.name}: missing required inputs {missing}"
        )
    literal, dynamic, base_problems = check_literal_input(
        resolution.descriptor,
        dict(chain[-1].base_input or {}),
        whole_input_dynamic=True,
    )
    return literal, dynamic, problems + base_problems
