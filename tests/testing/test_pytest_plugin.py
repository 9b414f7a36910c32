"""The pytest plugin: releases marker, fake_cloud fixtures and the record option."""

from __future__ import annotations

import pytest
from keystoneauth1 import session
from keystoneauth1.identity import v3

from testing.fakecloud import FakeCloud
from testing.pytest_plugin import DEFAULT_RELEASE

pytest_plugins = ["pytester"]


def test_fake_cloud_default_release(fake_cloud: FakeCloud) -> None:
    assert fake_cloud.release == DEFAULT_RELEASE == "epoxy"


@pytest.mark.releases("queens", "gazpacho")
def test_marker_parametrizes(
    fake_cloud: FakeCloud, openstack_release: str, request: pytest.FixtureRequest
) -> None:
    assert fake_cloud.release == openstack_release
    assert request.node.callspec.id == openstack_release


@pytest.mark.releases("train")
def test_marker_alone_sets_release(openstack_release: str) -> None:
    assert openstack_release == "train"


@pytest.mark.parametrize("fake_cloud", ["zed"], indirect=True)
def test_indirect_parametrization(fake_cloud: FakeCloud) -> None:
    assert fake_cloud.release == "zed"


def test_fake_cloud_serves_keystone(fake_cloud: FakeCloud) -> None:
    ks_session = session.Session(auth=v3.Password(**fake_cloud.cloud_config()["auth"]))
    assert ks_session.get_endpoint(service_type="compute") == fake_cloud.endpoint(
        "compute"
    )
    ks_session.session.close()


def test_factory_builds_clouds_side_by_side(
    fake_cloud: FakeCloud, fake_cloud_factory: object
) -> None:
    assert callable(fake_cloud_factory)
    old = fake_cloud_factory("queens", services=["compute"])
    new = fake_cloud_factory("gazpacho", region="RegionTwo")
    assert old.microversion_range("compute") == ("2.1", "2.60")
    assert new.microversion_range("compute") == ("2.1", "2.103")
    assert new.region == "RegionTwo"
    endpoints = {cloud.endpoint("compute") for cloud in (fake_cloud, old, new)}
    assert len(endpoints) == 3
    for cloud in (old, new):
        auth = v3.Password(**cloud.cloud_config()["auth"])
        ks_session = session.Session(auth=auth)
        assert ks_session.get_endpoint(service_type="compute") == cloud.endpoint(
            "compute"
        )
        ks_session.session.close()


def test_collected_ids_are_release_names(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.releases("queens", "zed")
        def test_one(fake_cloud):
            pass
        """
    )
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(["*test_one[[]queens[]]", "*test_one[[]zed[]]"])


@pytest.mark.parametrize(
    ("marker", "fixture", "message"),
    [
        ('"rocky"', "fake_cloud", "unknown OpenStack release 'rocky'"),
        ("", "fake_cloud", "needs at least one release"),
        ('"zed"', "tmp_path", "needs a test that uses fake_cloud or openstack_release"),
    ],
)
def test_marker_misuse_is_reported(
    pytester: pytest.Pytester, marker: str, fixture: str, message: str
) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.releases({marker})
        def test_one({fixture}):
            pass
        """
    )
    result = pytester.runpytest("-q")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines([f"*{message}*"])


def test_record_option_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--levante-record*"])
