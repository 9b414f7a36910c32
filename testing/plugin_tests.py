"""Find a plugin's tests and run them against OpenStack releases.

A plugin's tests take part in the support matrix under three conditions.
The plugin's distribution was installed from a source tree (``pip install
-e DIR`` or ``pip install DIR``, which its ``direct_url.json`` records). The
tree has a ``tests`` folder. A test there carries
``@pytest.mark.levante_action`` with the action versions it covers, each a
name and an optional version pin such as ``"fleet.capacity@1"``.

``run_plugin_tests`` runs those tests in one separate pytest process that
loads this module as a plugin (``-p testing.plugin_tests``). The caller's
plan lists, per release, the action versions whose tests should run there.
The module's hooks keep a marked test for a release when it covers one of
that release's versions:

- a test with the ``releases`` marker runs for the planned releases that the
  marker names;
- a test parametrized with ``fake_cloud`` runs for the planned values;
- any other test that uses ``fake_cloud`` or ``openstack_release`` runs for
  every planned release, as if it were marked with all of them;
- a test that uses neither runs once, and its outcome counts for every
  release.

The outcome of each test is written to a JSON report that the caller reads.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import pytest

from registry.errors import InvalidPin
from registry.pins import split_pin

if TYPE_CHECKING:
    from registry.resolution import Resolution

#: Marker that names the action versions a test covers.
MARKER = "levante_action"
#: Exit statuses of pytest that still produce a complete report: all passed,
#: some failed, no test selected.
_COMPLETE_RUNS = (0, 1, 5)
_MAX_OUTPUT_LINES = 40


@dataclass(frozen=True)
class TestRecord:
    """The outcome of one test of a plugin test run."""

    __test__ = False  # not a test class, despite its name

    nodeid: str
    #: The release the test ran against; None for a test that uses no cloud.
    release: str | None
    #: Action versions the test covers, as ``name==version``.
    versions: tuple[str, ...]
    #: "passed", "failed" or "skipped".
    outcome: str


class PluginTestError(Exception):
    """A plugin's tests could not run, as on a collection error."""


def find_test_root(distribution: str) -> Path | None:
    """Return the source tree a distribution was installed from, or None.

    None when the distribution came from an index or an archive, because then
    no source tree with tests exists.
    """
    # An egg-info folder in the working directory can shadow the installed
    # metadata, so every copy of the distribution's metadata is read.
    for found in importlib.metadata.distributions(name=distribution):
        text = found.read_text("direct_url.json")
        if not text:
            continue
        url = urlsplit(str(json.loads(text).get("url", "")))
        root = Path(unquote(url.path))
        if url.scheme == "file" and root.is_dir():
            return root
    return None


def find_test_files(root: Path) -> list[Path]:
    """Return the test files under ``root/tests`` that use the marker."""
    folder = root / "tests"
    if not folder.is_dir():
        return []
    candidates = sorted(folder.rglob("test_*.py")) + sorted(folder.rglob("*_test.py"))
    return [path for path in candidates if MARKER in path.read_text(errors="replace")]


def run_plugin_tests(
    root: Path, files: Sequence[Path], plan: Mapping[str, Sequence[str]]
) -> list[TestRecord]:
    """Run the marked tests in ``files`` for the planned releases.

    Args:
        root: Folder the tests run from, so the plugin's pytest settings apply.
        files: Test files to collect.
        plan: Release to the action versions (``name==version``) whose tests
            run on it.

    Raises:
        PluginTestError: pytest failed to collect or run the tests; the
            message ends with the last lines of its output.
    """
    with tempfile.TemporaryDirectory(prefix="levante-matrix-") as folder:
        plan_file = Path(folder) / "plan.json"
        plan_file.write_text(
            json.dumps({key: list(value) for key, value in plan.items()})
        )
        report = Path(folder) / "report.json"
        command = [
            sys.executable,
            "-m",
            "pytest",
            *(str(path) for path in files),
            "-p",
            __name__,
            "-p",
            "no:cacheprovider",
            "-q",
            f"--levante-matrix-plan={plan_file}",
            f"--levante-matrix-report={report}",
        ]
        completed = subprocess.run(
            command, cwd=root, capture_output=True, text=True, check=False
        )
        if completed.returncode not in _COMPLETE_RUNS or not report.exists():
            output = (completed.stdout + completed.stderr).strip().splitlines()
            tail = "\n".join(output[-_MAX_OUTPUT_LINES:])
            raise PluginTestError(
                f"the tests in {root} did not run (pytest exit status "
                f"{completed.returncode}); fix them and run 'python -m pytest "
                f"tests' there to check. pytest output:\n{tail}"
            )
        entries = json.loads(report.read_text())["tests"]
    return [
        TestRecord(
            entry["nodeid"],
            entry["release"],
            tuple(entry["versions"]),
            entry["outcome"],
        )
        for entry in entries
    ]


