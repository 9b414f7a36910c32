"""Every recorded conformance case goes through the parser.

A case that Mistral 23.0.0 rejected at upload must raise DefinitionError,
and every other case must parse.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.spec import DefinitionError, parse

SHARED = Path(
    os.environ.get("LEVANTE_SHARED", Path(__file__).resolve().parents[4] / "shared")
)
CASES_DIR = SHARED / "conformance" / "cases"

#: Rejected cases whose message is worded differently from Mistral's, with a
#: substring of Levante's message.
OWN_WORDING = {
    "validation_action_and_workflow_together": "has both 'action' and 'workflow'",
    "validation_input_as_number": "Invalid value 5: expected a mapping",
    "validation_negative_wait_before": "Invalid value -2: expected an integer >= 0",
    "validation_unknown_workflow_type": "Unknown workflow type 'sideways'",
    "validation_on_success_in_reverse_workflow": "'on-success' was unexpected",
    "validation_requires_in_direct_workflow": "'requires' was unexpected",
}


def load_cases() -> list[Any]:
    paths = sorted(CASES_DIR.glob("*.yaml"))
    if not paths:
        raise RuntimeError(f"no conformance cases found in {CASES_DIR}")
    cases = [yaml.safe_load(path.read_text()) for path in paths]
    return [pytest.param(case, id=case["name"]) for case in cases]


def rejected_at_upload(case: dict[str, Any]) -> bool:
    expect = case["expect"]
    return bool(expect.get("invalid")) and expect.get("rejected_at") == "upload"


@pytest.mark.parametrize("case", load_cases())
def test_case_definition(case: dict[str, Any]) -> None:
    source = f"{case['name']}.yaml"
    if not rejected_at_upload(case):
        definition = parse(case["workflow"], source)
        names = list(definition.workflows)
        assert case.get("workflow_name", names[0]) in definition.workflows
        return

    with pytest.raises(DefinitionError) as caught:
        parse(case["workflow"], source)
    message = str(caught.value)
    expected = OWN_WORDING.get(case["name"], case["expect"].get("error_contains", ""))
    assert expected in message
    assert all(issue.line is not None for issue in caught.value.issues)
    assert message.startswith(f"{source}:")
