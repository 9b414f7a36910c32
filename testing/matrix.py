"""Support matrix: which action versions work on which OpenStack releases.

For every action version and every release with facts (``RELEASES``), the
matrix first checks the version's service requirements against a fake cloud
of that release. Its API versions are discovered through keystoneauth, as a
real cloud's would be. When the requirements fit and the plugin ships tests
for the version (see ``testing.plugin_tests``), those tests run on that
release. A cell is then one of:

- ``passed``: the requirements fit and every test of the version passed;
- ``failed``: the requirements fit and at least one test failed;
- ``supported``: the requirements fit and no test of the version ran;
- ``not supported``: the requirements do not fit, with the reason.

A cell is also marked as the default when the registry picks that version
for an unpinned task on that release.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from action_sdk import ActionDescriptor
from registry.catalog import PluginCatalog
from registry.cloud import RELEASE_KEY, CloudDirectory
from registry.resolution import ResolutionError, resolve
from registry.versions import CloudVersions
from testing.fakecloud import RELEASES, FakeCloud
from testing.plugin_tests import (
    PluginTestError,
    TestRecord,
    find_test_files,
    find_test_root,
    run_plugin_tests,
)

PASSED = "passed"
FAILED = "failed"
SUPPORTED = "supported"
NOT_SUPPORTED = "not supported"

#: Auth URL of the fake clouds the matrix discovers. Its port differs from the
#: fake_cloud fixture's 5000, so a matrix can be built while a test's cloud runs.
MATRIX_AUTH_URL = "http://127.0.0.1:25000/v3"

#: Reports a step of a long matrix build, such as a test run starting.
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Cell:
    """The support of one action version on one release."""

    action: str
    version: str
    plugin: str | None
    release: str
    #: PASSED, FAILED, SUPPORTED or NOT_SUPPORTED.
    status: str
    #: Why, for NOT_SUPPORTED; the test counts or failures otherwise.
    detail: str
    #: True when an unpinned task resolves to this version on the release.
    default: bool = False
    #: Node ids of the tests of this version that ran on the release.
    tests: tuple[str, ...] = ()
    #: Node ids among ``tests`` that failed.
    failures: tuple[str, ...] = ()

    def label(self) -> str:
        """Return the status, with "(default)" when the version is the default."""
        return f"{self.status} (default)" if self.default else self.status

    def to_dict(self) -> dict[str, Any]:
        """Return the cell as a JSON-ready dict."""
        return {
            "action": self.action,
            "version": self.version,
            "plugin": self.plugin,
            "release": self.release,
            "status": self.status,
            "detail": self.detail,
            "default": self.default,
            "tests": list(self.tests),
            "failures": list(self.failures),
        }


@dataclass(frozen=True)
class SupportMatrix:
    """Cells of every selected action version on every selected release."""

    releases: tuple[str, ...]
    cells: tuple[Cell, ...] = field(default_factory=tuple)

    @property
    def failed(self) -> bool:
        """True when a test of some version failed on some release."""
        return any(cell.status == FAILED for cell in self.cells)

    def rows(self) -> list[list[Cell]]:
        """Return the cells grouped by action version, in release order."""
        rows: dict[tuple[str, str], list[Cell]] = {}
        for cell in self.cells:
            rows.setdefault((cell.action, cell.version), []).append(cell)
        return list(rows.values())

    def notes(self) -> dict[str, int]:
        """Number the note of each failed or unsupported cell, from 1."""
        numbers: dict[str, int] = {}
        for cell in self.cells:
            if cell.status in (FAILED, NOT_SUPPORTED):
                numbers.setdefault(self.note_text(cell), len(numbers) + 1)
        return numbers

    @staticmethod
    def note_text(cell: Cell) -> str:
        """Return the note of a cell: which version, where, and the detail."""
        return f"{cell.action} {cell.version} on {cell.release}: {cell.detail}"

    def cell_text(self, cell: Cell, notes: dict[str, int]) -> str:
        """Return a cell's label with its note number, such as ``failed [2]``."""
        number = notes.get(self.note_text(cell))
        return f"{cell.label()} [{number}]" if number else cell.label()

    def to_dict(self) -> dict[str, Any]:
        """Return the matrix as a JSON-ready dict."""
        return {
            "releases": list(self.releases),
            "cells": [cell.to_dict() for cell in self.cells],
        }

    def to_markdown(self) -> str:
        """Return the matrix as a Markdown table followed by numbered notes."""
        notes = self.notes()
        header = ["action", "version", *self.releases]
        lines = [_markdown_row(header), _markdown_row(["---"] * len(header))]
        for row in self.rows():
            first = row[0]
            texts = [self.cell_text(cell, notes) for cell in row]
            lines.append(_markdown_row([f"`{first.action}`", first.version, *texts]))
        if notes:
            lines.append("")
            lines.extend(f"{number}. {text}" for text, number in notes.items())
        return "\n".join(lines) + "\n"


