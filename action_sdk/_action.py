"""Action base class, the ``@action`` decorator and ``describe_action``."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar, TypeVar

import semver

from action_sdk._context import RunContext
from action_sdk._descriptor import ActionDescriptor
from action_sdk._docstrings import parse_docstring
from action_sdk._errors import ActionDefinitionError
from action_sdk._requirements import (
    Deprecation,
    ServiceRequirement,
    check_deprecation,
    check_requirements,
)
from action_sdk._schema import inspect_signature, read_parameters

_DESCRIPTOR_ATTRIBUTE = "__levante_action__"
_NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$")

FunctionT = TypeVar("FunctionT", bound=Callable[..., Any])


class Action:
    """Base class for an action written as a class.

    A subclass sets ``name`` and implements ``run(self, context, ...)``. The
    keyword parameters after ``context`` are the action's input, and their
    annotations and defaults are its input schema. The class is checked when it
    is defined, and an instance is created for each run.

    A subclass without a ``name`` is an abstract base for other actions.
    """

    #: Action name used in workflows, such as "std.echo".
    name: ClassVar[str] = ""
    #: Semantic version of the action's contract.
    version: ClassVar[str] = "1.0.0"
    #: Catalogue description; the class docstring when None.
    description: ClassVar[str | None] = None
    #: True when the action returns nothing and is completed later via the API.
    is_async: ClassVar[bool] = False
    #: Cloud service APIs the implementation calls, with their versions.
    requirements: ClassVar[tuple[ServiceRequirement, ...]] = ()
    #: Set when this version should no longer be used.
    deprecated: ClassVar[Deprecation | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            setattr(cls, _DESCRIPTOR_ATTRIBUTE, _describe_class(cls))

    # The *args and **params of this stub let subclasses declare any input
    # parameters without a type checker reporting an incompatible override.
    def run(self, context: RunContext, *args: Any, **params: Any) -> Any:
        """Run the action and return its result.

        Raises:
            ActionError: The action failed; its data reaches the workflow.
        """
        raise NotImplementedError(f"{type(self).__qualname__} does not implement run()")


def action(
    name: str,
    version: str = "1.0.0",
    description: str | None = None,
    is_async: bool = False,
    *,
    requirements: tuple[ServiceRequirement, ...] = (),
    deprecated: Deprecation | None = None,
) -> Callable[[FunctionT], FunctionT]:
    """Declare a plain function as an action.

    The function's keyword parameters are the action input. When its first
    parameter is named ``context`` it receives the ``RunContext``. The function
    is returned unchanged, so it can still be called directly.

    Args:
        name: Action name used in workflows, such as "std.echo".
        version: Semantic version of the action's contract.
        description: Catalogue description; the docstring when None.
        is_async: True when the action returns nothing and is completed later
            through the API.
        requirements: Cloud service APIs the function calls, one
            ``ServiceRequirement`` per service type.
        deprecated: A ``Deprecation`` when this version should no longer be
            used; the registry logs it when a task resolves to it.

    Raises:
        ActionDefinitionError: (a TypeError) at decoration time when the name,
            version, requirements or signature cannot describe an action.
    """
    owner = f"action {name!r}"
    _check_identity(name, version, is_async, owner=owner)
    checked = check_requirements(requirements, owner)
    deprecation = check_deprecation(deprecated, owner)

    def decorate(function: FunctionT) -> FunctionT:
        descriptor = _describe_function(function, name, version, description, is_async)
        descriptor = replace(descriptor, requirements=checked, deprecated=deprecation)
        setattr(function, _DESCRIPTOR_ATTRIBUTE, descriptor)
        return function

    return decorate


def describe_action(target: Any) -> ActionDescriptor:
    """Return the descriptor of an ``Action`` subclass or ``@action`` function.

    Raises:
        ActionDefinitionError: ``target`` is neither, or is an ``Action``
            subclass without a name.
    """
    # Read the object's own attributes, so a subclass never reuses a parent's.
    descriptor = getattr(target, "__dict__", {}).get(_DESCRIPTOR_ATTRIBUTE)
    if isinstance(descriptor, ActionDescriptor):
        return descriptor
    if isinstance(target, type) and issubclass(target, Action):
        raise ActionDefinitionError(
            f"action class {target.__qualname__} has no name; set the class "
            "attribute name, such as name = 'my_plugin.do_thing'"
        )
    raise ActionDefinitionError(
        f"{target!r} is not an action; expected an Action subclass or a "
        "function decorated with @action"
    )


def _check_identity(name: Any, version: Any, is_async: Any, *, owner: str) -> None:
    if not isinstance(name, str) or not _NAME_PATTERN.match(name):
        raise ActionDefinitionError(
            f"{owner}: invalid action name {name!r}; use dot-separated words of "
            "letters, digits, '_' and '-', such as 'my_plugin.do_thing'"
        )
    if not isinstance(version, str) or not semver.Version.is_valid(version):
        raise ActionDefinitionError(
            f"{owner}: version {version!r} is not a semantic version; use "
            "MAJOR.MINOR.PATCH, such as '1.0.0'"
        )
    if not isinstance(is_async, bool):
        raise ActionDefinitionError(
            f"{owner}: is_async must be a bool, got {is_async!r}"
        )


def _describe_class(cls: type[Action]) -> ActionDescriptor:
    owner = f"action class {cls.__qualname__}"
    _check_identity(cls.name, cls.version, cls.is_async, owner=owner)
    if cls.run is Action.run:
        raise ActionDefinitionError(f"{owner} ({cls.name}) does not implement run()")
    if inspect.iscoroutinefunction(cls.run):
        raise ActionDefinitionError(
            f"{owner} ({cls.name}): run() must not be a coroutine function; use "
            "is_async = True for actions completed later through the API"
        )
    _check_leading_parameters(cls.run, ["self", "context"], f"{owner} ({cls.name})")
    _check_context_name(cls.run, f"{owner} ({cls.name})")
    try:
        inspect.signature(cls).bind()
    except TypeError:
        raise ActionDefinitionError(
            f"{owner} ({cls.name}): the class must be constructible without "
            "arguments, because input is passed to run(), not to __init__()"
        ) from None
    class_doc = parse_docstring(cls.__doc__)
    run_doc = parse_docstring(cls.run.__doc__)
    try:
        parameters = read_parameters(
            cls.run, skip=2, descriptions={**run_doc.parameters, **class_doc.parameters}
        )
    except ActionDefinitionError as exc:
        raise ActionDefinitionError(f"{owner} ({cls.name}): {exc}") from exc

    def invoke(context: RunContext, values: dict[str, Any]) -> Any:
        return cls().run(context, **values)

    description = cls.description
    if description is None:
        description = class_doc.description
    return ActionDescriptor(
        name=cls.name,
        version=cls.version,
        description=description,
        parameters=parameters,
        is_async=cls.is_async,
        requirements=check_requirements(cls.requirements, f"{owner} ({cls.name})"),
        deprecated=check_deprecation(cls.deprecated, f"{owner} ({cls.name})"),
        implementation=cls,
        invoke=invoke,
    )


def _describe_function(
    function: Callable[..., Any],
    name: str,
    version: str,
    description: str | None,
    is_async: bool,
) -> ActionDescriptor:
    owner = f"action {name}"
    if isinstance(function, type):
        raise ActionDefinitionError(
            f"{owner}: @action decorates functions; make class "
            f"{function.__qualname__} a subclass of Action instead"
        )
    if not callable(function):
        raise ActionDefinitionError(
            f"{owner}: @action needs a function, got {function!r}"
        )
    if _DESCRIPTOR_ATTRIBUTE in getattr(function, "__dict__", {}):
        raise ActionDefinitionError(
            f"{owner}: {function.__qualname__} is already an action; define one "
            "function per action version"
        )
    if inspect.iscoroutinefunction(function):
        raise ActionDefinitionError(
            f"{owner}: {function.__qualname__} must not be a coroutine function; "
            "use is_async=True for actions completed later through the API"
        )
    signature = inspect_signature(function)
    names = list(signature.parameters)
    takes_context = bool(names) and names[0] == "context"
    if takes_context:
        _check_leading_parameters(
            function, ["context"], f"{owner} ({function.__qualname__})"
        )
    doc = parse_docstring(function.__doc__)
    try:
        parameters = read_parameters(
            function, skip=1 if takes_context else 0, descriptions=doc.parameters
        )
    except ActionDefinitionError as exc:
        raise ActionDefinitionError(
            f"{owner} ({function.__qualname__}): {exc}"
        ) from exc

    def invoke(context: RunContext, values: dict[str, Any]) -> Any:
        if takes_context:
            return function(context, **values)
        return function(**values)

    return ActionDescriptor(
        name=name,
        version=version,
        description=description if description is not None else doc.description,
        parameters=parameters,
        is_async=is_async,
        implementation=function,
        invoke=invoke,
    )


def _check_context_name(run: Callable[..., Any], prefix: str) -> None:
    # The second positional parameter always receives the RunContext. Requiring
    # the name catches a run() that forgot it, whose first input parameter would
    # otherwise receive the context and vanish from the input schema.
    second = list(inspect_signature(run).parameters)[1]
    if second != "context":
        raise ActionDefinitionError(
            f"{prefix}: the second parameter of {run.__qualname__} is named "
            f"{second!r}, but it receives the RunContext and must be named "
            "'context'; declare run(self, context, ...) followed by the input "
            "parameters"
        )


def _check_leading_parameters(
    function: Callable[..., Any], expected: list[str], prefix: str
) -> None:
    parameters = list(inspect_signature(function).parameters.values())
    leading = parameters[: len(expected)]
    positional = (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    )
    if len(leading) < len(expected) or any(p.kind not in positional for p in leading):
        raise ActionDefinitionError(
            f"{prefix}: {function.__qualname__} must start with the "
            f"positional parameters ({', '.join(expected)}), followed by the input "
            "parameters"
        )
