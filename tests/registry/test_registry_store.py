from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from action_sdk import Deprecation, ServiceRequirement, action, hookimpl
from registry.discovery import catalog_from_plugins
from registry.errors import ActionNotFound
from registry.models import ActionVersionRecord, RequirementRecord
from registry.store import CatalogStore, refresh_catalogue
from registry.versions import explicit_versions


@action(
    "demo.copy",
    version="1.0.0",
    requirements=(ServiceRequirement("compute", 2, "2.1", "2.46"),),
    deprecated=Deprecation(reason="flavor ids", replacement="demo.copy@2"),
)
def copy_v1() -> None:
    pass


@action(
    "demo.copy",
    version="2.0.0",
    requirements=(ServiceRequirement("compute", 2, "2.47"),),
)
def copy_v2(count: int = 1) -> None:
    """Copy things."""


@action("demo.images", requirements=(ServiceRequirement("image", 2),))
def images() -> None:
    pass


@action("other.noop")
def noop() -> None:
    pass


class DemoPlugin:
    @hookimpl
    def levante_actions(self) -> list[object]:
        return [copy_v1, copy_v2, images, noop]


class BrokenPlugin:
    @hookimpl
    def levante_actions(self) -> object:
        return "not a list"


@pytest.fixture
def store() -> CatalogStore:
    catalog = catalog_from_plugins({"demo": DemoPlugin(), "broken": BrokenPlugin()})
    return refresh_catalogue(None, catalog)


def test_list_all(store: CatalogStore) -> None:
    assert [s.name for s in store.list_actions()] == [
        "demo.copy",
        "demo.images",
        "other.noop",
    ]


def test_list_filters(store: CatalogStore) -> None:
    assert [s.name for s in store.list_actions(prefix="demo.")] == [
        "demo.copy",
        "demo.images",
    ]
    assert [s.name for s in store.list_actions(service="compute")] == ["demo.copy"]
    assert store.list_actions(prefix="demo_") == []


def test_list_shows_deprecation(store: CatalogStore) -> None:
    summary = store.list_actions(prefix="demo.copy")[0]
    assert summary.versions == ("2.0.0", "1.0.0")
    assert summary.deprecated is None
    assert summary.deprecated_versions == ("1.0.0",)
    assert summary.description == "Copy things."


def test_show_versions(store: CatalogStore) -> None:
    newest, oldest = store.show_action("demo.copy")
    assert newest.input_schema["properties"]["count"] == {
        "type": "integer",
        "default": 1,
    }
    assert oldest.deprecated == {"reason": "flavor ids", "replacement": "demo.copy@2"}
    assert oldest.requirements == (
        {
            "service_type": "compute",
            "major": 2,
            "min_microversion": "2.1",
            "max_microversion": "2.46",
            "removed_in": None,
        },
    )


def test_show_unknown(store: CatalogStore) -> None:
    with pytest.raises(ActionNotFound, match="did you mean demo.copy"):
        store.show_action("demo.cop")


def test_plugins_with_failure(store: CatalogStore) -> None:
    rows = [(p.name, p.status) for p in store.plugins()]
    assert rows == [("demo", "loaded"), ("broken", "failed")]
    assert "levante_actions returned str" in (store.plugins()[1].error or "")


def test_refresh_replaces_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    refresh_catalogue(url, catalog_from_plugins({"demo": DemoPlugin()}))
    store = refresh_catalogue(url, catalog_from_plugins({"demo": DemoPlugin()}))
    with store.engine.connect() as connection:
        versions = connection.scalar(
            select(func.count()).select_from(ActionVersionRecord)
        )
        requirements = connection.scalar(
            select(func.count()).select_from(RequirementRecord)
        )
    assert versions == 4
    assert requirements == 3


def test_cloud_round_trip(tmp_path: Path) -> None:
    store = CatalogStore(create_engine(f"sqlite:///{tmp_path / 'r.sqlite'}"))
    offered = explicit_versions(["compute=2.60"])
    expires = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=1)
    store.save_cloud(offered, expires_at=expires)
    loaded = store.load_cloud("explicit")
    assert loaded is not None
    assert loaded[0].api("compute", 2) == offered.api("compute", 2)
    assert loaded[1] == expires
    assert store.load_cloud("other") is None