class MatrixError(Exception):
    """The matrix cannot be built: a plugin's tests did not run."""


def build_matrix(
    catalog: PluginCatalog,
    *,
    plugin: str | None = None,
    releases: Sequence[str] | None = None,
    test_roots: dict[str, Path] | None = None,
    run_tests: bool = True,
    progress: Progress | None = None,
) -> SupportMatrix:
    """Check every action version of ``catalog`` against every release.

    Args:
        catalog: The installed actions.
        plugin: Only this plugin's actions; all plugins when None.
        releases: Releases to check, in any order; every one in ``RELEASES``
            when None or empty.
        test_roots: Plugin name to the source tree with its ``tests`` folder,
            instead of the tree its distribution was installed from.
        run_tests: False to check requirements only.
        progress: Called with a line of text as each test run starts.

    Raises:
        ValueError: ``plugin`` or a release is unknown.
        MatrixError: A plugin's tests failed to collect or run.
    """
    chosen = _check_releases(releases)
    descriptors = _select(catalog, plugin)
    offered = {release: release_versions(release) for release in chosen}
    # Resolving a deprecated version logs a warning, here once per release,
    # which repeats the deprecation that the catalogue already shows.
    with _quiet("registry.resolution"):
        reasons = {
            (d.name, d.version, release): _reject_reason(d, offered[release], catalog)
            for d in descriptors
            for release in chosen
        }
        defaults = {
            (name, release): _default_version(name, offered[release], catalog)
            for name in {d.name for d in descriptors}
            for release in chosen
        }
    records: dict[tuple[str, str], list[TestRecord]] = {}
    if run_tests:
        supported = {key for key, reason in reasons.items() if reason is None}
        records = _run_tests(
            catalog, descriptors, chosen, supported, test_roots, progress
        )
    cells = []
    for descriptor in descriptors:
        for release in chosen:
            reason = reasons[(descriptor.name, descriptor.version, release)]
            tests = records.get((_version_key(descriptor), release), [])
            default = defaults[(descriptor.name, release)] == descriptor.version
            cell = _cell(descriptor, release, reason, tests)
            cells.append(replace(cell, default=default))
    return SupportMatrix(chosen, tuple(cells))


