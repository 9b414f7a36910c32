import pytest

from action_sdk import action, hookimpl
from registry.catalog import PluginCatalog, PluginFailure, PluginRow
from registry.discovery import catalog_from_plugins
from registry.errors import ActionNotFound


@action("demo.copy", version="1.0.0")
def copy_v1() -> None:
    pass


@action("demo.copy", version="2.0.0")
def copy_v2() -> None:
    pass


@action("demo.move")
def move() -> None:
    pass


class DemoPlugin:
    @hookimpl
    def levante_actions(self) -> list[object]:
        return [copy_v1, copy_v2, move]


@pytest.fixture
def catalog() -> PluginCatalog:
    catalog = catalog_from_plugins({"demo": DemoPlugin()})
    catalog.failures.append(PluginFailure("bad", "bad_pkg:plugin", "ImportError: no x"))
    return catalog


def test_names_sorted(catalog: PluginCatalog) -> None:
    assert catalog.names() == ["demo.copy", "demo.move"]


def test_get_returns_highest(catalog: PluginCatalog) -> None:
    assert catalog.get("demo.copy").version == "2.0.0"


def test_get_exact_version(catalog: PluginCatalog) -> None:
    assert catalog.get("demo.copy", "1.0.0").implementation is copy_v1


def test_get_unknown_suggests(catalog: PluginCatalog) -> None:
    with pytest.raises(ActionNotFound) as caught:
        catalog.get("demo.cpy")
    assert "Action 'demo.cpy' not found" in str(caught.value)
    assert "did you mean demo.copy?" in str(caught.value)
    assert caught.value.suggestions == ["demo.copy"]


def test_get_unknown_without_suggestion(catalog: PluginCatalog) -> None:
    with pytest.raises(ActionNotFound, match="levante plugins list"):
        catalog.get("zzz")


def test_not_found_is_lookup_error(catalog: PluginCatalog) -> None:
    with pytest.raises(LookupError):
        catalog.get("zzz")


def test_get_unknown_version_lists_versions(catalog: PluginCatalog) -> None:
    with pytest.raises(ActionNotFound) as caught:
        catalog.get("demo.copy", "3.0.0")
    assert str(caught.value) == (
        "Action demo.copy has no version 3.0.0; installed versions: 1.0.0, 2.0.0"
    )


def test_rows(catalog: PluginCatalog) -> None:
    assert catalog.rows() == [
        PluginRow(
            name="demo",
            status="loaded",
            distribution="",
            version="",
            actions="demo.copy@1.0.0, demo.copy@2.0.0, demo.move",
            error="",
        ),
        PluginRow(
            name="bad",
            status="failed",
            distribution="",
            version="",
            actions="",
            error="ImportError: no x",
        ),
    ]
