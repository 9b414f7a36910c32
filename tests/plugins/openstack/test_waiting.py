"""The shared polling loop of the waiting actions, with a fake clock."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from action_sdk import ActionError, ServiceCallError
from plugins.openstack.waiting import (
    Observation,
    StatusSet,
    check_wait_arguments,
    wait_for_status,
)


class FakeTime:
    """A clock that advances only when the loop sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


Reader = Callable[[], Observation]


def reader(*statuses: str | Exception) -> tuple[list[int], Reader]:
    reads: list[int] = []

    def read() -> Observation:
        index = min(len(reads), len(statuses) - 1)
        reads.append(index)
        status = statuses[index]
        if isinstance(status, Exception):
            raise status
        return Observation(status, {"status": status})

    return reads, read


def wait(read: Reader, fake: FakeTime, **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "resource": "server s1",
        "expected": StatusSet.of("ACTIVE"),
        "failures": StatusSet.of("ERROR"),
        "timeout": 10.0,
        "poll_interval": 3.0,
        "sleep": fake.sleep,
        "clock": fake.clock,
    }
    arguments.update(overrides)
    return wait_for_status(read, **arguments)


def test_wait_returns_at_once() -> None:
    fake = FakeTime()
    reads, read = reader("ACTIVE")
    assert wait(read, fake) == {"status": "ACTIVE"}
    assert fake.sleeps == []


def test_wait_sleeps_between_reads() -> None:
    fake = FakeTime()
    reads, read = reader("BUILD", "BUILD", "active")
    assert wait(read, fake)["status"] == "active"
    assert fake.sleeps == [3.0, 3.0]
    assert len(reads) == 3


def test_wait_last_sleep_ends_at_deadline() -> None:
    fake = FakeTime()
    _, read = reader("BUILD")
    with pytest.raises(ActionError) as caught:
        wait(read, fake, timeout=7.0)
    assert fake.sleeps == [3.0, 3.0, 1.0]
    assert caught.value.data["reads"] == 4
    assert caught.value.data["status"] == "BUILD"


def test_wait_timeout_message() -> None:
    _, read = reader("BUILD")
    with pytest.raises(ActionError) as caught:
        wait(read, FakeTime(), timeout=5.0)
    message = str(caught.value)
    assert message.startswith("server s1 did not reach ACTIVE within 5 s")
    assert "last status seen was 'BUILD'" in message
    assert "(failure statuses: ERROR)" in message
    assert "Raise timeout" in message


def test_wait_failure_message_and_data() -> None:
    _, read = reader("BUILD", "ERROR")
    with pytest.raises(ActionError) as caught:
        wait(read, FakeTime(), explain=lambda body: "disk full")
    assert str(caught.value) == (
        "server s1 reached status 'ERROR', which means failure (failure statuses: "
        "ERROR); expected ACTIVE. Reason given: disk full"
    )
    assert caught.value.data["reason"] == "disk full"
    assert caught.value.data["failure_statuses"] == ["ERROR"]


def test_expected_wins_over_failure() -> None:
    _, read = reader("ERROR")
    expected = StatusSet.of(["ERROR"])
    assert wait(read, FakeTime(), expected=expected) == {"status": "ERROR"}


def not_found() -> ServiceCallError:
    return ServiceCallError("compute GET failed with HTTP 404", {"status": 404})


def test_not_found_means_deleted() -> None:
    _, read = reader("DELETING", not_found())
    assert wait(read, FakeTime(), expected=StatusSet.of("DELETED")) == {}


def test_not_found_raises_when_not_waiting_for_delete() -> None:
    _, read = reader(not_found())
    with pytest.raises(ServiceCallError):
        wait(read, FakeTime())


def test_no_expected_status() -> None:
    _, read = reader("ACTIVE")
    with pytest.raises(ActionError, match="no expected status given for server s1"):
        wait(read, FakeTime(), expected=StatusSet.of([" "]))


@pytest.mark.parametrize(
    ("timeout", "interval", "message"),
    [
        (0, 1, "invalid timeout 0"),
        (-5, 1, "invalid timeout -5"),
        (math.inf, 1, "invalid timeout inf"),
        (math.nan, 1, "invalid timeout nan"),
        (10, -1, "invalid poll_interval -1"),
        (10, math.inf, "invalid poll_interval inf"),
    ],
)
def test_check_wait_arguments(timeout: float, interval: float, message: str) -> None:
    with pytest.raises(ActionError, match=message):
        check_wait_arguments(timeout, interval)


@pytest.mark.parametrize(
    ("patterns", "status", "matches"),
    [
        (["* failed"], "deploy failed", True),
        (["* failed"], "deploying", False),
        (["error", "error_*"], "error_extending", True),
        (["error", "error_*"], "available", False),
        (["*_FAILED", "ROLLBACK_COMPLETE"], "rollback_complete", True),
        (["ACTIVE"], None, False),
    ],
)
def test_status_set_patterns(
    patterns: list[str], status: str | None, matches: bool
) -> None:
    assert StatusSet.of(patterns).contains(status) is matches


def test_status_set_describe() -> None:
    assert StatusSet.of(["error", "error_*"]).describe() == "error or error_*"
    assert StatusSet.of(None).describe() == "none"


STATUS_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-"


@given(st.text(alphabet=STATUS_CHARACTERS, min_size=1))
def test_status_set_matches_itself_in_any_case(status: str) -> None:
    statuses = StatusSet.of([status])
    if statuses.patterns:
        assert statuses.contains(status.upper())
        assert statuses.contains(status.lower())
