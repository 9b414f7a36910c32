"""Start a driver in a child process and collect its result and peak RSS."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: How often the parent samples the child's memory and checks its deadline.
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class ChildRun:
    """Output and resource use of one driver process."""

    #: The JSON object on the last line of stdout, or None when there was none.
    result: dict[str, Any] | None
    exit_status: int
    #: Highest VmHWM (peak RSS) of the child seen by the parent's sampling, in
    #: MiB. It can miss growth in the child's last ``POLL_SECONDS``, so a
    #: driver's own report at its end is preferred when there is one.
    sampled_peak_rss_mb: float | None
    #: Whether the parent killed the child at its deadline.
    killed: bool
    stderr_tail: str


def read_peak_rss_mb(pid: int | str = "self") -> float | None:
    """Return VmHWM (peak resident set size) of a process in MiB.

    ``getrusage`` is not used: on Linux a child's ``ru_maxrss`` starts from
    the RSS of the parent it was forked from, so a small child of a large
    runner would show the runner's size. Returns None when /proc has no
    value (another OS, or the process has ended).
    """
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_child(command: list[str], *, deadline_seconds: float, cwd: Path) -> ChildRun:
    """Run ``command`` and wait for it, killing it after ``deadline_seconds``."""
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        child = subprocess.Popen(
            command, cwd=cwd, stdout=stdout, stderr=stderr, start_new_session=True
        )
        peak, killed = _wait(child, time.monotonic() + deadline_seconds)
        stdout.seek(0)
        stderr.seek(0)
        output = stdout.read().decode(errors="replace")
        errors = stderr.read().decode(errors="replace")
    return ChildRun(
        result=_last_json_line(output),
        exit_status=child.returncode,
        sampled_peak_rss_mb=peak,
        killed=killed,
        stderr_tail=errors[-2000:],
    )


def _wait(child: subprocess.Popen[bytes], deadline: float) -> tuple[float | None, bool]:
    peak: float | None = None
    killed = False
    while True:
        sample = read_peak_rss_mb(child.pid)
        if sample is not None:
            peak = max(peak or 0.0, sample)
        try:
            child.wait(timeout=POLL_SECONDS)
            return peak, killed
        except subprocess.TimeoutExpired:
            pass
        if not killed and time.monotonic() >= deadline:
            # The child leads its own session; end it and anything it started.
            os.killpg(child.pid, signal.SIGKILL)
            killed = True


def _last_json_line(output: str) -> dict[str, Any] | None:
    for line in reversed(output.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None
