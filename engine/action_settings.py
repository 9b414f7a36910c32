"""Operator settings that actions read from ``RunContext.extra``.

An operator points ``LEVANTE_ACTION_SETTINGS`` at a YAML (or JSON) file
whose top level maps a settings key to a mapping of options, for example::

    std.http:
      denied_cidrs: ["169.254.0.0/16"]
      default_timeout: 30
    std.email:
      allowed_hosts: [smtp.example.org]

Every action receives the whole mapping as ``RunContext.extra``; each
plugin documents its own keys and checks their values when an action runs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

#: Environment variable naming the settings file.
SETTINGS_ENV = "LEVANTE_ACTION_SETTINGS"


class ActionSettingsError(ValueError):
    """The action settings file cannot be read or has the wrong shape."""


def load_action_settings(path: str | os.PathLike[str] | None = None) -> Mapping[str, Any]:
    """Read the settings file at ``path``, or at ``$LEVANTE_ACTION_SETTINGS``.

    Returns an empty mapping when neither names a file.

    Raises:
        ActionSettingsError: The file is missing, is not valid YAML, or its
            top level is not a mapping of names to mappings.
    """
    if path is None:
        path = os.environ.get(SETTINGS_ENV) or None
    if path is None:
        return MappingProxyType({})
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as error:
        raise ActionSettingsError(
            f"cannot read action settings {source} ({SETTINGS_ENV}): {error.strerror}"
        ) from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ActionSettingsError(f"invalid YAML in action settings {source}: {error}") from None
    if document is None:
        return MappingProxyType({})
    if not isinstance(document, Mapping):
        raise ActionSettingsError(
            f"action settings {source} must map settings keys such as 'std.http' "
            f"to mappings of options, not a {type(document).__name__}"
        )
    for key, options in document.items():
        if not isinstance(key, str) or not isinstance(options, Mapping):
            raise ActionSettingsError(
                f"action settings {source}: the value of {key!r} must be a mapping "
                f"of options, not a {type(options).__name__}"
            )
    return MappingProxyType(dict(document))