def covered_versions(
    markers: Iterable[str], versions: Iterable[str], where: str
) -> list[str]:
    """Return the ``name==version`` entries that any marker argument matches.

    Raises:
        ValueError: A marker argument is not ``name`` or ``name@pin``.
    """
    patterns = []
    for text in markers:
        if not isinstance(text, str) or not text.strip():
            raise ValueError(
                f"{where}: {MARKER} needs action names such as 'fleet.capacity@1', "
                f"got {text!r}"
            )
        try:
            patterns.append(split_pin(text))
        except InvalidPin as error:
            raise ValueError(f"{where}: {MARKER}({text!r}): {error}") from None
    matched = []
    for entry in versions:
        name, _, version = entry.partition("==")
        for pattern_name, pin in patterns:
            if pattern_name == name and (pin is None or pin.matches(version)):
                matched.append(entry)
                break
    return matched


def credited_versions(declared: Sequence[str], ran: set[str]) -> list[str]:
    """Return the declared versions that a test's outcome counts for.

    For an action that the test ran through an ``ActionRunner``, or in a
    ``WorkflowRunner`` run on a cloud, only the versions that ran count, so
    a test marked ``name@1`` that ran 1.1.0 does not count for 1.0.0. Other
    declared actions count as declared.
    """
    ran_names = {version.partition("==")[0] for version in ran}
    return [
        version
        for version in declared
        if version in ran or version.partition("==")[0] not in ran_names
    ]


# The hooks below run inside the pytest process that run_plugin_tests starts.


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("levante matrix")
    group.addoption(
        "--levante-matrix-plan",
        help="JSON file that maps each release to the action versions (name==version) "
        "whose tests run on it",
    )
    group.addoption("--levante-matrix-report", help="JSON file for the outcomes")


def pytest_configure(config: pytest.Config) -> None:
    plan = config.getoption("--levante-matrix-plan")
    report = config.getoption("--levante-matrix-report")
    if not plan or not report:
        raise pytest.UsageError(
            "the plugin testing.plugin_tests needs --levante-matrix-plan and "
            "--levante-matrix-report; 'levante actions matrix' loads it and gives "
            "both"
        )
    recorder = _Recorder(json.loads(Path(plan).read_text()), Path(report))
    config.pluginmanager.register(recorder, "levante-matrix-recorder")
    from testing.actions import add_run_listener

    add_run_listener(recorder.record_run)


class _Recorder:
    """Selects the tests of a plugin test run and records their outcomes."""

    def __init__(self, plan: dict[str, list[str]], report: Path) -> None:
        self.plan = plan
        self.report = report
        self.all_versions = sorted({v for versions in plan.values() for v in versions})
        self.selected: dict[str, tuple[str | None, list[str]]] = {}
        self.outcomes: dict[str, str] = {}
        #: Action versions each test ran through an ActionRunner or in a
        #: WorkflowRunner run on a cloud.
        self.ran: dict[str, set[str]] = {}
        self.current: str | None = None

    def record_run(self, resolution: Resolution) -> None:
        """Note an action version that the current test runs."""
        if self.current is not None:
            version = f"{resolution.action}=={resolution.version}"
            self.ran.setdefault(self.current, set()).add(version)

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.current = nodeid

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        self.current = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        definition = metafunc.definition
        if definition.get_closest_marker(MARKER) is None:
            return
        if definition.get_closest_marker("releases") is not None:
            return
        if "openstack_release" not in metafunc.fixturenames:
            return
        parametrized = {
            name.strip()
            for mark in definition.iter_markers("parametrize")
            for name in _argnames(mark.args[0])
        }
        if parametrized & {"fake_cloud", "openstack_release"}:
            return
        definition.add_marker(pytest.mark.releases(*self.plan))

    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        kept, dropped = [], []
        for item in items:
            release = _release_of(item)
            planned = self.all_versions if release is None else self.plan.get(release)
            arguments = [
                argument for mark in item.iter_markers(MARKER) for argument in mark.args
            ]
            try:
                covered = covered_versions(arguments, planned or [], item.nodeid)
            except ValueError as error:
                raise pytest.UsageError(str(error)) from None
            if covered:
                self.selected[item.nodeid] = (release, covered)
                kept.append(item)
            else:
                dropped.append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.nodeid not in self.selected:
            return
        previous = self.outcomes.get(report.nodeid)
        if report.failed:
            self.outcomes[report.nodeid] = "failed"
        elif report.skipped and previous != "failed":
            self.outcomes[report.nodeid] = "skipped"
        elif report.when == "call" and previous is None:
            self.outcomes[report.nodeid] = "passed"

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        tests: list[dict[str, Any]] = [
            {
                "nodeid": nodeid,
                "release": release,
                "versions": credited_versions(versions, self.ran.get(nodeid, set())),
                "outcome": self.outcomes[nodeid],
            }
            for nodeid, (release, versions) in self.selected.items()
            if nodeid in self.outcomes
        ]
        self.report.write_text(json.dumps({"tests": tests}))


def _argnames(argnames: Any) -> list[str]:
    if isinstance(argnames, str):
        return argnames.split(",")
    return [str(name) for name in argnames]


def _release_of(item: pytest.Item) -> str | None:
    """Return the release a collected test runs against, None if it uses none."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    for name in ("fake_cloud", "openstack_release"):
        if name in callspec.params:
            return str(callspec.params[name])
    return None
