"""Run one workflow file on OpenStack Mistral in this process and print measurements.

Run it with the Python of a virtualenv that has ``mistral==23.0.0``. It
imports nothing from Levante, so the runner starts it as a script:
``$MISTRAL_VENV/bin/python bench/mistral_driver.py FILE [--workflow NAME]
[--cap SECONDS] [--scheduler-delay SECONDS]``.

Mistral runs with its engine service in this process, the in-memory
``fake:/`` message transport, the ``local`` executor (actions run in engine
threads), authentication off and a new SQLite file. The wall time runs from
``start_workflow`` to Mistral's notification that the execution ended (see
``EndSignal``), and the CPU time is this process's over the same span.
Registering the definition is reported apart as ``setup_seconds``; it has
its own cap of the same length. The last line on stdout is one JSON object.
"""

import argparse
import configparser
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
import warnings
from typing import Any

TERMINAL_STATES = ("SUCCESS", "ERROR", "CANCELLED")
TERMINAL_EVENTS = ("WORKFLOW_SUCCEEDED", "WORKFLOW_FAILED", "WORKFLOW_CANCELLED")
MAX_REPORTED_OUTPUT = 10_000


def peak_rss_mb() -> float | None:
    """Return this process's peak resident set size (VmHWM) so far, in MiB.

    ``ru_maxrss`` would include the RSS of the runner this process was
    forked from, so the value comes from /proc; None where /proc has none.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def write_config(folder: str, database_path: str, scheduler_delay: float) -> str:
    """Write the oslo.config file for an in-process engine; return its path.

    ``validation_mode = enabled`` lets a registration skip the schema check
    when it asks to (``--no-validate``); Mistral's default, ``mandatory``,
    always checks.
    """
    config = configparser.ConfigParser(interpolation=None)
    config["DEFAULT"] = {
        "transport_url": "fake:/",
        "use_stderr": "true",
        "debug": "false",
    }
    config["database"] = {"connection": f"sqlite:///{database_path}"}
    config["executor"] = {"type": "local"}
    config["notifier"] = {"type": "local"}
    config["pecan"] = {"auth_enable": "false"}
    config["api"] = {"validation_mode": "enabled"}
    config["legacy_action_provider"] = {
        "only_builtin_actions": "true",
        "load_action_generators": "false",
    }
    config["scheduler"] = {
        "fixed_delay": str(scheduler_delay),
        "random_delay": "0",
    }
    config["profiler"] = {"enabled": "false"}
    path = os.path.join(folder, "mistral.conf")
    with open(path, "w") as stream:
        config.write(stream)
    return path


def set_request_context() -> None:
    """Act as a user of Mistral's default project (authentication is off)."""
    from mistral import context
    from mistral.services import security

    context.set_ctx(
        context.MistralContext(
            user_id="levante-bench",
            project_id=security.DEFAULT_PROJECT_ID,
            is_admin=False,
        )
    )


def start_engine(config_path: str) -> Any:
    """Configure Mistral from ``config_path`` and start its engine service."""
    import logging

    import oslo_service.backend as service_backend

    # Mistral 23 expects the threading backend of oslo.service to be chosen
    # before any service module is imported.
    service_backend.init_backend(service_backend.BackendType.THREADING)

    import oslo_messaging
    from mistral import config as _mistral_options  # noqa: F401 (registers them)
    from oslo_config import cfg
    from oslo_log import log

    log.register_options(cfg.CONF)
    cfg.CONF(args=[], project="mistral", default_config_files=[config_path])
    log.setup(cfg.CONF, "mistral")
    logging.getLogger().setLevel(logging.WARNING)
    for name in ("mistral", "oslo_messaging", "oslo_service", "oslo_db"):
        logging.getLogger(name).setLevel(logging.WARNING)
    oslo_messaging.get_transport(cfg.CONF)

    from mistral.db.v2 import api as db_api
    from mistral.engine import engine_server
    from mistral.executors import base as executors
    from mistral.services import actions as action_service

    db_api.setup_db()
    set_request_context()
    executors.get_executor(cfg.CONF.executor.type)
    service = engine_server.get_oslo_service(setup_profiler=False)
    service.start()
    action_service.get_system_action_provider()
    service.wait_started()
    return service.engine


def first_workflow_name(text: str) -> str:
    """Return the first workflow defined in a workflow-list document."""
    import yaml

    document = yaml.safe_load(text)
    names = [key for key in document if key != "version"]
    if not names:
        raise ValueError("the document defines no workflow")
    return names[0]


class EndSignal:
    """Records when Mistral reports the root execution terminal.

    Mistral sends workflow events to the publishers named in the start
    parameter ``notify``, after the transaction that changed the state has
    committed. The driver requests the built-in ``noop`` publisher and
    replaces its ``publish`` (which only logs) with one that records the
    time, so the end is seen without polling the database, which on SQLite
    would compete with Mistral for its lock.
    """

    def __init__(self) -> None:
        self.execution_id: str | None = None
        self.ended_at: float | None = None
        self.event = threading.Event()

    def install(self) -> None:
        from mistral.notifiers.publishers import noop

        signal = self

        def publish(
            publisher: Any,
            ctx: Any,
            ex_id: str,
            data: dict[str, Any],
            event: str,
            timestamp: Any,
            **kwargs: Any,
        ) -> None:
            if ex_id == signal.execution_id and event in TERMINAL_EVENTS:
                signal.ended_at = time.perf_counter()
                signal.event.set()

        noop.NoopPublisher.publish = publish

    def wait(self, deadline: float) -> bool:
        """Wait for the end until ``deadline`` (perf_counter); tell whether it came."""
        return self.event.wait(max(0.0, deadline - time.perf_counter()))


