"""Start, SIGKILL and restart Levante processes for HA tests.

Each process runs ``testing.ha.launcher`` with a short lease
(``LEVANTE_LEASE_SECONDS``) so that takeovers happen within seconds, and
writes its log to a file of its own.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from testing.ha.counting import RUNS_URL_ENV

#: Lease length given to child processes, in seconds.
DEFAULT_LEASE_SECONDS = 3.0


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RoleProcess:
    """One child process running a Levante role, restartable."""

    role: str
    command: list[str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None
    #: Pids of every start of this process, oldest first.
    pids: list[int] = field(default_factory=list)
    _log: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        if self.popen is None:
            raise RuntimeError(f"{self.role} process is not started")
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(
            self.log_path.read_text(errors="replace").splitlines()[-lines:]
        )


class ProcessGroup:
    """Child processes of one HA run against one database."""

    def __init__(
        self,
        db_url: str,
        runs_url: str,
        log_dir: Path,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
        self.db_url = db_url
        self.log_dir = log_dir
        self.env = {
            **os.environ,
            "LEVANTE_LEASE_SECONDS": str(lease_seconds),
            RUNS_URL_ENV: runs_url,
            "PYTHONUNBUFFERED": "1",
        }
        self.processes: list[RoleProcess] = []

    def start(self, role: str, *options: str, db_url: str | None = None) -> RoleProcess:
        """Start ``levante ROLE OPTIONS`` (with ``ha.count``) and return it.

        ``db_url`` replaces the group's database URL for this process.
        """
        name = f"{role}-{len(self.processes)}"
        command = [
            sys.executable,
            "-m",
            "testing.ha.launcher",
            "--db",
            db_url or self.db_url,
            role,
            *options,
        ]
        process = RoleProcess(role, command, self.log_dir / f"{name}.log")
        self._spawn(process)
        self.processes.append(process)
        return process

    def start_api(
        self,
        role: str = "api",
        timeout: float = 30.0,
        db_url: str | None = None,
    ) -> tuple[RoleProcess, str]:
        """Start an API process on a free loopback port; return it and its base URL."""
        port = free_port()
        process = self.start(
            role, "--host", "127.0.0.1", "--port", str(port), db_url=db_url
        )
        base_url = f"http://127.0.0.1:{port}"
        wait_for_health(base_url, process, timeout)
        return process, base_url

    def kill(self, process: RoleProcess) -> int:
        """SIGKILL the process and reap it; return the pid that was killed."""
        pid = process.pid
        os.kill(pid, signal.SIGKILL)
        assert process.popen is not None
        process.popen.wait(10)
        return pid

    def restart(self, process: RoleProcess) -> None:
        """Start the process again with the same command."""
        if process.alive():
            raise RuntimeError(f"{process.role} process {process.pid} is still running")
        self._spawn(process)

    def stop_all(self, timeout: float = 20.0) -> dict[str, int | None]:
        """SIGTERM every live process, wait, SIGKILL what remains; return exit codes."""
        for process in self.processes:
            if process.alive():
                process.popen.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
        deadline = time.monotonic() + timeout
        codes: dict[str, int | None] = {}
        for process in self.processes:
            if process.popen is None:
                continue
            try:
                process.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait(10)
            codes[process.log_path.stem] = process.popen.returncode
            if process._log is not None:
                process._log.close()
                process._log = None
        return codes

    def _spawn(self, process: RoleProcess) -> None:
        if process._log is None:
            process._log = process.log_path.open("ab")
        process.popen = subprocess.Popen(
            process.command,
            stdout=process._log,
            stderr=subprocess.STDOUT,
            env=self.env,
        )
        process.pids.append(process.popen.pid)


def wait_for_health(base_url: str, process: RoleProcess, timeout: float) -> None:
    """Wait until ``GET /health`` answers 200, or raise with the process log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(
                f"{process.role} process exited with {process.popen.returncode}:\n"  # type: ignore[union-attr]
                f"{process.log_tail()}"
            )
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(
        f"{base_url}/health did not answer within {timeout} s:\n{process.log_tail()}"
    )
