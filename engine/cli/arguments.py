"""Parsing of JSON/YAML arguments: ``--input``, ``-i key=value``, ``--env``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from engine.cli.errors import InvalidInput


def load_mapping(value: str | None, option: str) -> dict[str, Any]:
    """Read a JSON object given inline or as ``@file`` (JSON or YAML)."""
    if value is None:
        return {}
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            text = path.read_text()
        except OSError as error:
            raise InvalidInput(f"{option}: cannot read {path}: {error.strerror}") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise InvalidInput(f"{option}: {path} is not valid JSON or YAML: {error}") from None
        source = str(path)
    else:
        try:
            data = json.loads(value)
        except json.JSONDecodeError as error:
            raise InvalidInput(
                f"{option}: invalid JSON ({error.msg} at column {error.colno}); "
                f"give a JSON object such as '{{\"name\": \"value\"}}' or @file.json"
            ) from None
        source = "the value"
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidInput(
            f"{option}: {source} must hold a mapping of names to values, "
            f"not {type(data).__name__}"
        )
    return data


def parse_pairs(pairs: tuple[str, ...], option: str) -> dict[str, Any]:
    """Turn ``key=value`` strings into a mapping; values are read as YAML."""
    result: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise InvalidInput(f"{option}: expected key=value, got {pair!r}")
        try:
            value = yaml.safe_load(raw) if raw else ""
        except yaml.YAMLError:
            value = raw
        result[key] = value
    return result
