"""The engine loop thread of ``levante serve``: restarts and readiness."""

from __future__ import annotations

import threading

import pytest

from engine.api import service
from engine.api.service import EngineLoop, is_loopback


class FlakyCore:
    """Fails on the first ``serve`` call, then serves until stopped."""

    def __init__(self) -> None:
        self.calls = 0
        self.serving = threading.Event()

    def serve(self, stop: threading.Event) -> None:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("database went away")
        self.serving.set()
        stop.wait()


def test_loop_restarts_after_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "RETRY_DELAY", (0.01, 0.02))
    core = FlakyCore()
    loop = EngineLoop(core)  # type: ignore[arg-type]
    loop.start()
    assert core.serving.wait(5)
    assert loop.alive()
    assert core.calls == 2
    loop.stop()
    assert not loop.alive()


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
        ("example.org", False),
    ],
)
def test_is_loopback(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected
