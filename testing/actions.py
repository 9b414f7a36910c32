"""Run one action the way the engine runs it, for tests of plugin actions.

``ActionRunner`` resolves an action name, optionally pinned, through the
registry for a target: a started ``FakeCloud``, a cloud added by name,
explicit service versions, or no cloud. It then builds the ``RunContext``
that the engine builds (ids, security context, service clients at the chosen
microversions) and calls the action. The outcome is an ``ActionRun`` that
contains the result, or the ``ActionError`` with its data. The run of an
asynchronous action stays RUNNING until the test calls ``complete`` or
``fail``, which stand for the API call that finishes a real one.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from action_sdk import ActionError, RunContext, hookimpl
from registry.catalog import PluginCatalog
from registry.cloud import RELEASE_KEY, CloudDirectory
from registry.discovery import catalog_from_plugins, load_plugins
from registry.errors import ActionNotFound, DiscoveryError
from registry.registry import Registry, resolve_for_task
from registry.resolution import Resolution
from registry.versions import CloudVersions, explicit_versions
from testing.fakecloud import FakeCloud

#: States of an ``ActionRun``, spelled as the engine spells action states.
RUNNING = "RUNNING"
SUCCESS = "SUCCESS"
ERROR = "ERROR"

#: A cloud given to ``ActionRunner``: a ``FakeCloud`` or a name added with
#: ``add_cloud``.
CloudTarget = FakeCloud | str
#: Service versions such as ``{"compute": "2.60"}`` or ``["compute=2.60"]``.
ServiceVersions = Mapping[str, str] | Iterable[str]
#: Called with the resolution of every action an ``ActionRunner`` is about to
#: run.
RunListener = Callable[[Resolution], None]

_run_listeners: list[RunListener] = []


@dataclass
class ActionRun:
    """One run of an action: what was resolved, the context and the outcome.

    ``state`` is SUCCESS or ERROR once the action finished. An asynchronous
    action stays RUNNING after ``run()`` returns, until the test calls
    ``complete`` or ``fail``.
    """

    #: The action name as given, with its pin if any.
    action: str
    resolution: Resolution
    #: The context the action received, services included.
    context: RunContext
    #: The input after validation, defaults filled in.
    input: dict[str, Any]
    state: str
    #: The action's failure, or None. Its ``data`` becomes the task's result.
    error: ActionError | None = None
    _value: Any = field(default=None, repr=False)

    @property
    def version(self) -> str:
        """The action version that ran."""
        return self.resolution.version

    @property
    def plugin(self) -> str | None:
        """The plugin that provides the version that ran."""
        return self.resolution.descriptor.plugin

    @property
    def is_async(self) -> bool:
        """True when the action is completed later, through ``complete`` or ``fail``."""
        return self.resolution.descriptor.is_async

    @property
    def microversions(self) -> dict[str, str | None]:
        """Service type to the microversion the action's client sent."""
        return self.resolution.microversions

    @property
    def result(self) -> Any:
        """The action's result.

        Raises:
            AssertionError: The run failed (the message shows the error and
                its data) or an asynchronous run is still RUNNING.
        """
        if self.state == SUCCESS:
            return self._value
        if self.state == RUNNING:
            raise AssertionError(
                f"{self._label()} is asynchronous and still RUNNING; call "
                "complete(result) or fail(message) to finish it, as the "
                "engine's API would"
            )
        assert self.error is not None
        raise AssertionError(
            f"{self._label()} failed: {self.error.message}\n"
            f"error data: {self.error.data!r}"
        ) from self.error

    def complete(self, result: Any = None) -> None:
        """Finish a RUNNING asynchronous run with ``result``.

        Raises:
            RuntimeError: The run is not asynchronous or already finished.
        """
        self._check_running("complete")
        _check_json(result, f"the result given to complete() for {self._label()}")
        self.state = SUCCESS
        self._value = result

    def fail(self, message: str, data: Any = None) -> None:
        """Finish a RUNNING asynchronous run with an error and its data.

        Raises:
            RuntimeError: The run is not asynchronous or already finished.
        """
        self._check_running("fail")
        _check_json(data, f"the error data given to fail() for {self._label()}")
        self.state = ERROR
        self.error = ActionError(message, data)

    def _check_running(self, method: str) -> None:
        if not self.is_async:
            raise RuntimeError(
                f"cannot {method} {self._label()}: it is not asynchronous, so it "
                "finished when run() returned"
            )
        if self.state != RUNNING:
            raise RuntimeError(
                f"cannot {method} {self._label()}: it already ended in {self.state}"
            )

    def _label(self) -> str:
        return _label(self.resolution)


