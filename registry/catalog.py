"""Catalogue of loaded plugins, their actions and the plugins that failed."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from action_sdk import ActionDescriptor
from registry.errors import ActionNotFound


@dataclass(frozen=True)
class PluginInfo:
    """A plugin that loaded, with the actions it contributed."""

    name: str
    #: Module that contains the plugin object, such as "plugins.std".
    module: str
    #: Entry-point target, such as "plugins.std:plugin".
    target: str
    #: Installed distribution that provides the module, when known.
    distribution: str | None
    version: str | None
    #: Names of the contributed actions, sorted; a name appears once.
    actions: tuple[str, ...]


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that was skipped because it failed to load."""

    name: str
    #: Entry-point target, such as "my_package.plugin:hooks".
    target: str
    #: Error type and message, such as "ImportError: No module named 'x'".
    error: str


@dataclass(frozen=True)
class PluginRow:
    """One plugin as a line of ``levante plugins list``."""

    name: str
    status: str
    distribution: str
    version: str
    actions: str
    error: str


@dataclass
class PluginCatalog:
    """Loaded plugins, skipped plugins, and every action version by name."""

    plugins: list[PluginInfo] = field(default_factory=list)
    failures: list[PluginFailure] = field(default_factory=list)
    #: Action name to its descriptors, versions in ascending order.
    actions: dict[str, list[ActionDescriptor]] = field(default_factory=dict)

    def names(self) -> list[str]:
        """Return the names of all actions, sorted."""
        return sorted(self.actions)

    def get(self, name: str, version: str | None = None) -> ActionDescriptor:
        """Return the highest version of an action, or the exact ``version``.

        Raises:
            ActionNotFound: No action has this name, or it lacks ``version``.
                The message suggests installed names close to ``name``.
        """
        versions = self.actions.get(name)
        if not versions:
            suggestions = difflib.get_close_matches(name, self.actions, n=3, cutoff=0.7)
            raise ActionNotFound(name, version=version, suggestions=suggestions)
        if version is None:
            return versions[-1]
        for descriptor in versions:
            if descriptor.version == version:
                return descriptor
        raise ActionNotFound(
            name,
            version=version,
            available_versions=[descriptor.version for descriptor in versions],
        )

    def rows(self) -> list[PluginRow]:
        """Return one row per plugin, loaded ones first, for a table or JSON.

        The actions column lists ``name`` or ``name@version`` when a plugin
        provides several versions of one action.
        """
        rows = [self._loaded_row(plugin) for plugin in self.plugins]
        rows.extend(
            PluginRow(failure.name, "failed", "", "", "", failure.error)
            for failure in self.failures
        )
        return rows

    def _loaded_row(self, plugin: PluginInfo) -> PluginRow:
        labels: list[str] = []
        for name in plugin.actions:
            versions = [
                descriptor.version
                for descriptor in self.actions.get(name, [])
                if descriptor.plugin == plugin.name
            ]
            if len(versions) > 1:
                labels.extend(f"{name}@{version}" for version in versions)
            else:
                labels.append(name)
        return PluginRow(
            name=plugin.name,
            status="loaded",
            distribution=plugin.distribution or "",
            version=plugin.version or "",
            actions=", ".join(labels),
            error="",
        )
