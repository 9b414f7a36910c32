"""Execution and task states, with the names Mistral uses for them."""

from __future__ import annotations

IDLE = "IDLE"
WAITING = "WAITING"
RUNNING = "RUNNING"
RUNNING_DELAYED = "RUNNING_DELAYED"
PAUSED = "PAUSED"
SUCCESS = "SUCCESS"
ERROR = "ERROR"
CANCELLED = "CANCELLED"

#: States after which nothing about an execution or task changes by itself.
COMPLETED = frozenset({SUCCESS, ERROR, CANCELLED})

#: Task states that keep a workflow from finishing.
ACTIVE = frozenset({IDLE, WAITING, RUNNING, RUNNING_DELAYED})


def is_completed(state: str) -> bool:
    return state in COMPLETED