class _InlinePlugin:
    """A plugin object that contributes the actions given to it."""

    def __init__(self, actions: Iterable[Any]) -> None:
        self._actions = list(actions)

    @hookimpl
    def levante_actions(self) -> list[Any]:
        return list(self._actions)


class ActionRunner:
    """Resolve and run single actions as the engine does, without a workflow.

    Args:
        catalog: The actions to run; the installed plugins when None.

    Example::

        runner = ActionRunner()
        run = runner.run("nova.servers_list", {"limit": 2}, cloud=fake_cloud)
        assert run.version == "2.0.0"
        servers = run.result
    """

    def __init__(self, catalog: PluginCatalog | None = None) -> None:
        self.catalog = catalog if catalog is not None else load_plugins()
        self.registry = Registry(self.catalog, clouds=CloudDirectory())
        self._clouds: dict[str, FakeCloud | None] = {}
        self._counter = itertools.count(1)

    @classmethod
    def for_actions(cls, *actions: Any, plugin: str = "test") -> ActionRunner:
        """Return a runner over the given actions only, as if one plugin had them.

        Raises:
            ValueError: An entry is not a valid action; the message explains why.
        """
        catalog = catalog_from_plugins({plugin: _InlinePlugin(actions)})
        if catalog.failures:
            raise ValueError(catalog.failures[0].error)
        return cls(catalog)

    def add_cloud(self, name: str, cloud: FakeCloud | Mapping[str, Any]) -> None:
        """Make a cloud available as ``cloud=name``.

        Args:
            name: Name to use in ``run`` and ``resolve``.
            cloud: A ``FakeCloud``, or one clouds.yaml ``clouds:`` entry. The
                release of a fake cloud is declared in its configuration, so
                requirements with ``removed_in`` a release are decided.
        """
        if isinstance(cloud, FakeCloud):
            config = {**cloud.cloud_config(), RELEASE_KEY: cloud.release}
            self._clouds[name] = cloud
        else:
            config = dict(cloud)
            self._clouds[name] = None
        self.registry.clouds.add(name, config)

    def resolve(
        self,
        name: str,
        *,
        cloud: CloudTarget | None = None,
        services: ServiceVersions | None = None,
        release: str | None = None,
        pin: str | None = None,
    ) -> Resolution:
        """Resolve an action for a target as the engine resolves a task's action.

        Give at most one target: ``cloud`` (a started ``FakeCloud`` or a name
        from ``add_cloud``), or ``services`` (explicit versions such as
        ``{"compute": "2.60"}``, with an optional ``release``). Without a
        target the action resolves for a task with no cloud.

        Raises:
            ValueError: The target or the pin is given twice or is unknown.
            InvalidPin, InvalidServiceVersion: A pin or a service version is
                malformed.
            ActionNotFound: No installed action has the name; a note on the
                error lists the plugins that failed to load.
            ResolutionError: No version fits; the message lists each version
                and why it was rejected.
            DiscoveryError: The cloud's versions could not be discovered.
        """
        target = self._target(cloud, services, release)
        full_name = _with_pin(name, pin)
        try:
            return resolve_for_task(self.registry, full_name, target)
        except ActionNotFound as error:
            for failure in self.catalog.failures:
                error.add_note(f"plugin {failure.name} failed to load: {failure.error}")
            raise
        except DiscoveryError as error:
            if isinstance(cloud, FakeCloud):
                error.add_note(
                    f"Is {cloud!r} started? Use the fake_cloud fixture, or "
                    "FakeCloud as a context manager."
                )
            raise

    def run(
        self,
        name: str,
        input: Mapping[str, Any] | None = None,
        *,
        cloud: CloudTarget | None = None,
        services: ServiceVersions | None = None,
        release: str | None = None,
        pin: str | None = None,
        context: RunContext | None = None,
    ) -> ActionRun:
        """Resolve an action, build its run context and run it once.

        Args:
            name: Action name, optionally pinned (``fleet.capacity@1``).
            input: Parameter values; defaults fill in the rest.
            cloud, services, release, pin: The target, as for ``resolve``.
            context: Ids, names and security context of the run. Missing ids
                get fresh UUIDs, as the engine assigns them. When its
                ``services`` is not empty, those clients are used as they are.
                Otherwise the registry builds clients for the resolved
                services on the cloud, with the security context's token when
                it has one and an auth URL.

        Returns:
            The run. An action failure is not raised: it is in ``run.error``,
            and ``run.result`` raises an AssertionError that shows it.

        Raises:
            ActionInputError: The input does not match the action's parameters.
            ServiceNotAvailable: The action used a service that its
                requirements do not declare.
            AssertionError: The action returned a value that the engine could
                not store as JSON, or an asynchronous action returned a value.
            ValueError: Services were resolved against explicit versions, so
                they have no endpoint, and ``context`` gives no clients.
            The errors of ``resolve``.
        """
        resolution = self.resolve(
            name, cloud=cloud, services=services, release=release, pin=pin
        )
        descriptor = resolution.descriptor
        values = descriptor.validate_input(input or {})
        run_context = self._context(resolution, context or RunContext())
        facts = (_with_pin(name, pin), resolution, run_context, values)
        label = _label(resolution)
        notify_run_listeners(resolution)
        try:
            value = descriptor.run(values, run_context)
        except ActionError as error:
            _check_json(error.data, f"the error data of {label}")
            return ActionRun(*facts, state=ERROR, error=error)
        if descriptor.is_async:
            if value is not None:
                raise AssertionError(
                    f"{label} is asynchronous but returned {value!r}; an "
                    "asynchronous action returns None and its result arrives "
                    "later (complete() in tests, the API in the engine)"
                )
            return ActionRun(*facts, state=RUNNING)
        _check_json(value, f"the result of {label}")
        return ActionRun(*facts, state=SUCCESS, _value=value)

    def _target(
        self,
        cloud: CloudTarget | None,
        services: ServiceVersions | None,
        release: str | None,
    ) -> str | CloudVersions | None:
        if cloud is not None and services is not None:
            raise ValueError("give either cloud or services, not both")
        if services is not None:
            return explicit_versions(services, release=release)
        if release is not None:
            raise ValueError(
                "release describes explicit services=...; a fake cloud has its "
                "own release, so use a FakeCloud of that release instead"
            )
        if cloud is None:
            return None
        if isinstance(cloud, FakeCloud):
            return self._name_of(cloud)
        if not isinstance(cloud, str) or cloud not in self._clouds:
            known = ", ".join(sorted(self._clouds)) or "none"
            raise ValueError(
                f"unknown cloud {cloud!r} (added: {known}); pass cloud=fake_cloud "
                "or add it first with add_cloud(name, fake_cloud)"
            )
        return cloud

    def _name_of(self, cloud: FakeCloud) -> str:
        for name, added in self._clouds.items():
            if added is cloud:
                return name
        name = f"fake-{cloud.release}-{next(self._counter)}"
        self.add_cloud(name, cloud)
        return name

    def _context(self, resolution: Resolution, template: RunContext) -> RunContext:
        context = dataclasses.replace(
            template,
            execution_id=template.execution_id or str(uuid.uuid4()),
            task_id=template.task_id or str(uuid.uuid4()),
            action_execution_id=template.action_execution_id or str(uuid.uuid4()),
        )
        if len(template.services) or not resolution.services:
            return context
        missing = [
            name
            for name, choice in sorted(resolution.services.items())
            if choice.endpoint is None
        ]
        if missing:
            raise ValueError(
                f"{resolution.action} {resolution.version} was resolved against "
                f"explicit service versions, so {', '.join(missing)} has no "
                "endpoint; run it on a fake cloud (cloud=fake_cloud), or give "
                "clients in context=RunContext(services=ServiceClients({...}))"
            )
        clients = self.registry.service_clients(resolution, security=template.security)
        return dataclasses.replace(context, services=clients)


