"""Child processes: result line, peak RSS, deadline kill."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.process import read_peak_rss_mb, run_child


def test_child_result_line(tmp_path: Path) -> None:
    script = "print('log'); print('{\"ok\": 1}')"
    run = run_child([sys.executable, "-c", script], deadline_seconds=30, cwd=tmp_path)
    assert run.result == {"ok": 1}
    assert run.exit_status == 0
    assert not run.killed


def test_sampled_rss_sees_growth(tmp_path: Path) -> None:
    script = (
        "import time; block = bytearray(80 * 1024 * 1024); "
        "block[::4096] = b'x' * len(block[::4096]); time.sleep(0.5)"
    )
    run = run_child([sys.executable, "-c", script], deadline_seconds=30, cwd=tmp_path)
    assert run.sampled_peak_rss_mb is not None
    assert run.sampled_peak_rss_mb >= 80


def test_own_peak_excludes_parent() -> None:
    # ru_maxrss of a child would start at the parent's size; VmHWM does not.
    block = bytearray(100 * 1024 * 1024)
    block[::4096] = b"x" * len(block[::4096])
    script = "from bench.process import read_peak_rss_mb; print(read_peak_rss_mb())"
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert float(run.stdout) < (read_peak_rss_mb() or 0) - 50


def test_child_killed_at_deadline(tmp_path: Path) -> None:
    script = "import time; time.sleep(30)"
    run = run_child([sys.executable, "-c", script], deadline_seconds=0.3, cwd=tmp_path)
    assert run.killed
    assert run.result is None
    assert run.exit_status < 0


def test_failing_child_keeps_stderr(tmp_path: Path) -> None:
    script = "raise SystemExit('bad input')"
    run = run_child([sys.executable, "-c", script], deadline_seconds=30, cwd=tmp_path)
    assert run.exit_status == 1
    assert run.result is None
    assert "bad input" in run.stderr_tail
