"""Test helpers for plugin authors and for Levante's own tests.

The classes here work without pytest: `FakeCloud` serves a fake OpenStack
cloud of one release through `responses`, and `CloudRecorder` records HTTP
exchanges with a real cloud into a cassette and replays them. The pytest
fixtures that wrap them live in `testing.pytest_plugin`, which pytest loads
through the `pytest11` entry point.
"""

from testing.fakecloud import RELEASES, FakeCloud
from testing.recording import CassetteMissError, CloudRecorder, RecordingError
from testing.releases import SERVICE_TYPES, ApiVersion, ServiceRelease, service_release

__all__ = [
    "RELEASES",
    "SERVICE_TYPES",
    "ApiVersion",
    "CassetteMissError",
    "CloudRecorder",
    "FakeCloud",
    "RecordingError",
    "ServiceRelease",
    "service_release",
]
