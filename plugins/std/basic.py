"""Basic std actions without I/O, with the semantics of Mistral 23.0.0."""

from __future__ import annotations

import time
from typing import Any

from action_sdk import ActionError, action

#: Message of std.fail when it has no error data, the same text as Mistral's.
FAIL_MESSAGE = "Fail action expected exception."


@action("std.noop")
def noop() -> None:
    """Do nothing and return None."""
    return None


@action("std.async_noop", is_async=True)
def async_noop() -> None:
    """Do nothing; the task waits until its result is sent through the API."""
    return None


@action("std.echo")
def echo(output: Any, delay: float = 0) -> Any:
    """Return the given output, optionally after a delay.

    Args:
        output: Value to return as the action result.
        delay: Seconds to wait before returning; negative values count as 0.
    """
    if delay > 0:
        time.sleep(delay)
    return output


@action("std.fail")
def fail(error_data: Any = None) -> None:
    """Fail the task, with ``error_data`` as its result when it is given.

    Args:
        error_data: Value that the failed task shows as its result. Like Mistral,
            a false value (null, false, 0, "", [] or {}) counts as not given.

    Raises:
        ActionError: Always.
    """
    if error_data:
        raise ActionError(str(error_data), data=error_data)
    raise ActionError(FAIL_MESSAGE)


@action("std.sleep")
def sleep(seconds: float = 1) -> None:
    """Sleep for whole seconds and return None.

    Args:
        seconds: Time to sleep. Like Mistral, the value is truncated to whole
            seconds and negative values count as 0.
    """
    whole_seconds = int(seconds)
    if whole_seconds > 0:
        time.sleep(whole_seconds)
    return None


@action("std.test_dict")
def test_dict(size: int = 0, key_prefix: str = "", val: Any = "") -> dict[str, Any]:
    """Return a dict of ``size`` entries, for tests with large results.

    Args:
        size: Number of entries.
        key_prefix: Text before the index in each key, such as "k" for "k0".
        val: Value of every entry.
    """
    return {f"{key_prefix}{index}": val for index in range(size)}
