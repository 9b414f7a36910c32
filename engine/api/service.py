"""``levante serve``: the engine loop, its executors and the API in one process.

The engine loop runs in a thread (``EngineLoop``); uvicorn serves the API in
the main thread and handles SIGINT and SIGTERM. When uvicorn stops, the loop
stops, then the executor pool and the database connections close.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import os
import signal
import socket
import threading
from dataclasses import dataclass
from types import FrameType
from typing import Any

import uvicorn

from engine.api.app import create_app
from engine.api.config import ApiConfig
from engine.core import EngineCore
from engine.db.setup import Database

log = logging.getLogger(__name__)

#: Seconds the loop waits before it retries after an error, first and at most.
RETRY_DELAY = (0.5, 30.0)


class EngineLoop:
    """A thread that runs ``EngineCore.serve`` and restarts it after errors.

    An error (such as the database going away) is logged and the loop is
    restarted after a delay that doubles up to ``RETRY_DELAY[1]`` seconds.
    ``alive`` is false from the error until the next start.
    """

    def __init__(self, core: EngineCore) -> None:
        self.core = core
        self._stop = threading.Event()
        self._healthy = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="engine-loop", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("engine loop did not stop within %.0f s", timeout)

    def alive(self) -> bool:
        return self._thread.is_alive() and self._healthy.is_set()

    def _run(self) -> None:
        delay = RETRY_DELAY[0]
        while not self._stop.is_set():
            self._healthy.set()
            try:
                self.core.serve(self._stop)
            except Exception:
                self._healthy.clear()
                log.exception("engine loop failed; restarting in %.1f s", delay)
                self._stop.wait(delay)
                delay = min(delay * 2, RETRY_DELAY[1])
            else:
                delay = RETRY_DELAY[0]
        self._healthy.clear()


@dataclass(frozen=True)
class ServiceOptions:
    """Listening address and database of the service."""

    host: str = "127.0.0.1"
    port: int = 8989
    db_url: str | None = None
    log_level: str = "info"
    #: Whether this process also runs actions (false for ``levante api``).
    executor: bool = True


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ServiceStartError(RuntimeError):
    """The service cannot start, such as when its port is already in use."""


def bind_listener(host: str, port: int) -> socket.socket:
    """Return a TCP socket bound to ``host`` and ``port``, not yet listening.

    The service binds before it starts anything else, so a port in use
    stops the start with a clear error. uvicorn 0.55 would otherwise log the
    error and call ``sys.exit(3)``, the CLI's status for a paused workflow.

    Raises:
        ServiceStartError: the address cannot be resolved or bound.
    """
    try:
        addresses = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as error:
        raise ServiceStartError(
            f"cannot listen on {host}:{port}: {error.strerror}; give an IP "
            "address or host name of this machine with --host"
        ) from None
    # NOTE: only the first address is bound, while uvicorn binds every
    # address a host name resolves to. IPv4 comes first, so "localhost" stays
    # reachable at 127.0.0.1 where the resolver lists ::1 first.
    addresses.sort(key=lambda entry: entry[0] != socket.AF_INET)
    family, kind, protocol, _name, address = addresses[0]
    listener = socket.socket(family, kind, protocol)
    # Like asyncio's create_server: rebind at once after a restart, while
    # connections of the previous process are in TIME_WAIT.
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(address)
    except OSError as error:
        listener.close()
        hint = (
            "stop the other process or choose another --port"
            if error.errno == errno.EADDRINUSE
            else "check --host and --port"
        )
        raise ServiceStartError(
            f"cannot listen on {host}:{port}: {error.strerror}; {hint}"
        ) from None
    return listener


def run_service(
    options: ServiceOptions, config: ApiConfig, database: Database | None = None
) -> None:
    """Serve the API and run the engine loop until SIGINT or SIGTERM.

    ``database`` is opened from ``options.db_url`` when not given, and is
    disposed when the service stops either way.

    Raises:
        ServiceStartError: the address cannot be bound; nothing was started.
    """
    try:
        listener = bind_listener(options.host, options.port)
    except ServiceStartError:
        if database is not None:
            database.dispose()
        raise
    if database is None:
        database = Database(options.db_url)
    core = EngineCore(database, executor=options.executor)
    loop = EngineLoop(core)
    app = create_app(core, config, engine_alive=loop.alive)
    if not config.authenticated and not is_loopback(options.host):
        log.warning(
            "no API tokens are configured and the service listens on %s: anyone "
            "who can reach it can run workflows; set LEVANTE_API_TOKENS or "
            "--tokens-file",
            options.host,
        )
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=options.host,
            port=options.port,
            log_level=options.log_level,
            lifespan="off",
        )
    )
    log.info(
        "starting: API on %s:%d, database %s, %s",
        options.host,
        listener.getsockname()[1],
        database.engine.url.render_as_string(hide_password=True),
        _auth_summary(config),
    )
    previous = _stop_on_signals()
    loop.start()
    left_running = 0
    try:
        server.run(sockets=[listener])
    except StopRequested as stop:
        log.info("received %s", signal.Signals(stop.signal_number).name)
    finally:
        log.info("stopping: engine loop, executors and database connections")
        loop.stop()
        # Record the results of the actions that finish within the grace
        # period; the others are handed over through their leases.
        left_running = core.drain()
        core.close()
        database.dispose()
        listener.close()
        for number, handler in previous.items():
            signal.signal(number, handler)
        log.info("stopped")
    if left_running:
        # Worker threads of actions still running would hold the interpreter
        # until they end; their leases have ended, so exit now.
        logging.shutdown()
        os._exit(0)


class StopRequested(Exception):
    """SIGINT or SIGTERM arrived; the service shuts down cleanly."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.signal_number = signal_number


def _raise_stop(signal_number: int, frame: FrameType | None) -> None:
    raise StopRequested(signal_number)


def _stop_on_signals() -> dict[int, Any]:
    """Turn SIGINT and SIGTERM into ``StopRequested``; return the old handlers.

    uvicorn handles both signals while it serves and raises the signal again
    once it has shut down. This handler turns that second signal into
    ``StopRequested``, so the engine stops as well.
    """
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {
        number: signal.signal(number, _raise_stop)
        for number in (signal.SIGINT, signal.SIGTERM)
    }


def _auth_summary(config: ApiConfig) -> str:
    """Describe how the API authenticates requests, for the start-up log line."""
    if config.keystone is not None:
        return "Keystone token authentication"
    if config.tokens:
        return f"{len(config.tokens)} API token(s)"
    return "no authentication"
