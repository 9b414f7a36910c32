import logging
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from action_sdk import Action, RunContext, action, hookimpl
from registry.discovery import IN_MEMORY_TARGET, catalog_from_plugins, load_plugins

STD_ACTIONS = [
    "std.async_noop",
    "std.echo",
    "std.email",
    "std.fail",
    "std.http",
    "std.noop",
    "std.sleep",
    "std.ssh",
    "std.ssh_proxied",
    "std.test_dict",
]


@action("demo.hello", version="1.0.0")
def hello_v1() -> str:
    return "v1"


@action("demo.hello", version="1.10.0")
def hello_v1_10() -> str:
    return "v1.10"


@action("demo.hello", version="1.9.0")
def hello_v1_9() -> str:
    return "v1.9"


class Nameless(Action):
    def run(self, context: RunContext) -> None:
        pass


def not_an_action() -> None:
    pass


class ReturnsActions:
    def __init__(self, *actions: Any) -> None:
        self.actions = list(actions)

    @hookimpl
    def levante_actions(self) -> list[Any]:
        return self.actions


class Raises:
    @hookimpl
    def levante_actions(self) -> list[Any]:
        raise RuntimeError("plugin exploded")


class ReturnsDict:
    @hookimpl
    def levante_actions(self) -> Any:
        return {"demo.hello": hello_v1}


class ReturnsNone:
    @hookimpl
    def levante_actions(self) -> None:
        return None


class NoHook:
    def levante_actions(self) -> list[Any]:
        return [hello_v1]


class MisspelledHook:
    @hookimpl
    def levante_action(self) -> list[Any]:
        return [hello_v1]


class WrongSignature:
    @hookimpl
    def levante_actions(self, config: Any) -> list[Any]:
        return [hello_v1]


def test_load_std_through_entry_point() -> None:
    catalog = load_plugins()
    (std,) = [plugin for plugin in catalog.plugins if plugin.name == "std"]
    assert std.target == "plugins.std:plugin"
    assert std.module == "plugins.std"
    assert std.distribution == "levante"
    assert std.version
    assert list(std.actions) == STD_ACTIONS
    assert [f for f in catalog.failures if f.name == "std"] == []
    assert catalog.get("std.echo").plugin == "std"


def test_in_memory_plugin_loads() -> None:
    catalog = catalog_from_plugins({"demo": ReturnsActions(hello_v1)})
    (info,) = catalog.plugins
    assert info.name == "demo"
    assert info.target == IN_MEMORY_TARGET
    assert info.module == __name__
    assert info.actions == ("demo.hello",)
    assert catalog.failures == []
    assert catalog.get("demo.hello").run({}) == "v1"


def test_versions_sorted_ascending() -> None:
    catalog = catalog_from_plugins(
        {"a": ReturnsActions(hello_v1_10, hello_v1), "b": ReturnsActions(hello_v1_9)}
    )
    versions = [descriptor.version for descriptor in catalog.actions["demo.hello"]]
    assert versions == ["1.0.0", "1.9.0", "1.10.0"]
    assert catalog.get("demo.hello").version == "1.10.0"
    assert catalog.get("demo.hello").plugin == "a"
    assert catalog.get("demo.hello", "1.9.0").plugin == "b"


@pytest.mark.parametrize(
    ("plugin", "error"),
    [
        (Raises(), "RuntimeError: plugin exploded"),
        (ReturnsDict(), "returned dict; expected a list"),
        (ReturnsNone(), "returned NoneType; expected a list"),
        (NoHook(), "implements no levante_actions hook"),
        (MisspelledHook(), "unknown hooks ['levante_action']"),
        (WrongSignature(), "config"),
        (ReturnsActions(hello_v1, not_an_action), "invalid action at index 1"),
        (ReturnsActions(Nameless), "has no name"),
        (ReturnsActions(hello_v1, hello_v1), "demo.hello 1.0.0 twice"),
    ],
)
def test_broken_plugin_is_skipped(plugin: Any, error: str) -> None:
    catalog = catalog_from_plugins(
        {"broken": plugin, "good": ReturnsActions(hello_v1_9)}
    )
    assert [info.name for info in catalog.plugins] == ["good"]
    (failure,) = catalog.failures
    assert failure.name == "broken"
    assert failure.target == IN_MEMORY_TARGET
    assert error in failure.error
    assert [d.version for d in catalog.actions["demo.hello"]] == ["1.9.0"]


