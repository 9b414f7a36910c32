"""Built-in std actions: noop, async_noop, echo, fail, sleep, test_dict, http,
email, ssh and ssh_proxied.

The engine finds this plugin through the ``levante.plugins`` entry point
``std = "plugins.std:plugin"``, like any installed plugin.
"""

from plugins.std import hooks as plugin

__all__ = ["plugin"]
