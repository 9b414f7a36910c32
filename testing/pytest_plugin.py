"""pytest plugin of Levante: fake OpenStack clouds and recorded cloud sessions.

Registered under the `pytest11` entry point, so every pytest run in an
environment with Levante installed loads it. Fixtures:

- `fake_cloud`: a started `FakeCloud` of the release given by the
  `releases` marker or by indirect parametrization (default "epoxy");
- `openstack_release`: the release name the test runs against;
- `fake_cloud_factory`: builds more started clouds, each on its own ports;
- `cloud_recorder`: records HTTP exchanges with a real cloud, or replays them;
- `workflow_runner`: a `WorkflowRunner` that runs workflows in-process on an
  in-memory database, with actions replaceable by canned results, with no
  cloud or on a fake or recorded one (`run(text, cloud=fake_cloud)`);
- `action_runner`: an `ActionRunner` that resolves and runs one installed
  action as the engine does, on a fake cloud or explicit service versions.

The marker `@pytest.mark.releases("queens", "zed")` runs a test once per
release, with the release name as the test id. The marker
`@pytest.mark.levante_action("name@version")` names the action versions a
test covers, so `levante actions matrix` can run it per release.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from testing.fakecloud import RELEASES, FakeCloud
from testing.recording import CloudRecorder, cassette_path, record_mode_enabled
from testing.releases import check_release
from testing.workflows import WorkflowRunner

if TYPE_CHECKING:
    from registry.catalog import PluginCatalog
    from testing.actions import ActionRunner

DEFAULT_RELEASE = "epoxy"
_MARKER = "releases"
#: Step between the auth URL ports of factory clouds, and their max number.
_FACTORY_PORT_STEP = 100
_FACTORY_MAX_CLOUDS = 40

FakeCloudFactory = Callable[..., FakeCloud]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("levante")
    group.addoption(
        "--levante-record",
        action="store_true",
        default=False,
        help=(
            "record the HTTP exchanges of tests that use cloud_recorder against "
            "a real cloud into their YAML cassettes (same as LEVANTE_RECORD=1)"
        ),
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(*names): run the test once per OpenStack release "
        f"({', '.join(RELEASES)}) through the fake_cloud fixture",
    )
    config.addinivalue_line(
        "markers",
        "levante_action(*names): the action versions this test covers, as "
        "name@pin such as fleet.capacity@1; levante actions matrix runs it "
        "for each release",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker(_MARKER)
    if marker is None:
        return
    names = list(marker.args)
    where = metafunc.definition.nodeid
    if not names:
        pytest.fail(
            f"{where}: the releases marker needs at least one release; "
            f"choose from {', '.join(RELEASES)}",
            pytrace=False,
        )
    for name in names:
        try:
            check_release(name)
        except ValueError as error:
            pytest.fail(f"{where}: {error}", pytrace=False)
    if "openstack_release" not in metafunc.fixturenames:
        pytest.fail(
            f"{where}: the releases marker needs a test that uses fake_cloud "
            "or openstack_release",
            pytrace=False,
        )
    metafunc.parametrize("openstack_release", names, ids=names)


@pytest.fixture
def openstack_release() -> str:
    """Return the OpenStack release a test runs against ("epoxy" by default)."""
    return DEFAULT_RELEASE


@pytest.fixture
def fake_cloud(
    request: pytest.FixtureRequest, openstack_release: str
) -> Iterator[FakeCloud]:
    """Yield a started fake cloud with every service of the test's release."""
    release = getattr(request, "param", openstack_release)
    with FakeCloud(check_release(release)) as cloud:
        yield cloud


@pytest.fixture
def fake_cloud_factory() -> Iterator[FakeCloudFactory]:
    """Build started fake clouds on distinct ports, all stopped after the test.

    Call it as `fake_cloud_factory(release, services=None, region="RegionOne")`.
    """
    clouds: list[FakeCloud] = []

    def build(
        release: str,
        services: Iterable[str] | None = None,
        *,
        region: str = "RegionOne",
    ) -> FakeCloud:
        if len(clouds) >= _FACTORY_MAX_CLOUDS:
            raise RuntimeError(
                f"fake_cloud_factory builds at most {_FACTORY_MAX_CLOUDS} "
                "clouds per test"
            )
        # Leave 5000 to the fake_cloud fixture, which may run in the same test.
        port = 5000 + _FACTORY_PORT_STEP * (len(clouds) + 1)
        cloud = FakeCloud(
            release,
            services=services,
            region=region,
            auth_url=f"http://127.0.0.1:{port}/v3",
        )
        clouds.append(cloud.start())
        return cloud

    yield build
    for cloud in clouds:
        cloud.stop()


@pytest.fixture
def cloud_recorder(request: pytest.FixtureRequest) -> Iterator[CloudRecorder]:
    """Record this test's HTTP exchanges, or replay them from its cassette.

    Record mode (`--levante-record` or LEVANTE_RECORD=1) sends requests to
    the real hosts and saves the cassette at teardown. Replay mode, the
    default, serves responses from the cassette beside the test file.
    """
    record = record_mode_enabled(bool(request.config.getoption("--levante-record")))
    path = cassette_path(Path(str(request.path)), request.node.name)
    recorder = CloudRecorder(path, record=record)
    with recorder:
        yield recorder
    if recorder.misses:
        pytest.fail(recorder.miss_report(), pytrace=False)


@pytest.fixture
def workflow_runner(_levante_catalog: PluginCatalog) -> WorkflowRunner:
    """Run workflows in-process; replace actions with ``runner.replace(...)``.

    Pass ``cloud=fake_cloud`` to ``run`` to run on the test's fake cloud.
    """
    return WorkflowRunner(_levante_catalog)


@pytest.fixture(scope="session")
def _levante_catalog() -> PluginCatalog:
    """Load the installed plugins once per session for the runner fixtures."""
    from registry.discovery import load_plugins

    return load_plugins()


@pytest.fixture
def action_runner(_levante_catalog: PluginCatalog) -> ActionRunner:
    """Run one installed action as the engine does; see ``ActionRunner.run``."""
    # Imported here because the registry modules take most of a second to
    # import, and pytest loads this plugin in every run.
    from testing.actions import ActionRunner

    return ActionRunner(_levante_catalog)
