"""Hook specification that a Levante plugin implements.

A plugin is a module or object registered under the ``levante.plugins``
entry-point group, for example in ``pyproject.toml``::

    [project.entry-points."levante.plugins"]
    my_plugin = "my_package.plugin"

It implements ``levante_actions`` with the ``hookimpl`` marker::

    from action_sdk import hookimpl

    @hookimpl
    def levante_actions():
        return [MyAction, my_function_action]
"""

from __future__ import annotations

from typing import Any

import pluggy

#: Project name that binds the hook markers to Levante's plugin manager.
PROJECT_NAME = "levante"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


class ActionHookSpec:
    """Hooks that Levante calls on every plugin."""

    @hookspec
    def levante_actions(self) -> list[Any]:
        """Return the actions this plugin provides.

        Returns:
            ``Action`` subclasses and functions decorated with ``@action``. Two
            versions of one action are two entries with the same name.
        """
        raise NotImplementedError
