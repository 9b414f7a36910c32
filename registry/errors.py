"""Errors raised by the action registry.

Hierarchy::

    RegistryError                root of registry errors
    ├── ActionNotFound           (also LookupError) no installed action has the name
    ├── InvalidPin               (also ValueError) a version pin cannot be parsed
    ├── InvalidServiceVersion    (also ValueError) a given service version is malformed
    ├── ResolutionError          no installed version of an action fits the cloud
    ├── WorkflowCheckError       tasks of a workflow name actions that cannot run
    ├── CloudNotFound            (also LookupError) no cloud configuration has the name
    └── DiscoveryError           authentication or the service catalog failed

Messages never contain credentials.
"""

from __future__ import annotations

from collections.abc import Sequence


class RegistryError(Exception):
    """Base class of registry errors."""


class ActionNotFound(RegistryError, LookupError):
    """No installed action matches a requested name (and version).

    Attributes:
        name: The requested action name.
        version: The requested version, or None for any version.
        suggestions: Installed action names close to ``name``.
    """

    def __init__(
        self,
        name: str,
        *,
        version: str | None = None,
        suggestions: Sequence[str] = (),
        available_versions: Sequence[str] = (),
    ) -> None:
        self.name = name
        self.version = version
        self.suggestions = list(suggestions)
        self.available_versions = list(available_versions)
        super().__init__(self._message())

    def _message(self) -> str:
        if self.version is not None and self.available_versions:
            return (
                f"Action {self.name} has no version {self.version}; installed "
                f"versions: {', '.join(self.available_versions)}"
            )
        message = f"Action {self.name!r} not found"
        if self.suggestions:
            return f"{message}; did you mean {', '.join(self.suggestions)}?"
        return (
            f"{message}; run 'levante plugins list' to see installed actions and "
            "plugins that failed to load"
        )

    def __str__(self) -> str:
        return self._message()


class InvalidPin(RegistryError, ValueError):
    """A version pin after ``@`` in an action name that cannot be parsed."""


class InvalidServiceVersion(RegistryError, ValueError):
    """A service version given by hand, such as ``compute=2.x``, is malformed."""


class CloudNotFound(RegistryError, LookupError):
    """No clouds.yaml entry, OS_* variable set or given config has the name."""


class DiscoveryError(RegistryError):
    """Authentication, the service catalog or the cloud configuration failed."""
