"""Fixtures of the fleet plugin's tests."""

from __future__ import annotations

import pytest
from hypervisor_bodies import serve_hypervisors

from testing import FakeCloud


@pytest.fixture
def fleet_cloud(fake_cloud: FakeCloud) -> FakeCloud:
    """The test's fake cloud, serving three hypervisors (one disabled)."""
    serve_hypervisors(fake_cloud)
    return fake_cloud
