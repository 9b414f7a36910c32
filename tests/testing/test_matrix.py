"""The support matrix: requirements per release, plugin tests, rendering."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

import testing.matrix
from action_sdk import RunContext, ServiceRequirement, action, hookimpl
from registry.catalog import PluginCatalog
from registry.discovery import catalog_from_plugins
from testing.fakecloud import RELEASES
from testing.matrix import (
    FAILED,
    NOT_SUPPORTED,
    PASSED,
    SUPPORTED,
    Cell,
    MatrixError,
    SupportMatrix,
    build_matrix,
    release_versions,
)
from testing.plugin_tests import PluginTestError, TestRecord


@action(
    "demo.hypervisors",
    version="1.0.0",
    requirements=(
        ServiceRequirement(
            "compute", 2, min_microversion="2.53", max_microversion="2.87"
        ),
    ),
)
def hypervisors_v1(context: RunContext) -> None:
    return None


@action(
    "demo.hypervisors",
    version="2.0.0",
    requirements=(
        ServiceRequirement("compute", 2, min_microversion="2.88"),
        ServiceRequirement("placement", 1),
    ),
)
def hypervisors_v2(context: RunContext) -> None:
    return None


@action(
    "demo.stacks",
    requirements=(ServiceRequirement("orchestration", 1, removed_in="epoxy"),),
)
def stacks(context: RunContext) -> None:
    return None


@action("demo.pure")
def pure() -> None:
    return None


@action("other.pure")
def other_pure() -> None:
    return None


class Plugin:
    def __init__(self, *actions: Any) -> None:
        self.actions = list(actions)

    @hookimpl
    def levante_actions(self) -> list[Any]:
        return self.actions


@pytest.fixture(scope="module")
def catalog() -> PluginCatalog:
    return catalog_from_plugins(
        {
            "demo": Plugin(hypervisors_v1, hypervisors_v2, stacks, pure),
            "other": Plugin(other_pure),
        }
    )


def cell_of(matrix: SupportMatrix, action: str, version: str, release: str) -> Cell:
    for cell in matrix.cells:
        if (cell.action, cell.version, cell.release) == (action, version, release):
            return cell
    raise AssertionError(f"no cell for {action} {version} on {release}")


@pytest.mark.parametrize(
    ("version", "release", "status", "default"),
    [
        ("1.0.0", "queens", SUPPORTED, True),
        ("1.0.0", "zed", SUPPORTED, False),
        ("2.0.0", "train", NOT_SUPPORTED, False),
        ("2.0.0", "zed", SUPPORTED, True),
        ("2.0.0", "gazpacho", SUPPORTED, True),
    ],
)
def test_requirements_per_release(
    catalog: PluginCatalog, version: str, release: str, status: str, default: bool
) -> None:
    matrix = build_matrix(catalog, plugin="demo", run_tests=False)
    cell = cell_of(matrix, "demo.hypervisors", version, release)
    assert cell.status == status
    assert cell.default is default


def test_reason_names_release(catalog: PluginCatalog) -> None:
    matrix = build_matrix(catalog, plugin="demo", releases=["queens"], run_tests=False)
    cell = cell_of(matrix, "demo.hypervisors", "2.0.0", "queens")
    assert cell.detail.startswith("the Queens cloud offers compute 2.1 to 2.60")
    assert "version discovery of placement on the Queens cloud failed" in cell.detail


def test_removal_by_declared_release(catalog: PluginCatalog) -> None:
    matrix = build_matrix(catalog, plugin="demo", run_tests=False)
    statuses = {
        release: cell_of(matrix, "demo.stacks", "1.0.0", release).status
        for release in RELEASES
    }
    assert statuses == {
        "queens": SUPPORTED,
        "train": SUPPORTED,
        "zed": SUPPORTED,
        "epoxy": NOT_SUPPORTED,
        "gazpacho": NOT_SUPPORTED,
    }


def test_removal_reason(catalog: PluginCatalog) -> None:
    matrix = build_matrix(catalog, plugin="demo", releases=["epoxy"], run_tests=False)
    cell = cell_of(matrix, "demo.stacks", "1.0.0", "epoxy")
    assert cell.detail == (
        "the API was removed in Epoxy, and the Epoxy cloud is declared as Epoxy"
    )


def test_plugin_filter(catalog: PluginCatalog) -> None:
    matrix = build_matrix(catalog, plugin="other", run_tests=False)
    assert {cell.action for cell in matrix.cells} == {"other.pure"}
    assert matrix.releases == RELEASES


def test_releases_in_series_order(catalog: PluginCatalog) -> None:
    matrix = build_matrix(
        catalog, plugin="other", releases=["gazpacho", "queens"], run_tests=False
    )
    assert matrix.releases == ("queens", "gazpacho")
    assert [cell.release for cell in matrix.cells] == ["queens", "gazpacho"]


def test_unknown_plugin(catalog: PluginCatalog) -> None:
    with pytest.raises(ValueError, match="loaded plugins: demo, other"):
        build_matrix(catalog, plugin="fleet", run_tests=False)


def test_unknown_release(catalog: PluginCatalog) -> None:
    with pytest.raises(ValueError, match="release kilo has no fake cloud facts"):
        build_matrix(catalog, releases=["kilo"], run_tests=False)


def test_release_versions_declare_release() -> None:
    versions = release_versions("train")
    assert versions.release == "train"
    assert versions.label == "the Train cloud"
    assert versions.api("compute", 2) is not None
    assert versions.api("compute", 2).max_microversion == "2.79"


def record(nodeid: str, release: str | None, version: str, outcome: str) -> Any:
    return TestRecord(nodeid, release, (version,), outcome)


#: What the plugin's tests report when run for train and zed.
RECORDS = [
    record("t.py::test_v1[train]", "train", "demo.hypervisors==1.0.0", "passed"),
    record("t.py::test_v1[zed]", "zed", "demo.hypervisors==1.0.0", "failed"),
    record("t.py::test_v2[zed]", "zed", "demo.hypervisors==2.0.0", "passed"),
    record("t.py::test_pure", None, "demo.pure==1.0.0", "skipped"),
]


@pytest.fixture
def tested(
    catalog: PluginCatalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[SupportMatrix, list[Any]]:
    """Build the matrix for train and zed with RECORDS as the test outcomes."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_demo.py").write_text("# levante_action\n")
    calls: list[Any] = []

    def run(root: Path, files: list[Path], plan: dict[str, list[str]]) -> Any:
        calls.append((root, [path.name for path in files], plan))
        return RECORDS

    monkeypatch.setattr(testing.matrix, "run_plugin_tests", run)
    lines: list[str] = []
    matrix = build_matrix(
        catalog,
        plugin="demo",
        releases=["train", "zed"],
        test_roots={"demo": tmp_path},
        progress=lines.append,
    )
    assert lines == [f"running the tests in {tmp_path / 'tests'} on train, zed"]
    return matrix, calls


def test_plan_lists_fitting_versions(tested: tuple[SupportMatrix, list[Any]]) -> None:
    _, calls = tested
    assert len(calls) == 1
    _, files, plan = calls[0]
    assert files == ["test_demo.py"]
    assert plan["train"] == [
        "demo.hypervisors==1.0.0",
        "demo.pure==1.0.0",
        "demo.stacks==1.0.0",
    ]
    assert plan["zed"] == [
        "demo.hypervisors==1.0.0",
        "demo.hypervisors==2.0.0",
        "demo.pure==1.0.0",
        "demo.stacks==1.0.0",
    ]


@pytest.mark.parametrize(
    ("version", "release", "status", "detail"),
    [
        ("1.0.0", "train", PASSED, "1 test passed"),
        ("2.0.0", "zed", PASSED, "1 test passed"),
        ("1.0.0", "zed", FAILED, "1 of 1 test failed: t.py::test_v1[zed]"),
    ],
)
def test_cells_from_tests(
    tested: tuple[SupportMatrix, list[Any]],
    version: str,
    release: str,
    status: str,
    detail: str,
) -> None:
    cell = cell_of(tested[0], "demo.hypervisors", version, release)
    assert cell.status == status
    assert cell.detail == detail


def test_failed_matrix(tested: tuple[SupportMatrix, list[Any]]) -> None:
    matrix = tested[0]
    assert matrix.failed
    cell = cell_of(matrix, "demo.hypervisors", "1.0.0", "zed")
    assert cell.failures == ("t.py::test_v1[zed]",)
    assert cell.tests == ("t.py::test_v1[zed]",)


