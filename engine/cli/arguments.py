"""Parsing of JSON/YAML arguments: ``--input``, ``-i key=value``, ``--env``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import yaml

from engine.cli.errors import InvalidInput


class PlainLoader(yaml.SafeLoader):
    """YAML without implicit dates: 2026-01-01 stays the string it was typed as.

    Workflow data is JSON, which has no date type.
    """


PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _check_finite(value: Any, option: str) -> None:
    """Reject NaN and infinities, which JSON cannot carry."""
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInput(f"{option}: {value} is not allowed; numbers must be finite")
    if isinstance(value, dict):
        for item in value.values():
            _check_finite(item, option)
    elif isinstance(value, list):
        for item in value:
            _check_finite(item, option)


def load_mapping(value: str | None, option: str) -> dict[str, Any]:
    """Read a JSON object given inline or as ``@file`` (JSON or YAML)."""
    if value is None:
        return {}
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise InvalidInput(f"{option}: cannot read {path}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise InvalidInput(f"{option}: {path} is not UTF-8 text") from None
        try:
            data = yaml.load(text, Loader=PlainLoader)
        except yaml.YAMLError as error:
            raise InvalidInput(f"{option}: {path} is not valid JSON or YAML: {error}") from None
        source = str(path)
    else:
        try:
            data = json.loads(value, parse_constant=_reject_constant)
        except json.JSONDecodeError as error:
            raise InvalidInput(
                f"{option}: invalid JSON ({error.msg} at column {error.colno}); "
                f"give a JSON object such as '{{\"name\": \"value\"}}' or @file.json"
            ) from None
        except ValueError as error:
            raise InvalidInput(f"{option}: {error}; numbers must be finite") from None
        source = "the value"
    if data is None:
        return {}
    _check_finite(data, option)
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
            value = yaml.load(raw, Loader=PlainLoader) if raw else ""
        except yaml.YAMLError:
            value = raw
        _check_finite(value, f"{option} {key}")
        result[key] = value
    return result
