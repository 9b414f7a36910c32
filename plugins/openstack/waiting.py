"""Poll a cloud resource until it reaches a status, fails or times out.

The waiting actions (``nova.servers_wait_for_status``,
``cinder.volumes_wait_for_status``, ``ironic.node_wait_for_provision_state``,
``heat.stacks_wait_for_status``) read the resource, compare its status with
the expected and the failure statuses, and sleep between reads. Statuses are
compared without regard to case, so ``active`` matches nova's ``ACTIVE``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from action_sdk import ActionError, ServiceCallError

#: Status reported for a resource whose read returns 404 Not Found. Waiting
#: for it waits until the resource is gone.
DELETED = "DELETED"


@dataclass(frozen=True)
class Observation:
    """One read of a resource: its status and its body."""

    status: str | None
    body: dict[str, Any]


@dataclass(frozen=True)
class StatusSet:
    """Statuses given by name or by shell-style pattern, such as ``* failed``.

    Ironic reports failures as ``deploy failed``, ``clean failed`` and so on,
    and cinder as ``error``, ``error_extending`` and so on, so patterns name
    them all. Matching ignores case.
    """

    patterns: tuple[str, ...] = ()

    @classmethod
    def of(cls, patterns: str | Iterable[str] | None) -> StatusSet:
        """Build a set from one pattern or several, dropping blanks."""
        if patterns is None:
            return cls()
        if isinstance(patterns, str):
            patterns = [patterns]
        return cls(tuple(p.strip() for p in patterns if p.strip()))

    def contains(self, status: str | None) -> bool:
        """Return whether ``status`` matches one of the patterns."""
        if status is None:
            return False
        folded = status.strip().casefold()
        return any(fnmatchcase(folded, p.casefold()) for p in self.patterns)

    def describe(self) -> str:
        """Return the patterns as text, such as ``error or error_*``."""
        return " or ".join(self.patterns) if self.patterns else "none"


def check_wait_arguments(timeout: float, poll_interval: float) -> None:
    """Raise ActionError unless timeout and poll interval are usable.

    Raises:
        ActionError: ``timeout`` is not a positive finite number of seconds, or
            ``poll_interval`` is negative or not finite.
    """
    if not math.isfinite(timeout) or timeout <= 0:
        raise ActionError(
            f"invalid timeout {timeout!r}; give the maximum wait in seconds as a "
            "number above 0"
        )
    if not math.isfinite(poll_interval) or poll_interval < 0:
        raise ActionError(
            f"invalid poll_interval {poll_interval!r}; give the seconds between "
            "reads as a number of at least 0"
        )


def wait_for_status(
    read: Callable[[], Observation],
    *,
    resource: str,
    expected: StatusSet,
    failures: StatusSet,
    timeout: float,
    poll_interval: float,
    explain: Callable[[dict[str, Any]], str | None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """Read a resource until its status is expected, then return its body.

    The first read happens at once. A 404 from ``read`` counts as the status
    ``DELETED`` when that status is expected, and is raised otherwise.

    Args:
        read: Reads the resource once.
        resource: Name for messages, such as "server 5b1e".
        expected: Statuses that end the wait with success.
        failures: Statuses that end the wait with an error.
        timeout: Maximum seconds to wait.
        poll_interval: Seconds to sleep between reads.
        explain: Returns the reason a failed resource gives (nova's fault
            message, ironic's ``last_error``), or None.

    Raises:
        ActionError: The resource reached a failure status, or the timeout
            passed; the message names the last status seen, the expected
            statuses and the failure statuses.
        ServiceCallError: A read failed.
    """
    check_wait_arguments(timeout, poll_interval)
    if not expected.patterns:
        raise ActionError(f"no expected status given for {resource}; give at least one")
    deadline = clock() + timeout
    reads = 0
    while True:
        observation = _read_once(read, expected)
        reads += 1
        if expected.contains(observation.status):
            return observation.body
        if failures.contains(observation.status):
            raise _failed(resource, observation, expected, failures, explain)
        remaining = deadline - clock()
        if remaining <= 0:
            raise _timed_out(resource, observation, expected, failures, timeout, reads)
        sleep(min(poll_interval, remaining))


def _read_once(read: Callable[[], Observation], expected: StatusSet) -> Observation:
    try:
        return read()
    except ServiceCallError as error:
        if error.status == 404 and expected.contains(DELETED):
            return Observation(DELETED, {})
        raise


def _failed(
    resource: str,
    observation: Observation,
    expected: StatusSet,
    failures: StatusSet,
    explain: Callable[[dict[str, Any]], str | None] | None,
) -> ActionError:
    reason = explain(observation.body) if explain is not None else None
    message = (
        f"{resource} reached status {observation.status!r}, which means failure "
        f"(failure statuses: {failures.describe()}); expected {expected.describe()}"
    )
    if reason:
        message += f". Reason given: {reason}"
    return ActionError(
        message,
        data={
            "resource": resource,
            "status": observation.status,
            "expected": list(expected.patterns),
            "failure_statuses": list(failures.patterns),
            "reason": reason,
            "body": observation.body,
        },
    )


def _timed_out(
    resource: str,
    observation: Observation,
    expected: StatusSet,
    failures: StatusSet,
    timeout: float,
    reads: int,
) -> ActionError:
    return ActionError(
        f"{resource} did not reach {expected.describe()} within {timeout:g} s; "
        f"the last status seen was {observation.status!r} after {reads} reads "
        f"(failure statuses: {failures.describe()}). Raise timeout if the "
        "operation needs longer",
        data={
            "resource": resource,
            "status": observation.status,
            "expected": list(expected.patterns),
            "failure_statuses": list(failures.patterns),
            "timeout": timeout,
            "reads": reads,
            "body": observation.body,
        },
    )
