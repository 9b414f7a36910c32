"""Load and faults for HA runs: submitting executions, kills, outages.

``Submitter`` starts executions through the API at a steady pace and retries
a start, with the same execution id, until the API accepts it. ``Chaos``
SIGKILLs a random process (a worker or the API) every few seconds and starts
it again, stops PostgreSQL once, and drops the
server connections of the child processes now and then. ``watch_recovery``
measures how long the actions of a killed process stay held by it.
"""

from __future__ import annotations

import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from sqlalchemy import func, select

from engine import states
from engine.db.models import ActionExecution
from engine.db.setup import Database
from testing.ha.client import ApiError, RecordingClient
from testing.ha.processes import ProcessGroup, RoleProcess
from testing.ha.shapes import Shape


@dataclass(frozen=True)
class Started:
    """An execution the submitter started."""

    shape: str
    workflow: str
    run_key: str
    execution_id: str


class Submitter(threading.Thread):
    """Start ``count`` executions, cycling through ``shapes``, one per ``interval``."""

    def __init__(
        self,
        client: RecordingClient,
        shapes: tuple[Shape, ...],
        count: int,
        interval: float,
        delay: float,
        give_up_after: float = 120.0,
    ) -> None:
        super().__init__(name="ha-submitter", daemon=True)
        self.client = client
        self.shapes = shapes
        self.count = count
        self.interval = interval
        self.delay = delay
        self.give_up_after = give_up_after
        self.started: list[Started] = []
        self.rejected = 0
        self.error: str | None = None

    def run(self) -> None:
        for index in range(self.count):
            shape = self.shapes[index % len(self.shapes)]
            run_key = f"{shape.name}-{index}"
            # Chosen here, so a start retried after the API died mid-request
            # cannot create a second execution of the same run.
            chosen_id = str(uuid.uuid4())
            deadline = time.monotonic() + self.give_up_after
            while True:
                try:
                    execution_id = self.client.start(
                        shape, run_key, self.delay, chosen_id
                    )
                    break
                except ApiError as error:
                    self.rejected += 1
                    if time.monotonic() > deadline:
                        self.error = f"gave up starting {run_key}: {error}"
                        return
                    time.sleep(0.5)
            self.started.append(
                Started(shape.name, shape.workflow, run_key, execution_id)
            )
            time.sleep(self.interval)


@dataclass
class Kill:
    """One SIGKILL and how long the killed process's actions stayed held."""

    role: str
    pid: int
    killed_at: float
    #: Running actions leased by the process just before it was killed;
    #: None when the database could not be read then.
    held: int | None = None
    #: Whether PostgreSQL was stopped when the process was killed.
    during_outage: bool = False
    #: Seconds until no running action was leased by the killed process.
    recovered_after: float | None = None


@dataclass
class ChaosLog:
    """Faults injected during one run, times from ``time.monotonic``."""

    kills: list[Kill] = field(default_factory=list)
    outage_started: float | None = None
    outage_ended: float | None = None
    #: Server connections closed by pg_terminate_backend, one entry per round.
    terminated: list[int] = field(default_factory=list)
    #: Restarts after which the process exited again on its own (such as
    #: when it started while the database was down), with their exit codes.
    crashed_restarts: list[int] = field(default_factory=list)
    #: Times the API process was down: from its kill until /health returned
    #: 200 again (None until it does).
    api_down: list[tuple[float, float | None]] = field(default_factory=list)

    def api_was_down(self, at: float, grace: float) -> bool:
        """Return whether ``at`` falls in a window when the API was killed."""
        for start, end in self.api_down:
            if start - grace <= at <= (end if end is not None else float("inf")) + grace:
                return True
        return False

    def overlaps_outage(self, kill: Kill) -> bool:
        """Return whether the outage fell between the kill and its recovery."""
        if self.outage_started is None:
            return False
        end_of_outage = self.outage_ended or float("inf")
        recovered_at = kill.killed_at + (kill.recovered_after or float("inf"))
        return kill.killed_at <= end_of_outage and recovered_at >= self.outage_started

    @property
    def outage_seconds(self) -> float:
        if self.outage_started is None or self.outage_ended is None:
            return 0.0
        return self.outage_ended - self.outage_started


def held_actions(db: Database, pid: int) -> int:
    """Count running actions leased by process ``pid`` of this host."""
    prefix = f"{socket.gethostname()}:{pid}:"
    with db.sessions() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(ActionExecution)
                .where(
                    ActionExecution.state == states.RUNNING,
                    ActionExecution.lease_owner.like(f"{prefix}%"),
                )
            )
            or 0
        )


def watch_recovery(
    db: Database, kill: Kill, timeout: float = 120.0
) -> threading.Thread:
    """Poll in a thread until the killed process leases no running action.

    Fills in ``kill.recovered_after``.
    """

    def poll() -> None:
        while time.monotonic() - kill.killed_at < timeout:
            try:
                held = held_actions(db, kill.pid)
            except Exception:
                # The database may be down during the outage; try again.
                time.sleep(0.2)
                continue
            if held == 0:
                kill.recovered_after = time.monotonic() - kill.killed_at
                return
            time.sleep(0.1)

    thread = threading.Thread(target=poll, name=f"ha-recovery-{kill.pid}", daemon=True)
    thread.start()
    return thread


