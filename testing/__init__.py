"""Test helpers for plugin authors and for Levante's own tests.

The classes here work without pytest: `FakeCloud` serves a fake OpenStack
cloud of one release through `responses`, `CloudRecorder` records HTTP
exchanges with a real cloud into a cassette and replays them, and
`WorkflowRunner` runs workflows in-process with canned actions. The pytest
fixtures that wrap them live in `testing.pytest_plugin`, which pytest loads
through the `pytest11` entry point.
"""

from testing.fakecloud import RELEASES, FakeCloud
from testing.recording import CassetteMissError, CloudRecorder, RecordingError
from testing.assertions import assert_output, assert_succeeded, assert_task
from testing.releases import SERVICE_TYPES, ApiVersion, ServiceRelease, service_release
from testing.workflows import TaskRun, WorkflowRun, WorkflowRunner

__all__ = [
    "RELEASES",
    "SERVICE_TYPES",
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
