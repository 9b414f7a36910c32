"""CLI test helpers: a database URL for --db, and predictable execution ids."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

import engine.core
from engine.db.setup import Database


@dataclass
class FixedIds:
    """Ids that new top-level executions take in turn.

    The first two share the prefix "feed0000", the third starts with "fa11".
    """

    monkeypatch: pytest.MonkeyPatch
    ids: tuple[str, ...] = (
        "feed0000-0000-4000-8000-000000000001",
        "feed0000-0000-4000-8000-000000000002",
        "fa110000-0000-4000-8000-000000000003",
    )

    def restart(self) -> None:
        """Make the next execution take the first id again."""
        remaining = iter(self.ids)
        self.monkeypatch.setattr(engine.core, "new_id", lambda: next(remaining))


@pytest.fixture
def db_url(database: Database) -> str:
    """URL for --db of a fresh database: a SQLite file, or the test PostgreSQL."""
    return database.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def fixed_ids(monkeypatch: pytest.MonkeyPatch) -> Iterator[FixedIds]:
    fixed = FixedIds(monkeypatch)
    fixed.restart()
    yield fixed