@dataclass(frozen=True)
class ChaosPlan:
    """When and how often faults happen, in seconds from the start of chaos."""

    duration: float
    kill_interval: tuple[float, float] = (3.0, 5.0)
    restart_pause: float = 0.5
    outage_at: float | None = None
    outage_seconds: float = 0.0
    terminate_interval: float | None = None
    seed: int = 0


class Chaos:
    """Inject the faults of a ``ChaosPlan`` into a ``ProcessGroup``."""

    def __init__(
        self,
        group: ProcessGroup,
        victims: list[RoleProcess],
        db: Database,
        stop_database: Callable[[], None] | None = None,
        start_database: Callable[[], None] | None = None,
        terminate_connections: Callable[[], int] | None = None,
        api_urls: dict[int, str] | None = None,
    ) -> None:
        self.group = group
        self.victims = victims
        #: Base URL of each API process among ``victims``, by ``id(process)``.
        self.api_urls = api_urls or {}
        self.db = db
        self.stop_database = stop_database
        self.start_database = start_database
        self.terminate_connections = terminate_connections
        self.log = ChaosLog()
        self._watchers: list[threading.Thread] = []

    def run(self, plan: ChaosPlan) -> ChaosLog:
        """Inject faults for ``plan.duration`` seconds; the database is up on return."""
        rng = random.Random(plan.seed)
        began = time.monotonic()
        next_kill = began + rng.uniform(*plan.kill_interval)
        next_terminate = began + (plan.terminate_interval or float("inf"))
        outage_start = (
            began + plan.outage_at if plan.outage_at is not None else float("inf")
        )
        database_down = False
        try:
            while time.monotonic() - began < plan.duration or database_down:
                now = time.monotonic()
                if (
                    not database_down
                    and now >= outage_start
                    and self.log.outage_started is None
                ):
                    assert self.stop_database is not None
                    # Stopping takes a while and clients see errors from its start.
                    self.log.outage_started = time.monotonic()
                    database_down = True
                    self.stop_database()
                if (
                    database_down
                    and now - (self.log.outage_started or now) >= plan.outage_seconds
                ):
                    self._start_database()
                    database_down = False
                if now >= next_kill:
                    self._kill_one(rng, plan.restart_pause)
                    next_kill = now + rng.uniform(*plan.kill_interval)
                if (
                    now >= next_terminate
                    and not database_down
                    and self.terminate_connections
                ):
                    self._terminate()
                    next_terminate = now + (plan.terminate_interval or float("inf"))
                self._restart_crashed()
                time.sleep(0.1)
        finally:
            if database_down:
                self._start_database()
        return self.log

    def settle(self, timeout: float = 60.0) -> None:
        """Restart crashed processes until recovery watches end or ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(t.is_alive() for t in self._watchers):
            self._restart_crashed()
            time.sleep(0.2)
        self._restart_crashed()

    def _start_database(self) -> None:
        assert self.start_database is not None
        self.start_database()
        self.log.outage_ended = time.monotonic()

    def _kill_one(self, rng: random.Random, restart_pause: float) -> None:
        live = [process for process in self.victims if process.alive()]
        if not live:
            return
        victim = rng.choice(live)
        during_outage = (
            self.log.outage_started is not None and self.log.outage_ended is None
        )
        held = None
        if not during_outage:
            try:
                held = held_actions(self.db, victim.pid)
            except Exception:
                held = None
        base_url = self.api_urls.get(id(victim))
        if base_url is not None:
            # An API process leases no action; it has recovered once /health
            # returns 200 again.
            held = 0
        pid = self.group.kill(victim)
        kill = Kill(victim.role, pid, time.monotonic(), held, during_outage)
        self.log.kills.append(kill)
        time.sleep(restart_pause)
        self.group.restart(victim)
        if base_url is not None:
            self._watchers.append(self._watch_api(kill, base_url))
        else:
            self._watchers.append(watch_recovery(self.db, kill))

    def _watch_api(
        self, kill: Kill, base_url: str, timeout: float = 60.0
    ) -> threading.Thread:
        """Poll /health in a thread until the restarted API returns 200."""
        window = len(self.log.api_down)
        self.log.api_down.append((kill.killed_at, None))

        def poll() -> None:
            while time.monotonic() - kill.killed_at < timeout:
                try:
                    if httpx.get(f"{base_url}/health", timeout=1.0).status_code == 200:
                        now = time.monotonic()
                        kill.recovered_after = now - kill.killed_at
                        self.log.api_down[window] = (kill.killed_at, now)
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)

        thread = threading.Thread(target=poll, name=f"ha-api-{kill.pid}", daemon=True)
        thread.start()
        return thread

    def _terminate(self) -> None:
        assert self.terminate_connections is not None
        try:
            self.log.terminated.append(self.terminate_connections())
        except Exception:
            self.log.terminated.append(-1)

    def _restart_crashed(self) -> None:
        for process in self.victims:
            if process.popen is not None and not process.alive():
                self.log.crashed_restarts.append(int(process.popen.returncode or 0))
                self.group.restart(process)