@pytest.mark.parametrize("release", ["train", "zed"])
def test_skipped_tests_leave_supported(
    tested: tuple[SupportMatrix, list[Any]], release: str
) -> None:
    cell = cell_of(tested[0], "demo.pure", "1.0.0", release)
    assert cell.status == SUPPORTED
    assert cell.detail == "requirements fit; the tests of this version were skipped"


def test_untested_version_supported(tested: tuple[SupportMatrix, list[Any]]) -> None:
    cell = cell_of(tested[0], "demo.stacks", "1.0.0", "train")
    assert cell.status == SUPPORTED
    assert cell.detail == (
        "requirements fit; no test of this version ran on this release"
    )


def test_tests_that_cannot_run(
    catalog: PluginCatalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_demo.py").write_text("# levante_action\n")

    def run(root: Path, files: list[Path], plan: dict[str, list[str]]) -> Any:
        raise PluginTestError("the tests did not run")

    monkeypatch.setattr(testing.matrix, "run_plugin_tests", run)
    with pytest.raises(MatrixError, match="the tests did not run"):
        build_matrix(
            catalog, plugin="demo", releases=["zed"], test_roots={"demo": tmp_path}
        )


def test_no_test_files_no_run(
    catalog: PluginCatalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(root: Path, files: list[Path], plan: dict[str, list[str]]) -> Any:
        raise AssertionError("nothing should run")

    monkeypatch.setattr(testing.matrix, "run_plugin_tests", run)
    matrix = build_matrix(
        catalog, plugin="demo", releases=["zed"], test_roots={"demo": tmp_path}
    )
    assert {cell.status for cell in matrix.cells} <= {SUPPORTED, NOT_SUPPORTED}


def sample_matrix() -> SupportMatrix:
    cells = (
        Cell("demo.a", "1.0.0", "demo", "queens", PASSED, "2 tests passed", True),
        Cell("demo.a", "1.0.0", "demo", "zed", NOT_SUPPORTED, "the Zed cloud | x"),
        Cell("demo.a", "2.0.0", "demo", "queens", NOT_SUPPORTED, "too old"),
        Cell("demo.a", "2.0.0", "demo", "zed", FAILED, "1 of 1 test failed: t", True),
    )
    return SupportMatrix(("queens", "zed"), cells)


def test_markdown_table() -> None:
    assert sample_matrix().to_markdown() == textwrap.dedent(
        """\
        | action | version | queens | zed |
        | --- | --- | --- | --- |
        | `demo.a` | 1.0.0 | passed (default) | not supported [1] |
        | `demo.a` | 2.0.0 | not supported [2] | failed (default) [3] |

        1. demo.a 1.0.0 on zed: the Zed cloud | x
        2. demo.a 2.0.0 on queens: too old
        3. demo.a 2.0.0 on zed: 1 of 1 test failed: t
        """
    )


def test_matrix_as_dict() -> None:
    document = sample_matrix().to_dict()
    assert document["releases"] == ["queens", "zed"]
    assert document["cells"][0] == {
        "action": "demo.a",
        "version": "1.0.0",
        "plugin": "demo",
        "release": "queens",
        "status": "passed",
        "detail": "2 tests passed",
        "default": True,
        "tests": [],
        "failures": [],
    }
