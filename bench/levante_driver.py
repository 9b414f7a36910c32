"""Run one workflow file on Levante in this process and print measurements.

Usage: ``python -m bench.levante_driver FILE [--workflow NAME]
[--database sqlite|postgresql] [--pg-url URL] [--cap SECONDS]``.

The runner starts one of these per scenario, so each run has a fresh
database and its own peak RSS. The wall time runs from ``EngineCore.start``
(which parses the document) to the end of ``EngineCore.run``, and the CPU
time is this process's (all threads) over the same span. Opening the
database and loading plugins are reported apart as ``setup_seconds``. The
last line on stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url

from bench.process import read_peak_rss_mb

#: Outputs larger than this (as JSON) are replaced by their size in the report.
MAX_REPORTED_OUTPUT = 10_000


@contextmanager
def sqlite_database() -> Iterator[tuple[str, Path]]:
    """Yield the URL and path of a new SQLite file, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="levante-bench-"))
    path = folder / "levante.sqlite"
    try:
        yield f"sqlite:///{path}", path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_schema(base_url: str) -> Iterator[tuple[str, str]]:
    """Create a fresh schema, yield a URL that uses it and the schema name.

    The schema is dropped afterwards, whatever happened in between.
    """
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_psycopg_url(base_url))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(_psycopg_url(base_url)).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    try:
        yield url.render_as_string(hide_password=False), schema
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _psycopg_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def count_rows(engine: Any) -> dict[str, int]:
    """Count the rows of every table the engine's connection can see."""
    counts = {}
    with engine.connect() as connection:
        for name in sorted(inspect(connection).get_table_names()):
            query = select(func.count()).select_from(table(name))
            counts[name] = connection.execute(query).scalar_one()
    return counts


def database_bytes(engine: Any, sqlite_path: Path | None, schema: str | None) -> int:
    """Return the size of the database: the SQLite files, or the schema's relations."""
    if sqlite_path is not None:
        files = [sqlite_path, *sqlite_path.parent.glob(sqlite_path.name + "-*")]
        return sum(path.stat().st_size for path in files if path.exists())
    query = text(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = :schema AND c.relkind IN ('r', 'm')"
    )
    with engine.connect() as connection:
        return int(connection.execute(query, {"schema": schema}).scalar_one())


def reportable(value: Any) -> Any:
    """Return ``value`` if it is small as JSON, else a note of its size."""
    encoded = json.dumps(value, default=str)
    if len(encoded) <= MAX_REPORTED_OUTPUT:
        return value
    return {"omitted_json_bytes": len(encoded)}


def measure(
    text_: str,
    url: str,
    workflow: str | None,
    cap: float,
    sqlite_path: Path | None,
    schema: str | None,
) -> dict[str, Any]:
    """Run the document to its end on ``url`` and return the measurements."""
    from engine.core import EngineCore
    from engine.db.models import ActionExecution, Execution
    from engine.db.setup import Database

    setup_started = time.perf_counter()
    database = Database(url)
    core = EngineCore(database)
    setup_seconds = time.perf_counter() - setup_started
    baseline_rss = read_peak_rss_mb()
    capped = False
    started = time.perf_counter()
    cpu_started = time.process_time()
    try:
        execution_id = core.start(text_, workflow)
        try:
            execution = core.run(execution_id, timeout=cap)
            state, state_info, output = (
                execution.state,
                execution.state_info,
                execution.output,
            )
        except TimeoutError:
            capped = True
            state, state_info, output = "RUNNING", f"stopped at the {cap} s cap", None
        wall_seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
    finally:
        core.close()
    rows = count_rows(database.engine)
    size = database_bytes(database.engine, sqlite_path, schema)
    database.dispose()
    work_items = (
        rows.get(ActionExecution.__tablename__, 0)
        + rows.get(Execution.__tablename__, 0)
        - 1
    )
    return {
        "engine": "levante",
        "state": state,
        "state_info": state_info,
        "capped": capped,
        "output": reportable(output),
        "wall_seconds": wall_seconds,
        "cpu_seconds": cpu_seconds,
        "setup_seconds": setup_seconds,
        "baseline_rss_mb": baseline_rss,
        "peak_rss_mb": read_peak_rss_mb(),
        "work_items": work_items,
        "rows_by_table": rows,
        "database_bytes": size,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--workflow", default=None)
    parser.add_argument(
        "--database", choices=("sqlite", "postgresql"), default="sqlite"
    )
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument(
        "--cap",
        type=float,
        default=600.0,
        help="Stop waiting after this many seconds (default 600).",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    document = args.file.read_text()
    if args.database == "sqlite":
        with sqlite_database() as (url, path):
            result = measure(document, url, args.workflow, args.cap, path, None)
    else:
        with postgres_schema(args.pg_url) as (url, schema):
            result = measure(document, url, args.workflow, args.cap, None, schema)
    sys.stdout.write(json.dumps(result, default=str) + "\n")


if __name__ == "__main__":
    main()
