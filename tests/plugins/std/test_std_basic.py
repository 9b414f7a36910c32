from typing import Any

import pytest

from action_sdk import ActionDescriptor, ActionError, ActionInputError
from plugins.std import basic
from registry.catalog import PluginCatalog
from registry.discovery import load_plugins


@pytest.fixture(scope="module")
def catalog() -> PluginCatalog:
    return load_plugins()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr(basic.time, "sleep", recorded.append)
    return recorded


def action(catalog: PluginCatalog, name: str) -> ActionDescriptor:
    descriptor = catalog.get(name)
    assert descriptor.plugin == "std"
    return descriptor


def test_noop_returns_none(catalog: PluginCatalog) -> None:
    assert action(catalog, "std.noop").run({}) is None


def test_async_noop_is_async(catalog: PluginCatalog) -> None:
    descriptor = action(catalog, "std.async_noop")
    assert descriptor.is_async is True
    assert descriptor.run({}) is None


@pytest.mark.parametrize(
    ("input", "expected"),
    [
        ({}, {}),
        ({"size": 3}, {"0": "", "1": "", "2": ""}),
        ({"size": 2, "key_prefix": "k", "val": [1]}, {"k0": [1], "k1": [1]}),
    ],
)
def test_test_dict(
    catalog: PluginCatalog, input: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert action(catalog, "std.test_dict").run(input) == expected


def test_noop_rejects_input(catalog: PluginCatalog) -> None:
    with pytest.raises(ActionInputError, match=r"unexpected=\['x'\]"):
        action(catalog, "std.noop").run({"x": 1})


@pytest.mark.parametrize("output", [None, 0, "text", [1, 2], {"a": {"b": 1}}])
def test_echo_returns_output(
    catalog: PluginCatalog, sleeps: list[float], output: Any
) -> None:
    assert action(catalog, "std.echo").run({"output": output}) == output
    assert sleeps == []


@pytest.mark.parametrize(
    ("delay", "slept"), [(0.5, [0.5]), (2, [2]), ("1.5", [1.5]), (-3, []), (0, [])]
)
def test_echo_delay(
    catalog: PluginCatalog, sleeps: list[float], delay: Any, slept: list[float]
) -> None:
    action(catalog, "std.echo").run({"output": 1, "delay": delay})
    assert sleeps == slept


def test_echo_requires_output(catalog: PluginCatalog) -> None:
    with pytest.raises(ActionInputError) as caught:
        action(catalog, "std.echo").run({})
    assert "missing=['output']" in str(caught.value)
    assert "parameters: output (required), delay=0" in str(caught.value)


def test_fail_without_data(catalog: PluginCatalog) -> None:
    with pytest.raises(ActionError) as caught:
        action(catalog, "std.fail").run({})
    assert caught.value.message == "Fail action expected exception."
    assert caught.value.data is None


@pytest.mark.parametrize("data", ["it broke", 42, [1, 2], {"code": 7, "why": "x"}])
def test_fail_with_data(catalog: PluginCatalog, data: Any) -> None:
    with pytest.raises(ActionError) as caught:
        action(catalog, "std.fail").run({"error_data": data})
    assert caught.value.data == data
    assert caught.value.message == str(data)


@pytest.mark.parametrize("data", [None, 0, "", [], {}, False])
def test_fail_with_false_data(catalog: PluginCatalog, data: Any) -> None:
    with pytest.raises(ActionError) as caught:
        action(catalog, "std.fail").run({"error_data": data})
    assert caught.value.data is None
    assert caught.value.message == "Fail action expected exception."


@pytest.mark.parametrize(
    ("seconds", "slept"), [(2, [2]), (2.7, [2]), ("3", [3]), (-1, []), (0.5, [])]
)
def test_sleep_truncates_seconds(
    catalog: PluginCatalog, sleeps: list[float], seconds: Any, slept: list[int]
) -> None:
    assert action(catalog, "std.sleep").run({"seconds": seconds}) is None
    assert sleeps == slept


def test_sleep_default_one_second(catalog: PluginCatalog, sleeps: list[float]) -> None:
    action(catalog, "std.sleep").run({})
    assert sleeps == [1]


def test_sleep_rejects_text(catalog: PluginCatalog) -> None:
    with pytest.raises(
        ActionInputError, match="parameter 'seconds' must be of type number"
    ):
        action(catalog, "std.sleep").run({"seconds": "soon"})


def test_descriptions_present(catalog: PluginCatalog) -> None:
    for name in catalog.names():
        if name.startswith("std."):
            assert catalog.get(name).description