def release_versions(release: str) -> CloudVersions:
    """Discover the API versions of a fake cloud of ``release``.

    The release is declared in the cloud's configuration, as an operator
    declares it, so requirements removed in a release are decided.
    """
    with FakeCloud(release, auth_url=MATRIX_AUTH_URL) as cloud:
        directory = CloudDirectory(
            {release: {**cloud.cloud_config(), RELEASE_KEY: release}}
        )
        # Queens placement lists no version status, which keystoneauth logs
        # as a warning. The matrix reports it as a reason instead.
        with _quiet("keystoneauth.discover"):
            versions = directory.versions(release)
    return _ReleaseVersions(
        cloud=release,
        region=None,
        services=versions.services,
        failures=versions.failures,
        release=versions.release,
        discovered_at=versions.discovered_at,
    )


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Drop the warnings of one logger while the block runs."""
    log = logging.getLogger(name)
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


@dataclass(frozen=True)
class _ReleaseVersions(CloudVersions):
    """Discovered versions that name their release in messages."""

    @property
    def label(self) -> str:
        return f"the {self.cloud.capitalize()} cloud"


def _cell(
    descriptor: ActionDescriptor,
    release: str,
    reason: str | None,
    tests: list[TestRecord],
) -> Cell:
    facts = (descriptor.name, descriptor.version, descriptor.plugin, release)
    if reason is not None:
        return Cell(*facts, NOT_SUPPORTED, reason)
    ran = tuple(record.nodeid for record in tests if record.outcome != "skipped")
    failures = tuple(record.nodeid for record in tests if record.outcome == "failed")
    if failures:
        detail = f"{len(failures)} of {_count(len(ran))} failed: {', '.join(failures)}"
        return Cell(*facts, FAILED, detail, tests=ran, failures=failures)
    if ran:
        return Cell(*facts, PASSED, f"{_count(len(ran))} passed", tests=ran)
    detail = "requirements fit; no test of this version ran on this release"
    if tests:
        detail = "requirements fit; the tests of this version were skipped"
    return Cell(*facts, SUPPORTED, detail)


def _count(number: int) -> str:
    return f"{number} test" if number == 1 else f"{number} tests"


def _check_releases(releases: Sequence[str] | None) -> tuple[str, ...]:
    if not releases:
        return RELEASES
    unknown = sorted(set(releases) - set(RELEASES))
    if unknown:
        raise ValueError(
            f"release {', '.join(unknown)} has no fake cloud facts, so the matrix "
            f"cannot check it; choose from {', '.join(RELEASES)}"
        )
    return tuple(release for release in RELEASES if release in releases)


def _select(catalog: PluginCatalog, plugin: str | None) -> list[ActionDescriptor]:
    if plugin is not None:
        names = [info.name for info in catalog.plugins]
        if plugin not in names:
            raise ValueError(
                f"no loaded plugin is named {plugin!r}; loaded plugins: "
                f"{', '.join(names) or 'none'} (see 'levante plugins list')"
            )
    return [
        descriptor
        for versions in catalog.actions.values()
        for descriptor in versions
        if plugin is None or descriptor.plugin == plugin
    ]


def _reject_reason(
    descriptor: ActionDescriptor, offered: CloudVersions, catalog: PluginCatalog
) -> str | None:
    """Return why the version cannot run on the cloud, or None when it can."""
    try:
        resolve(f"{descriptor.name}@=={descriptor.version}", offered, catalog)
    except ResolutionError as error:
        for rejection in error.rejections:
            if rejection.version == descriptor.version:
                return rejection.reason
        return error.summary
    return None


def _default_version(
    name: str, offered: CloudVersions, catalog: PluginCatalog
) -> str | None:
    try:
        return resolve(name, offered, catalog).version
    except ResolutionError:
        return None


def _version_key(descriptor: ActionDescriptor) -> str:
    return f"{descriptor.name}=={descriptor.version}"


def _run_tests(
    catalog: PluginCatalog,
    descriptors: list[ActionDescriptor],
    releases: Iterable[str],
    supported: set[tuple[str, str, str]],
    test_roots: dict[str, Path] | None,
    progress: Progress | None,
) -> dict[tuple[str, str], list[TestRecord]]:
    """Run each plugin's tests; return the records by version and release."""
    records: dict[tuple[str, str], list[TestRecord]] = {}
    by_root = _descriptors_by_root(catalog, descriptors, test_roots or {})
    for root, members in by_root.items():
        files = find_test_files(root)
        plan = {
            release: [
                _version_key(d)
                for d in members
                if (d.name, d.version, release) in supported
            ]
            for release in releases
        }
        plan = {release: versions for release, versions in plan.items() if versions}
        if not files or not plan:
            continue
        if progress is not None:
            progress(f"running the tests in {root / 'tests'} on {', '.join(plan)}")
        try:
            results = run_plugin_tests(root, files, plan)
        except PluginTestError as error:
            raise MatrixError(str(error)) from error
        for record in results:
            for version in record.versions:
                ran_on = [record.release] if record.release else list(plan)
                for release in ran_on:
                    if version in plan.get(release, []):
                        records.setdefault((version, release), []).append(record)
    return records


def _descriptors_by_root(
    catalog: PluginCatalog,
    descriptors: list[ActionDescriptor],
    test_roots: dict[str, Path],
) -> dict[Path, list[ActionDescriptor]]:
    distributions = {info.name: info.distribution for info in catalog.plugins}
    roots: dict[str, Path | None] = {}
    grouped: dict[Path, list[ActionDescriptor]] = {}
    for descriptor in descriptors:
        plugin = descriptor.plugin or ""
        if plugin not in roots:
            distribution = distributions.get(plugin)
            roots[plugin] = test_roots.get(plugin) or (
                find_test_root(distribution) if distribution else None
            )
        root = roots[plugin]
        if root is not None:
            grouped.setdefault(root, []).append(descriptor)
    return grouped


def _markdown_row(values: Sequence[str]) -> str:
    escaped = [value.replace("|", "\\|") for value in values]
    return "| " + " | ".join(escaped) + " |"
