"""Finding a plugin's marked tests and running them per release."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from testing.plugin_tests import (
    PluginTestError,
    TestRecord,
    covered_versions,
    credited_versions,
    find_test_files,
    find_test_root,
    run_plugin_tests,
)

DEMO_TESTS = """
import pytest

from action_sdk import action
from testing import ActionRunner

V1 = pytest.mark.levante_action("demo.a@1")


@action("demo.c", version="1.0.0")
def c_first():
    return 1


@action("demo.c", version="1.1.0")
def c_second():
    return 2


@pytest.mark.levante_action("demo.c@1", "demo.b")
def test_runner_runs_newest():
    assert ActionRunner.for_actions(c_first, c_second).run("demo.c").result == 2


@V1
@pytest.mark.releases("queens", "zed")
def test_listed_releases(openstack_release):
    assert openstack_release != "zed"


@V1
def test_every_release(openstack_release):
    assert openstack_release != "train"


@V1
def test_cloud_release(fake_cloud, openstack_release):
    assert fake_cloud.release == openstack_release


@pytest.mark.levante_action("demo.b")
def test_without_cloud():
    pass


@pytest.mark.levante_action("demo.a@2")
def test_second_version(openstack_release):
    pass


@pytest.mark.parametrize(
    "fake_cloud", [pytest.param("train", marks=V1), "epoxy"], indirect=True
)
def test_indirect(fake_cloud):
    assert fake_cloud.release == "train"


def test_unmarked():
    assert False


@V1
@pytest.mark.skip(reason="not yet")
def test_skipped():
    pass
"""

PLAN = {
    "queens": ["demo.a==1.0.0", "demo.b==1.0.0", "demo.c==1.0.0", "demo.c==1.1.0"],
    "train": ["demo.a==1.0.0"],
    "zed": ["demo.a==1.0.0", "demo.a==2.0.0"],
}


def write_project(root: Path, tests: str) -> Path:
    (root / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\naddopts = "--strict-markers"\n'
    )
    (root / "tests" / "test_demo.py").write_text(textwrap.dedent(tests))
    return root


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, TestRecord]:
    root = write_project(tmp_path_factory.mktemp("demo"), DEMO_TESTS)
    found = run_plugin_tests(root, find_test_files(root), PLAN)
    return {record.nodeid.split("::")[1]: record for record in found}


def test_listed_releases_only(records: dict[str, TestRecord]) -> None:
    assert records["test_listed_releases[queens]"].outcome == "passed"
    assert records["test_listed_releases[zed]"].outcome == "failed"
    assert "test_listed_releases[train]" not in records


@pytest.mark.parametrize(
    ("release", "outcome"),
    [("queens", "passed"), ("train", "failed"), ("zed", "passed")],
)
def test_unlisted_runs_per_release(
    records: dict[str, TestRecord], release: str, outcome: str
) -> None:
    record = records[f"test_every_release[{release}]"]
    assert record.release == release
    assert record.outcome == outcome
    assert records[f"test_cloud_release[{release}]"].outcome == "passed"


def test_cloudless_runs_once(records: dict[str, TestRecord]) -> None:
    record = records["test_without_cloud"]
    assert record.release is None
    assert record.versions == ("demo.b==1.0.0",)
    assert record.outcome == "passed"


def test_versions_follow_plan(records: dict[str, TestRecord]) -> None:
    runs = sorted(name for name in records if name.startswith("test_second_version"))
    assert runs == ["test_second_version[zed]"]
    assert records["test_second_version[zed]"].versions == ("demo.a==2.0.0",)


def test_param_marks_and_release(records: dict[str, TestRecord]) -> None:
    runs = sorted(name for name in records if name.startswith("test_indirect"))
    assert runs == ["test_indirect[train]"]
    assert records["test_indirect[train]"].release == "train"


def test_credit_for_versions_run(records: dict[str, TestRecord]) -> None:
    record = records["test_runner_runs_newest"]
    assert record.versions == ("demo.b==1.0.0", "demo.c==1.1.0")
    assert record.outcome == "passed"


def test_unmarked_and_skipped(records: dict[str, TestRecord]) -> None:
    assert "test_unmarked" not in records
    assert records["test_skipped"].outcome == "skipped"


@pytest.mark.parametrize(
    ("markers", "expected"),
    [
        (["demo.a@1"], ["demo.a==1.0.0", "demo.a==1.2.0"]),
        (["demo.a@==2.0.0"], ["demo.a==2.0.0"]),
        (["demo.a"], ["demo.a==1.0.0", "demo.a==1.2.0", "demo.a==2.0.0"]),
        (["demo.b@1", "demo.a@>=2"], ["demo.a==2.0.0", "demo.b==1.0.0"]),
        (["other.x"], []),
    ],
)
def test_covered_versions(markers: list[str], expected: list[str]) -> None:
    versions = ["demo.a==1.0.0", "demo.a==1.2.0", "demo.a==2.0.0", "demo.b==1.0.0"]
    assert covered_versions(markers, versions, "t") == expected


def test_invalid_marker_reported(tmp_path: Path) -> None:
    tests = (
        "import pytest\n\n\n@pytest.mark.levante_action('demo.a@x')\n"
        "def test_x():\n    pass\n"
    )
    root = write_project(tmp_path, tests)
    with pytest.raises(PluginTestError) as caught:
        run_plugin_tests(root, find_test_files(root), {"zed": ["demo.a==1.0.0"]})
    message = str(caught.value)
    assert "pytest exit status 4" in message
    assert "levante_action('demo.a@x')" in message


@pytest.mark.parametrize(
    ("declared", "ran", "expected"),
    [
        (["x.a==1.0.0", "x.a==1.1.0"], {"x.a==1.1.0"}, ["x.a==1.1.0"]),
        (["x.a==1.0.0", "x.b==1.0.0"], {"x.a==1.0.0"}, ["x.a==1.0.0", "x.b==1.0.0"]),
        (["x.a==1.0.0"], {"x.a==2.0.0"}, []),
        (["x.a==1.0.0"], set(), ["x.a==1.0.0"]),
    ],
)
def test_credited_versions(
    declared: list[str], ran: set[str], expected: list[str]
) -> None:
    assert credited_versions(declared, ran) == expected


@pytest.mark.parametrize(
    ("marker", "message"),
    [("demo.a@x", "levante_action\\('demo.a@x'\\)"), ("", "needs action names")],
)
def test_covered_versions_rejects(marker: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        covered_versions([marker], ["demo.a==1.0.0"], "tests/test_x.py::test_y")


def test_test_files_need_marker(tmp_path: Path) -> None:
    (tmp_path / "tests" / "deep").mkdir(parents=True)
    (tmp_path / "tests" / "test_marked.py").write_text("# levante_action\n")
    (tmp_path / "tests" / "deep" / "check_test.py").write_text("# levante_action\n")
    (tmp_path / "tests" / "test_plain.py").write_text("def test_x(): pass\n")
    (tmp_path / "tests" / "helpers.py").write_text("# levante_action\n")
    names = [path.name for path in find_test_files(tmp_path)]
    assert names == ["test_marked.py", "check_test.py"]


def test_test_files_without_folder(tmp_path: Path) -> None:
    assert find_test_files(tmp_path) == []


@pytest.mark.parametrize("distribution", ["no-such-distribution", "pytest"])
def test_no_source_tree(distribution: str) -> None:
    assert find_test_root(distribution) is None


def test_source_tree_of_editable_install() -> None:
    root = find_test_root("levante")
    assert root is not None
    assert (root / "pyproject.toml").is_file()
