"""The ``levante`` command line.

The engine's own commands live in ``engine.cli.main``; the registry adds
``actions``, ``clouds``, ``registry`` and ``plan`` to the same group.
"""

from engine.cli.main import main
from registry.cli import actions, clouds, plan, registry_group

main.add_command(actions)
main.add_command(clouds)
main.add_command(registry_group)
main.add_command(plan)

__all__ = ["main"]
