"""Run a Levante process role with the ``ha.count`` test action available.

``python -m testing.ha.launcher ROLE ...`` runs ``levante ROLE ...`` (serve,
api, executor or engine) after adding ``ha.count`` to the catalogue that the
process loads, so the harness tests the real process entry points.
"""

from __future__ import annotations

import sys
from typing import Any

import registry.discovery
from registry.catalog import PluginCatalog
from testing.ha.counting import CountingPlugin

#: Roles this launcher starts, the names of ``levante`` subcommands.
ROLES = ("serve", "api", "executor", "engine")


def catalog_with_counting(
    group: str = registry.discovery.PLUGIN_GROUP,
) -> PluginCatalog:
    """Return the installed plugins' catalogue plus the ``ha.count`` plugin."""
    catalog = _installed_plugins(group)
    extra = registry.discovery.catalog_from_plugins({"ha": CountingPlugin()})
    if extra.failures:
        raise RuntimeError(f"the ha.count plugin failed to load: {extra.failures}")
    catalog.plugins.extend(extra.plugins)
    catalog.actions = dict(sorted({**catalog.actions, **extra.actions}.items()))
    return catalog


_installed_plugins = registry.discovery.load_plugins


def main(argv: list[str]) -> Any:
    if not any(argument in ROLES for argument in argv):
        raise SystemExit(
            f"usage: python -m testing.ha.launcher [--db URL] ROLE [OPTIONS]; ROLE "
            f"is one of {', '.join(ROLES)}, got arguments {argv}"
        )
    # EngineCore imports load_plugins when it is built, so replacing the
    # module attribute gives every core of this process the extra action.
    registry.discovery.load_plugins = catalog_with_counting  # type: ignore[assignment]
    from engine.cli import main as levante_group

    return levante_group.main(args=argv, prog_name="levante")


if __name__ == "__main__":
    main(sys.argv[1:])