def read_execution(
    database_path: str, execution_id: str
) -> tuple[str | None, str | None, str | None]:
    """Return (state, state_info, output) of an execution, read from SQLite."""
    connection = sqlite3.connect(database_path, timeout=30)
    try:
        row = connection.execute(
            "SELECT state, state_info, output FROM workflow_executions_v2 WHERE id = ?",
            (execution_id,),
        ).fetchone()
    finally:
        connection.close()
    return row if row else (None, None, None)


def register(text: str, cap: float, validate: bool) -> float | None:
    """Register the definition in a thread; return its seconds, None past ``cap``.

    ``validate`` turns Mistral's schema check of the definition on or off.
    Only registration checks it; the engine reads specs without the check.
    """
    from mistral.services import workflows as workflow_service

    failure: list[Exception] = []

    def create() -> None:
        set_request_context()
        try:
            workflow_service.create_workflows(text, validate=validate)
        except Exception as error:  # re-raised in the main thread below
            failure.append(error)

    started = time.perf_counter()
    thread = threading.Thread(target=create, daemon=True)
    thread.start()
    thread.join(cap)
    if thread.is_alive():
        return None
    if failure:
        raise failure[0]
    return time.perf_counter() - started


def count_rows(database_path: str) -> dict[str, int]:
    """Count the rows of every table in the SQLite file."""
    connection = sqlite3.connect(database_path, timeout=30)
    try:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {
            name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for name in names
        }
    finally:
        connection.close()


def reportable(raw_output: str | None) -> Any:
    """Decode a stored output; replace it by its size when it is large."""
    if raw_output is None:
        return None
    if len(raw_output) > MAX_REPORTED_OUTPUT:
        return {"omitted_json_bytes": len(raw_output)}
    return json.loads(raw_output)


def measure(
    text: str,
    workflow: str | None,
    cap: float,
    scheduler_delay: float,
    validate: bool,
    folder: str,
) -> dict[str, Any]:
    """Run the document on a fresh Mistral and return the measurements."""
    import importlib.metadata

    database_path = os.path.join(folder, "mistral.sqlite")
    config_path = write_config(folder, database_path, scheduler_delay)
    engine = start_engine(config_path)
    result = {
        "engine": "mistral",
        "mistral_version": importlib.metadata.version("mistral"),
        "scheduler_delay": scheduler_delay,
        "validated": validate,
    }
    setup_seconds = register(text, cap, validate)
    if setup_seconds is None:
        return {
            **result,
            "state": None,
            "state_info": f"registering the definition took over {cap:g} s",
            "capped": True,
            "setup_seconds": None,
            "peak_rss_mb": peak_rss_mb(),
        }
    name = workflow or first_workflow_name(text)
    baseline_rss = peak_rss_mb()
    end = EndSignal()
    end.install()

    set_request_context()
    started = time.perf_counter()
    cpu_started = time.process_time()
    execution = engine.start_workflow(
        name,
        wf_input={},
        notify=[{"type": "noop", "event_types": list(TERMINAL_EVENTS)}],
    )
    # A workflow can end inside start_workflow, before the id is known here.
    end.execution_id = execution.id
    state, state_info, output = read_execution(database_path, execution.id)
    ended = state in TERMINAL_STATES or end.wait(started + cap)
    if ended and end.ended_at is None:
        end.ended_at = time.perf_counter()
    wall_seconds = (end.ended_at if ended else time.perf_counter()) - started
    cpu_seconds = time.process_time() - cpu_started
    state, state_info, output = read_execution(database_path, execution.id)
    rows = count_rows(database_path)
    work_items = (
        rows.get("action_executions_v2", 0) + rows.get("workflow_executions_v2", 0) - 1
    )
    size = sum(
        os.path.getsize(os.path.join(folder, entry))
        for entry in os.listdir(folder)
        if entry.startswith("mistral.sqlite")
    )
    return {
        **result,
        "state": state,
        "state_info": state_info,
        "capped": not ended,
        "output": reportable(output),
        "wall_seconds": wall_seconds,
        "cpu_seconds": cpu_seconds,
        "setup_seconds": setup_seconds,
        "baseline_rss_mb": baseline_rss,
        "peak_rss_mb": peak_rss_mb(),
        "work_items": work_items,
        "rows_by_table": rows,
        "database_bytes": size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--workflow", default=None)
    parser.add_argument(
        "--cap",
        type=float,
        default=600.0,
        help="Limit in seconds for registering the definition, and again for "
        "the run (default 600).",
    )
    parser.add_argument(
        "--scheduler-delay",
        type=float,
        default=0.1,
        help="Mistral [scheduler] fixed_delay in seconds "
        "(default 0.1, the smallest Mistral accepts).",
    )
    parser.add_argument(
        "--no-validate",
        dest="validate",
        action="store_false",
        help="Register the definition without Mistral's schema check.",
    )
    args = parser.parse_args()

    warnings.filterwarnings("ignore")
    with open(args.file) as stream:
        text = stream.read()
    folder = tempfile.mkdtemp(prefix="mistral-bench-")
    status = 0

    try:
        result = measure(
            text, args.workflow, args.cap, args.scheduler_delay, args.validate, folder
        )
        sys.stdout.write(json.dumps(result, default=str) + "\n")
    except Exception as error:  # the runner shows this line and the exit status
        sys.stderr.write(f"mistral run failed: {type(error).__name__}: {error}\n")
        status = 2
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        sys.stdout.flush()
        sys.stderr.flush()

    # Mistral's service threads are not daemons and never stop by themselves.
    os._exit(status)


if __name__ == "__main__":
    main()
