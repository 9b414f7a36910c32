"""Bad --db values: a clear message naming the URL, exit 2 when invalid, 6 when unusable."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from engine.cli import main
from engine.cli.errors import EXIT_INVALID, EXIT_UNAVAILABLE
from engine.cli.settings import describe_url

SUPPORTED = "use a SQLite file path, sqlite:///PATH, or postgresql://"

#: Nothing listens on port 1 of 127.0.0.1, so connecting is refused at once.
UNREACHABLE_PG = "postgresql://nobody:hunter2@127.0.0.1:1/levante"


def levante(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("mysql://ops:hunter2@127.0.0.1/levante", "No module named 'MySQLdb'"),
        ("bogus://x", "Can't load plugin: sqlalchemy.dialects:bogus"),
        ("postgresql://ops@127.0.0.1:notaport/x", "invalid literal for int()"),
    ],
)
def test_unsupported_url_exits_two(url: str, reason: str) -> None:
    result = levante("--db", url, "executions", "list")
    assert result.exit_code == EXIT_INVALID, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "database URL" in result.output
    assert reason in result.output
    assert SUPPORTED in result.output
    assert "hunter2" not in result.output


def test_unsupported_url_message_hides_password() -> None:
    result = levante("--db", "mysql://ops:hunter2@127.0.0.1/levante", "workflows", "list")
    assert result.exit_code == EXIT_INVALID
    assert "mysql://ops:***@127.0.0.1/levante" in result.output


def test_file_that_is_not_database_exits_six(tmp_path: Path) -> None:
    path = tmp_path / "nightly.yaml"
    path.write_text("version: '2.0'\n" * 200)
    result = levante("--db", str(path), "executions", "list")
    assert result.exit_code == EXIT_UNAVAILABLE, result.output
    assert f"cannot open the database {path}: file is not a database" in result.output
    assert SUPPORTED.removeprefix("use ") in result.output
    assert path.read_text() == "version: '2.0'\n" * 200


@pytest.mark.parametrize("form", ["path", "url"])
def test_missing_sqlite_folder_exits_six(tmp_path: Path, form: str) -> None:
    path = tmp_path / "absent" / "levante.sqlite"
    db = str(path) if form == "path" else f"sqlite:///{path}"
    result = levante("--db", db, "executions", "list")
    assert result.exit_code == EXIT_UNAVAILABLE, result.output
    assert f"cannot connect to the database {db}" in result.output
    assert f"the folder {path.parent} does not exist" in result.output


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://ops:s3cret@db.example:5432/x", "postgresql://ops:***@db.example:5432/x"),
        ("postgresql://ops@127.0.0.1/x", "postgresql://ops@127.0.0.1/x"),
        ("mysql://a:b:c@127.0.0.1/x", "mysql://a:***@127.0.0.1/x"),
        ("/var/lib/levante/db.sqlite", "/var/lib/levante/db.sqlite"),
    ],
)
def test_describe_url_hides_password(url: str, shown: str) -> None:
    assert describe_url(url) == shown


# levante serve and levante api


@pytest.mark.parametrize("command", ["serve", "api"])
def test_service_missing_sqlite_folder_fails_fast(tmp_path: Path, command: str) -> None:
    db = str(tmp_path / "absent" / "x.sqlite")
    started = time.monotonic()
    result = levante(command, "--db", db, "--port", "0")
    assert result.exit_code == EXIT_UNAVAILABLE, result.output
    assert f"cannot connect to the database {db}" in result.output
    assert "does not exist" in result.output
    # SQLite never waits for --db-wait (30 s by default).
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("command", ["serve", "api"])
def test_service_rejects_unsupported_url(command: str) -> None:
    result = levante(command, "--db", "bogus://x", "--port", "0")
    assert result.exit_code == EXIT_INVALID, result.output
    assert "unsupported database URL bogus://x" in result.output


def test_service_waits_for_postgresql(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="engine.cli.service")
    started = time.monotonic()
    result = levante("serve", "--db", UNREACHABLE_PG, "--db-wait", "1", "--port", "0")
    elapsed = time.monotonic() - started
    assert result.exit_code == EXIT_UNAVAILABLE, result.output
    assert "cannot connect to the database" in result.output
    assert "postgresql://nobody:***@127.0.0.1:1/levante" in result.output
    assert "still unreachable after 1 s (--db-wait)" in result.output
    assert "hunter2" not in result.output
    retries = [r.getMessage() for r in caplog.records if r.name == "engine.cli.service"]
    assert retries, "no retry was logged"
    assert all("database unreachable, retrying in" in line for line in retries)
    assert all("hunter2" not in line for line in retries)
    assert elapsed >= 1


def test_service_db_wait_zero_fails_at_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="engine.cli.service")
    result = levante("api", "--db", UNREACHABLE_PG, "--db-wait", "0", "--port", "0")
    assert result.exit_code == EXIT_UNAVAILABLE, result.output
    assert "Connection refused" in result.output
    assert "--db-wait" not in result.output
    assert [r for r in caplog.records if r.name == "engine.cli.service"] == []


def test_service_database_opens_once_reachable(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.cli import service
    from engine.cli.settings import DatabaseUnreachable

    attempts: list[str | None] = []
    opened = object()

    def open_database(url: str | None) -> object:
        attempts.append(url)
        if len(attempts) < 3:
            raise DatabaseUnreachable("cannot connect to the database: refused")
        return opened

    monkeypatch.setattr(service, "open_database", open_database)
    monkeypatch.setattr(service, "DB_RETRY_PAUSE", (0.01, 0.02))
    assert service.open_service_database(UNREACHABLE_PG, 30) is opened
    assert attempts == [UNREACHABLE_PG] * 3
