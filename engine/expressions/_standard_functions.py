"""The functions Mistral 23 adds to both expression languages.

Each function keeps Mistral's name and parameter names, because both
languages accept them as keyword arguments: Jinja as written
(``tasks(workflow_execution_id=x)``) and YAQL in camel case
(``tasks(workflowExecutionId => x)``). The run-time state comes from the
:class:`ExpressionFunctions` bound for the evaluation in progress.
"""

from __future__ import annotations

import json
import uuid as uuid_module
from collections.abc import Callable, Iterator, Mapping, Set
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

import yaml

from engine.expressions.functions import ExpressionFunctions

_bound: ContextVar[ExpressionFunctions] = ContextVar("expression_functions")


@contextmanager
def bind(functions: ExpressionFunctions) -> Iterator[None]:
    """Make ``functions`` serve the expression functions inside the block."""
    token = _bound.set(functions)
    try:
        yield
    finally:
        _bound.reset(token)


def _state() -> ExpressionFunctions:
    return _bound.get()


def _to_json_value(value: Any) -> Any:
    """Convert what ``json`` cannot encode, as Mistral's JSON helper does."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Set):
        return list(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class _Dumper(yaml.SafeDumper):
    """Safe YAML dumper that writes YAQL's read-only collections as plain ones
    and repeats shared objects instead of writing anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_mapping(dumper: yaml.SafeDumper, data: Mapping[Any, Any]) -> Any:
    return dumper.represent_dict(dict(data))


def _represent_sequence(dumper: yaml.SafeDumper, data: Any) -> Any:
    return dumper.represent_list(list(data))


_Dumper.add_multi_representer(Mapping, _represent_mapping)
_Dumper.add_representer(tuple, _represent_sequence)
_Dumper.add_representer(frozenset, _represent_sequence)


class _Loader(yaml.SafeLoader):
    """Safe YAML loader that reads anchors, aliases and ``@`` words as text.

    Without aliases a small document cannot expand into a huge one (the
    "billion laughs" attack). Mistral 23 loads ``yaml_parse`` input the same
    way.
    """

    def fetch_alias(self) -> None:
        self.fetch_plain()

    def fetch_anchor(self) -> None:
        self.fetch_plain()

    def check_plain(self) -> bool:
        return self.peek() == "@" or super().check_plain()


def env() -> Any:
    """Return the environment of the current execution."""
    return _state().env()


def execution() -> dict[str, Any]:
    """Return the current workflow execution."""
    return _state().execution()


def executions(
    id: str | None = None,
    root_execution_id: str | None = None,
    state: str | None = None,
    from_time: str | None = None,
    to_time: str | None = None,
) -> list[dict[str, Any]]:
    """Return workflow executions that match the given filters."""
    return _state().executions(id, root_execution_id, state, from_time, to_time)


def global_(var_name: str) -> Any:
    """Return a variable published with the ``global`` scope, or None."""
    return _state().global_var(var_name)


def json_dump(data: Any) -> str:
    """Return ``data`` as JSON text indented by four spaces."""
    return json.dumps(data, indent=4, default=_to_json_value)


def json_parse(data: str) -> Any:
    """Return the value encoded in the JSON text ``data``."""
    return json.loads(data)


def task(task_name: str | None = None) -> dict[str, Any] | None:
    """Return the current task, or the latest task named ``task_name``."""
    return _state().task(task_name)


def tasks(
    workflow_execution_id: str | None = None,
    recursive: bool = False,
    state: str | None = None,
    flat: bool = False,
) -> list[dict[str, Any]]:
    """Return task executions, optionally filtered (see ExpressionFunctions)."""
    return _state().tasks(workflow_execution_id, recursive, state, flat)


def uuid() -> str:
    """Return a new random UUID as a 36-character string."""
    return str(uuid_module.uuid4())


def yaml_dump(data: Any) -> str:
    """Return ``data`` as block-style YAML text with sorted keys."""
    return yaml.dump(data, Dumper=_Dumper, default_flow_style=False)


def yaml_parse(data: str) -> Any:
    """Return the value encoded in the YAML text ``data``."""
    return yaml.load(data, Loader=_Loader)  # noqa: S506 - _Loader is safe


#: Expression function names, as Mistral 23 registers them, to implementations.
STANDARD_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "env": env,
    "execution": execution,
    "executions": executions,
    "global": global_,
    "json_dump": json_dump,
    "json_parse": json_parse,
    "task": task,
    "tasks": tasks,
    "uuid": uuid,
    "yaml_dump": yaml_dump,
    "yaml_parse": yaml_parse,
}
