"""Levante's expressions against results recorded from Mistral 23.0.0.

mistral_results.json comes from record_mistral_results.py. Where Levante
departs from Mistral on purpose, DEVIATIONS describes how and the test checks
Levante's behaviour instead.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from engine.expressions import (
    ExpressionEvaluationError,
    ExpressionSyntaxError,
    StaticFunctions,
    evaluate,
    validate,
)

RECORDED = json.loads((Path(__file__).parent / "mistral_results.json").read_text())

#: Syntax errors found while evaluating raise ExpressionSyntaxError, whose
#: text starts "Invalid YAQL expression" instead of "Can not evaluate".
SYNTAX = "syntax error"
#: Mistral returns a value that fails only when it is stored; Levante fails
#: while evaluating, with the same reason.
FAILS_EARLIER = "fails earlier"
#: Levante's function names have no trailing underscore.
FUNCTION_NAME = "function name"
#: The immutable sandbox rejects methods that change the workflow context.
MUTATION = "mutation"
#: A string with only {% %} blocks fails in both, with a clearer message.
BLOCK_ONLY = "block only"
#: Both reject the access, with a different message.
OTHER_MESSAGE = "other message"
#: Mistral stores str() of a Jinja generator; Levante stores the items.
GENERATOR = "generator"

DEVIATIONS = {
    "<% $.n ?? 'fallback' %>": SYNTAX,
    "<% $.a ?? 'fallback' %>": SYNTAX,
    "<%%>": SYNTAX,
    "<% %>": SYNTAX,
    "<% '%>' %>": SYNTAX,
    "{{ }}": SYNTAX,
    "{{  }}": SYNTAX,
    "{{ 'x' if _.no }}": FAILS_EARLIER,
    "{{ [_.missing] }}": FAILS_EARLIER,
    "{{ {'k': _.missing} }}": FAILS_EARLIER,
    "{{ _.d | json_dump }}": FUNCTION_NAME,
    "{{ '[1]' | json_parse }}": FUNCTION_NAME,
    "{{ _.l.append(4) }}": MUTATION,
    "{{ _.d.update({'z': 1}) }}": MUTATION,
    "{{ _.d.pop('k') }}": MUTATION,
    "{% if _.b %}yes{% else %}no{% endif %}": BLOCK_ONLY,
    "{{ uuid.__globals__ }}": OTHER_MESSAGE,
    "{{ _.words | map('upper') }}": GENERATOR,
    "{{ _.l | select }}": GENERATOR,
}


def _run(case: dict[str, Any]) -> Any:
    context = json.loads(json.dumps(RECORDED["contexts"][case["context"]]))
    functions = StaticFunctions(environment=context.get("__env"))
    return evaluate(case["text"], context, functions)


def _normalized(value: Any, result_type: str | None) -> Any:
    # A set has no order, in Mistral's stored list or in Levante's.
    if result_type == "set":
        return sorted(value, key=repr)
    return value


def _case_id(case: dict[str, Any]) -> str:
    return f"{case['context']}:{case['text']}"


@pytest.mark.parametrize("case", RECORDED["evaluations"], ids=_case_id)
def test_evaluation_matches_mistral(case: dict[str, Any]) -> None:
    deviation = DEVIATIONS.get(case["text"])
    if deviation is not None:
        _check_deviation(case, deviation)
    elif "error" in case:
        with pytest.raises(ExpressionEvaluationError) as caught:
            _run(case)
        assert str(caught.value) == case["error"]
    else:
        result = _normalized(_run(case), case["result_type"])
        assert result == _normalized(case["result"], case["result_type"])


def _check_deviation(case: dict[str, Any], deviation: str) -> None:
    if deviation == SYNTAX:
        with pytest.raises(ExpressionSyntaxError):
            _run(case)
    elif deviation == FAILS_EARLIER:
        with pytest.raises(ExpressionEvaluationError) as caught:
            _run(case)
        assert case["error"] in str(caught.value)
    elif deviation == FUNCTION_NAME:
        with pytest.raises(ExpressionEvaluationError) as caught:
            _run(case)
        assert str(caught.value) == case["error"].replace("_() missing", "() missing")
    elif deviation == MUTATION:
        with pytest.raises(ExpressionEvaluationError, match="is unsafe"):
            _run(case)
    elif deviation == BLOCK_ONLY:
        with pytest.raises(ExpressionEvaluationError, match="statement block"):
            _run(case)
    elif deviation == OTHER_MESSAGE:
        assert "error" in case
        with pytest.raises(ExpressionEvaluationError):
            _run(case)
    elif deviation == GENERATOR:
        assert isinstance(_run(case), list)
    else:
        raise AssertionError(f"unknown deviation {deviation!r}")


def test_deviations_are_recorded() -> None:
    recorded_texts = {case["text"] for case in RECORDED["evaluations"]}
    assert set(DEVIATIONS) <= recorded_texts


@pytest.mark.parametrize(
    "case", RECORDED["validations"], ids=[c["text"] for c in RECORDED["validations"]]
)
def test_validation_matches_mistral(case: dict[str, Any]) -> None:
    errors = validate(case["text"])
    if case["valid"]:
        assert errors == []
    else:
        assert len(errors) >= 1
        assert errors[0].message == case["error"]