def test_duplicate_across_plugins_keeps_first() -> None:
    catalog = catalog_from_plugins(
        {
            "first": ReturnsActions(hello_v1),
            "second": ReturnsActions(hello_v1, hello_v1_9),
        }
    )
    assert [info.name for info in catalog.plugins] == ["first"]
    (failure,) = catalog.failures
    assert failure.name == "second"
    assert "already provided by plugin first" in failure.error
    assert [d.version for d in catalog.actions["demo.hello"]] == ["1.0.0"]


def test_same_object_under_two_names() -> None:
    plugin = ReturnsActions(hello_v1)
    catalog = catalog_from_plugins({"one": plugin, "two": plugin})
    assert [info.name for info in catalog.plugins] == ["one"]
    assert [failure.name for failure in catalog.failures] == ["two"]


def test_failure_logged_at_error(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="registry.discovery"):
        catalog_from_plugins({"broken": Raises()})
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "broken" in errors[0].getMessage()
    assert "plugin exploded" in errors[0].getMessage()
    assert errors[0].exc_info is None
    tracebacks = [
        r for r in caplog.records if r.levelno == logging.DEBUG and r.exc_info
    ]
    assert len(tracebacks) == 1


@pytest.fixture
def installed_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Install a distribution with good and broken plugins; yield its group."""
    suffix = uuid.uuid4().hex[:8]
    group = f"levante.test_{suffix}"
    good, broken = f"levante_good_{suffix}", f"levante_broken_{suffix}"
    (tmp_path / f"{good}.py").write_text(
        textwrap.dedent(
            """
            from action_sdk import action, hookimpl

            @action("demo.installed")
            def installed() -> str:
                return "installed"

            @hookimpl
            def levante_actions():
                return [installed]
            """
        )
    )
    (tmp_path / f"{broken}.py").write_text("import levante_no_such_dependency\n")
    dist_info = tmp_path / f"levante_test_plugins_{suffix}-2.5.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: levante-test-plugins-{suffix}\nVersion: 2.5.0\n"
    )
    (dist_info / "entry_points.txt").write_text(
        f"[{group}]\n"
        f"good = {good}\n"
        f"broken = {broken}\n"
        f"absent = levante_absent_{suffix}:plugin\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield group
    for module in (good, broken):
        sys.modules.pop(module, None)


def test_entry_points_load_and_fail(installed_plugins: str) -> None:
    catalog = load_plugins(installed_plugins)
    (info,) = catalog.plugins
    assert info.name == "good"
    assert info.distribution is not None
    assert info.distribution.startswith("levante-test-plugins-")
    assert info.version == "2.5.0"
    assert catalog.get("demo.installed").run({}) == "installed"
    failures = {failure.name: failure for failure in catalog.failures}
    assert set(failures) == {"broken", "absent"}
    assert "levante_no_such_dependency" in failures["broken"].error
    assert failures["broken"].error.startswith("ModuleNotFoundError")
    assert failures["absent"].target.endswith(":plugin")


def test_entry_point_failure_logged(
    installed_plugins: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="registry.discovery"):
        load_plugins(installed_plugins)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("broken" in message for message in messages)
    assert any("absent" in message for message in messages)


def test_empty_group() -> None:
    catalog = load_plugins(f"levante.test_empty_{uuid.uuid4().hex}")
    assert catalog.plugins == []
    assert catalog.failures == []
    assert catalog.names() == []
