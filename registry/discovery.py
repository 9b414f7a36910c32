"""Discover action plugins through entry points and build the catalogue.

Every entry point of the group is loaded with stevedore, registered with a
pluggy plugin manager, and asked for its actions through the
``levante_actions`` hook. A plugin that fails at any step is logged, recorded
in ``PluginCatalog.failures`` and skipped, so one broken plugin never stops
the others from loading. A plugin is accepted whole or not at all.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import os_service_types
import pluggy
import stevedore

from action_sdk import ActionDescriptor, ActionHookSpec, describe_action
from action_sdk.hookspecs import PROJECT_NAME
from registry.catalog import PluginCatalog, PluginFailure, PluginInfo

logger = logging.getLogger(__name__)

#: Entry-point group of action plugins, declared by each plugin distribution.
PLUGIN_GROUP = "levante.plugins"
#: Target recorded for plugins passed as objects to ``catalog_from_plugins``.
IN_MEMORY_TARGET = "<in memory>"

_SERVICE_TYPES = os_service_types.ServiceTypes()


class PluginLoadError(Exception):
    """A plugin object that does not provide a valid set of actions."""


@dataclass(frozen=True)
class _Candidate:
    name: str
    target: str
    module: str
    plugin: Any
    distribution: str | None = None
    version: str | None = None


def load_plugins(group: str = PLUGIN_GROUP) -> PluginCatalog:
    """Load every plugin of an entry-point group and return the catalogue.

    Args:
        group: Entry-point group to scan.

    Returns:
        The catalogue of loaded plugins, their actions and the failures.
    """
    failures: list[PluginFailure] = []

    def record_import_failure(
        manager: stevedore.ExtensionManager[Any],
        entry_point: importlib.metadata.EntryPoint,
        error: BaseException,
    ) -> None:
        failures.append(_report_failure(entry_point.name, entry_point.value, error))

    manager: stevedore.ExtensionManager[Any] = stevedore.ExtensionManager(
        namespace=group,
        invoke_on_load=False,
        on_load_failure_callback=record_import_failure,
    )
    distributions = _distributions_by_entry_point(group)
    candidates = []
    for extension in manager.extensions:
        distribution = distributions.get((extension.name, extension.entry_point_target))
        candidates.append(
            _Candidate(
                name=extension.name,
                target=extension.entry_point_target,
                module=extension.module_name,
                plugin=extension.plugin,
                distribution=distribution.name if distribution else None,
                version=distribution.version if distribution else None,
            )
        )
    catalog = _build_catalog(candidates)
    catalog.failures[:0] = failures
    return catalog


def catalog_from_plugins(plugins: Mapping[str, Any]) -> PluginCatalog:
    """Build a catalogue from plugin objects by name, without entry points.

    The objects go through the same registration and checks as installed
    plugins, so tests can exercise broken plugins without installing them.
    """
    candidates = [
        _Candidate(
            name=name, target=IN_MEMORY_TARGET, module=_module_of(plugin), plugin=plugin
        )
        for name, plugin in plugins.items()
    ]
    return _build_catalog(candidates)


def _build_catalog(candidates: Iterable[_Candidate]) -> PluginCatalog:
    manager = pluggy.PluginManager(PROJECT_NAME)
    manager.add_hookspecs(ActionHookSpec)
    catalog = PluginCatalog()
    owners: dict[tuple[str, str], str] = {}
    for candidate in candidates:
        try:
            descriptors = _collect_actions(manager, candidate, owners)
        except Exception as exc:
            if manager.is_registered(candidate.plugin):
                manager.unregister(candidate.plugin)
            catalog.failures.append(
                _report_failure(candidate.name, candidate.target, exc)
            )
            continue
        for descriptor in descriptors:
            owners[(descriptor.name, descriptor.version)] = candidate.name
            catalog.actions.setdefault(descriptor.name, []).append(descriptor)
        catalog.plugins.append(_plugin_info(candidate, descriptors))
        logger.info(
            "Loaded plugin %s (%s) with %d actions",
            candidate.name,
            candidate.target,
            len(descriptors),
        )
    for versions in catalog.actions.values():
        versions.sort(key=lambda descriptor: descriptor.version_info)
    catalog.actions = dict(sorted(catalog.actions.items()))
    return catalog


def _collect_actions(
    manager: pluggy.PluginManager,
    candidate: _Candidate,
    owners: Mapping[tuple[str, str], str],
) -> list[ActionDescriptor]:
    manager.register(candidate.plugin, name=candidate.name)
    hooks = manager.get_hookcallers(candidate.plugin) or []
    unknown = sorted(hook.name for hook in hooks if not hook.has_spec())
    if unknown:
        raise PluginLoadError(
            f"plugin implements unknown hooks {unknown}; the supported hook is "
            "levante_actions"
        )
    if not any(hook.name == "levante_actions" for hook in hooks):
        raise PluginLoadError(
            "plugin implements no levante_actions hook; mark a function that "
            "returns the plugin's actions with action_sdk.hookimpl"
        )
    others = [
        plugin for plugin in manager.get_plugins() if plugin is not candidate.plugin
    ]
    results = manager.subset_hook_caller("levante_actions", remove_plugins=others)()
    returned = results[0] if results else None
    if not isinstance(returned, list | tuple):
        raise PluginLoadError(
            f"levante_actions returned {type(returned).__name__}; expected a list of "
            "Action subclasses and @action functions"
        )
    return _describe_all(candidate.name, returned, owners)


def _describe_all(
    plugin: str, returned: Iterable[Any], owners: Mapping[tuple[str, str], str]
) -> list[ActionDescriptor]:
    descriptors: list[ActionDescriptor] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(returned):
        try:
            descriptor = describe_action(item).with_plugin(plugin)
        except Exception as exc:
            raise PluginLoadError(
                f"levante_actions returned an invalid action at index {index}: {exc}"
            ) from exc
        _check_service_types(descriptor)
        key = (descriptor.name, descriptor.version)
        if key in seen:
            raise PluginLoadError(
                f"levante_actions returned {descriptor.name} {descriptor.version} twice"
            )
        if key in owners:
            raise PluginLoadError(
                f"action {descriptor.name} {descriptor.version} is already provided "
                f"by plugin {owners[key]}"
            )
        seen.add(key)
        descriptors.append(descriptor)
    return descriptors


def _check_service_types(descriptor: ActionDescriptor) -> None:
    for requirement in descriptor.requirements:
        if not _SERVICE_TYPES.is_official(requirement.service_type):
            raise PluginLoadError(
                f"action {descriptor.name} {descriptor.version} requires service type "
                f"{requirement.service_type!r}, which is not an official OpenStack "
                "service type (see the service-types-authority list in "
                "os-service-types)"
            )


def _plugin_info(
    candidate: _Candidate, descriptors: list[ActionDescriptor]
) -> PluginInfo:
    return PluginInfo(
        name=candidate.name,
        module=candidate.module,
        target=candidate.target,
        distribution=candidate.distribution,
        version=candidate.version,
        actions=tuple(sorted({descriptor.name for descriptor in descriptors})),
    )


def _report_failure(name: str, target: str, error: BaseException) -> PluginFailure:
    text = f"{type(error).__name__}: {error}"
    logger.error(
        "Plugin %s (%s) failed to load and was skipped: %s", name, target, text
    )
    logger.debug("Traceback of the failure of plugin %s", name, exc_info=error)
    return PluginFailure(name=name, target=target, error=text)


def _distributions_by_entry_point(
    group: str,
) -> dict[tuple[str, str], importlib.metadata.Distribution]:
    found = {}
    for entry_point in importlib.metadata.entry_points(group=group):
        if entry_point.dist is not None:
            found[(entry_point.name, entry_point.value)] = entry_point.dist
    return found


def _module_of(plugin: Any) -> str:
    if isinstance(plugin, ModuleType):
        return plugin.__name__
    return str(getattr(type(plugin), "__module__", ""))
