"""Engine test helpers: an engine with std plus probe actions, and a runner."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

import plugins.std
from action_sdk import ActionError, RunContext, action, hookimpl
from engine.core import EngineCore
from engine.db.models import Execution, TaskExecution
from engine.db.setup import Database
from registry.discovery import catalog_from_plugins


@dataclass
class Probe:
    """Counts calls of the probe actions and the peak number running at once."""

    running: int = 0
    peak: int = 0
    calls: list[Any] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    gate: threading.Event = field(default_factory=threading.Event)

    def enter(self, value: Any) -> None:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.calls.append(value)

    def leave(self) -> None:
        with self.lock:
            self.running -= 1


class ProbePlugin:
    def __init__(self, probe: Probe) -> None:
        self.probe = probe

    @hookimpl
    def levante_actions(self) -> list[Any]:
        probe = self.probe

        @action(name="probe.hold")
        def hold(value: Any = None, seconds: float = 0.05) -> Any:
            """Record a call, stay busy for a while, return the value."""
            probe.enter(value)
            try:
                time.sleep(seconds)
            finally:
                probe.leave()
            return value

        @action(name="probe.wait_gate")
        def wait_gate(value: Any = None, timeout: float = 10.0) -> Any:
            """Block until the test opens the gate."""
            probe.enter(value)
            try:
                if not probe.gate.wait(timeout):
                    raise ActionError("gate was not opened")
            finally:
                probe.leave()
            return value

        @action(name="probe.flaky")
        def flaky(fail_times: int = 1) -> int:
            """Fail the first ``fail_times`` calls, then return the call count."""
            probe.enter(fail_times)
            probe.leave()
            count = len(probe.calls)
            if count <= fail_times:
                raise ActionError(f"attempt {count} failed", data={"attempt": count})
            return count

        @action(name="probe.settings")
        def settings(context: RunContext, key: str) -> Any:
            """Return the operator's action settings under ``key``."""
            return dict(context.extra.get(key) or {})

        return [hold, wait_gate, flaky, settings]


@pytest.fixture
def probe() -> Probe:
    return Probe()


@pytest.fixture
def make_engine(database: Database, probe: Probe) -> Iterator[Callable[..., EngineCore]]:
    engines: list[EngineCore] = []

    def make(**kwargs: Any) -> EngineCore:
        catalog = catalog_from_plugins({"std": plugins.std.plugin, "probe": ProbePlugin(probe)})
        core = EngineCore(database, catalog, **kwargs)
        engines.append(core)
        return core

    yield make
    for core in engines:
        core.close()


@dataclass
class Outcome:
    execution: Execution
    tasks: list[TaskExecution]

    def task(self, name: str) -> TaskExecution:
        found = [t for t in self.tasks if t.name == name]
        assert found, f"task {name} did not run; ran: {[t.name for t in self.tasks]}"
        return found[-1]


def load_outcome(database: Database, execution_id: str) -> Outcome:
    with database.sessions() as session:
        execution = session.get(Execution, execution_id)
        tasks = list(
            session.scalars(
                select(TaskExecution)
                .where(TaskExecution.execution_id == execution_id)
                .order_by(TaskExecution.seq)
            )
        )
    assert execution is not None
    return Outcome(execution, tasks)


@pytest.fixture
def run_workflow(
    make_engine: Callable[..., EngineCore], database: Database
) -> Callable[..., Outcome]:
    def run(text: str, workflow: str | None = None, timeout: float = 30, **kwargs: Any) -> Outcome:
        core = make_engine()
        execution_id = core.start(text, workflow, **kwargs)
        core.run(execution_id, timeout=timeout)
        return load_outcome(database, execution_id)

    return run


@pytest.fixture
def outcome_of(database: Database) -> Callable[[str], Outcome]:
    """Read an execution and its tasks back from the database."""
    return lambda execution_id: load_outcome(database, execution_id)