def add_run_listener(listener: RunListener) -> None:
    """Call ``listener`` before any ``ActionRunner`` in this process runs an action.

    A ``WorkflowRunner`` calls it too, after a run on a cloud, once for each
    installed action version that ran and was not replaced. The support
    matrix uses it to learn which action versions a test ran.
    """
    _run_listeners.append(listener)


def notify_run_listeners(resolution: Resolution) -> None:
    """Call every listener added with ``add_run_listener`` with a resolution."""
    for listener in list(_run_listeners):
        listener(resolution)


def remove_run_listener(listener: RunListener) -> None:
    """Stop calling a listener added with ``add_run_listener``."""
    _run_listeners.remove(listener)


def _label(resolution: Resolution) -> str:
    return f"action {resolution.action} {resolution.version}"


def _with_pin(name: str, pin: str | None) -> str:
    if pin is None:
        return name
    if "@" in name:
        raise ValueError(
            f"{name!r} already has a pin after '@'; drop pin={pin!r} or the pin "
            "in the name"
        )
    return f"{name}@{pin}"


def _check_json(value: Any, what: str) -> None:
    """Fail when ``value`` cannot be stored the way the engine stores results."""
    try:
        json.dumps(value)
    except (TypeError, ValueError) as error:
        raise AssertionError(
            f"{what} is not JSON-serializable ({error}); the engine stores "
            "results and error data as JSON, so use str, int, float, bool, "
            "None, list and dict"
        ) from None
