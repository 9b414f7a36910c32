"""Masking of secret values by key."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.masking import MASK, is_secret_key, mask_secrets


@pytest.mark.parametrize(
    "key",
    ["password", "DB_PASSWORD", "X-Auth-Token", "client_secret", "apiKey", "ssh_key"],
)
def test_secret_keys(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["name", "host", "user", "region", 3, None])
def test_plain_keys(key: Any) -> None:
    assert not is_secret_key(key)


def test_nested_values_masked() -> None:
    value = {"db": {"password": {"deep": 1}}, "items": [{"token": "t", "id": 1}]}
    assert mask_secrets(value) == {
        "db": {"password": MASK},
        "items": [{"token": MASK, "id": 1}],
    }


def test_input_unchanged() -> None:
    value = {"password": "p"}
    mask_secrets(value)
    assert value == {"password": "p"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(json_values)
def test_no_secret_survives(value: Any) -> None:
    def secrets_left(item: Any) -> bool:
        if isinstance(item, dict):
            return any(
                (is_secret_key(k) and v != MASK) or secrets_left(v)
                for k, v in item.items()
            )
        if isinstance(item, list):
            return any(secrets_left(v) for v in item)
        return False

    assert not secrets_left(mask_secrets(value))
