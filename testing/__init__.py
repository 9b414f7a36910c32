"""Test helpers for plugin authors and for Levante's own tests.

The classes here work without pytest. `FakeCloud` serves a fake OpenStack
cloud of one release through `responses`. `CloudRecorder` records HTTP
exchanges with a real cloud into a cassette and replays them.
`WorkflowRunner` runs workflows in-process with canned actions, with no
cloud or on a fake or recorded one, and `ActionRunner` resolves and runs
one action as the engine does. The pytest
fixtures that wrap them live in `testing.pytest_plugin`, which pytest loads
through the `pytest11` entry point.
"""

import importlib
from typing import TYPE_CHECKING, Any

from testing.assertions import assert_output, assert_succeeded, assert_task
from testing.fakecloud import RELEASES, FakeCloud
from testing.recording import CassetteMissError, CloudRecorder, RecordingError
from testing.releases import SERVICE_TYPES, ApiVersion, ServiceRelease, service_release
from testing.workflows import TaskRun, WorkflowRun, WorkflowRunner

if TYPE_CHECKING:
    from testing.actions import ActionRun, ActionRunner

#: Names imported on first use, because the registry modules that the action
#: runner needs take most of a second to import, and pytest imports this
#: package in every run through the plugin.
_LAZY_NAMES = {"ActionRun": "testing.actions", "ActionRunner": "testing.actions"}

__all__ = [
    "RELEASES",
    "SERVICE_TYPES",
    "ActionRun",
    "ActionRunner",
    "ApiVersion",
    "CassetteMissError",
    "CloudRecorder",
    "FakeCloud",
    "RecordingError",
    "ServiceRelease",
    "TaskRun",
    "WorkflowRun",
    "WorkflowRunner",
    "assert_output",
    "assert_succeeded",
    "assert_task",
    "service_release",
]


def __getattr__(name: str) -> Any:
    module = _LAZY_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'testing' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
