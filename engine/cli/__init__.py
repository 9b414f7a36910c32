"""The ``levante`` command line.

The engine's own commands live in ``engine.cli.main``, the process roles
``engine`` and ``executor`` in ``engine.cli.roles``; the registry adds
``actions``, ``clouds``, ``registry`` and ``plan`` to the same group.
"""

from engine.cli.database import database_group
from engine.cli.main import main
from engine.cli.roles import engine_command, executor_command
from registry.cli import actions, clouds, plan, registry_group

main.add_command(actions)
main.add_command(clouds)
main.add_command(registry_group)
main.add_command(plan)
main.add_command(engine_command)
main.add_command(executor_command)
main.add_command(database_group)

__all__ = ["main"]
