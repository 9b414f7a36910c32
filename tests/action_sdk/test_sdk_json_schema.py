from typing import Any, Literal

import pytest

from action_sdk import action, describe_action
from action_sdk._json_schema import annotation_schema


@pytest.mark.parametrize(
    ("annotation", "schema"),
    [
        (str, {"type": "string"}),
        (int, {"type": "integer"}),
        (float, {"type": "number"}),
        (bool, {"type": "boolean"}),
        (Any, {}),
        (None, {}),
        (type(None), {"type": "null"}),
        (list, {"type": "array"}),
        (list[int], {"type": "array", "items": {"type": "integer"}}),
        (dict, {"type": "object"}),
        (
            dict[str, bool],
            {"type": "object", "additionalProperties": {"type": "boolean"}},
        ),
        (Literal["SOFT", "HARD"], {"enum": ["SOFT", "HARD"]}),
        (int | None, {"anyOf": [{"type": "integer"}, {"type": "null"}]}),
    ],
)
def test_annotation_schema(annotation: Any, schema: dict[str, Any]) -> None:
    assert annotation_schema(annotation) == schema


@action("demo.schema", version="1.2.0")
def documented(count: int, label: str = "x") -> None:
    """Do a thing.

    Args:
        count: How many.
    """


def test_input_schema_document() -> None:
    assert describe_action(documented).input_schema() == {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "demo.schema 1.2.0 input",
        "description": "Do a thing.",
        "type": "object",
        "properties": {
            "count": {"type": "integer", "description": "How many."},
            "label": {"type": "string", "default": "x"},
        },
        "required": ["count"],
        "additionalProperties": False,
    }
