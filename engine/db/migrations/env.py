"""Alembic environment of Levante's database (engine and registry tables).

Levante runs it itself (``engine.db.schema.upgrade_schema``) when a process
opens its database and from ``levante db upgrade``; the configuration is
built in code, so no alembic.ini is needed at run time.
"""

from alembic import context

from engine.db.schema import run_environment

run_environment(context)
