"""Mistral's expression functions in YAQL and Jinja, served by StaticFunctions."""

import json
from typing import Any

import pytest
import yaml

from engine.expressions import (
    ExpressionEvaluationError,
    StaticFunctions,
    evaluate_expression,
)

EXECUTION_ID = "ex-1"


def _task(name: str, state: str, result: Any = None, **extra: Any) -> dict[str, Any]:
    task = {
        "id": f"{name}-id",
        "name": name,
        "state": state,
        "state_info": None,
        "result": result,
        "published": {},
        "type": "ACTION",
        "workflow_execution_id": EXECUTION_ID,
    }
    task.update(extra)
    return task


CURRENT = _task("counter", "RUNNING", result=10)
TASKS = [
    _task("will_fail", "ERROR"),
    _task("origin", "SUCCESS", result={"code": 12}),
    _task("src", "SUCCESS", result={"n": 3}),
    _task("sub", "SUCCESS", type="WORKFLOW"),
    _task("inner", "SUCCESS", workflow_execution_id="child-1"),
    CURRENT,
]
FUNCTIONS = StaticFunctions(
    current_task=CURRENT,
    task_executions=TASKS,
    execution_data={"id": EXECUTION_ID, "name": "wf", "input": {"x": 1}},
    workflow_executions=[
        {"id": EXECUTION_ID, "state": "RUNNING", "created_at": "2024-01-01 00:00:00"},
        {
            "id": "child-1",
            "state": "SUCCESS",
            "parent_task_id": "sub-id",
            "root_execution_id": EXECUTION_ID,
            "created_at": "2024-01-02 00:00:00",
        },
    ],
    environment={"greeting": "hola"},
    global_vars={"shared": [1, 2]},
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<% task().result %>", 10),
        ("<% task().result + 1 %>", 11),
        ("{{ task().result + 2 }}", 12),
        ("<% task().state = 'ERROR' %>", False),
        ("<% task(origin).result.code %>", 12),
        ("<% task('origin').result.code %>", 12),
        ("<% task(taskName => origin).result.code %>", 12),
        ("{{ task('src').result.n }}", 3),
        ("{{ task(task_name='src').result.n }}", 3),
        ("<% task(counter).result %>", 10),
        ("<% task(nowhere) %>", None),
        ("<% task(inner) %>", None),
        (
            "<% tasks(execution().id, false, SUCCESS).select($.name) %>",
            ["origin", "src", "sub"],
        ),
        (
            "<% tasks(execution().id, false, ERROR).select($.name) %>",
            ["will_fail"],
        ),
        (
            "<% tasks(execution().id, true, SUCCESS).select($.name) %>",
            ["origin", "src", "sub", "inner"],
        ),
        (
            "<% tasks(execution().id, true, SUCCESS, true).select($.name) %>",
            ["origin", "src", "inner"],
        ),
        ("<% tasks(state => ERROR).select($.name) %>", ["will_fail"]),
        ("<% tasks().len() %>", 6),
        (
            "{{ tasks(execution().id, state='ERROR') | map(attribute='name') | list }}",
            ["will_fail"],
        ),
        ("<% execution().id %>", EXECUTION_ID),
        ("<% execution().input.x %>", 1),
        ("{{ execution().name }}", "wf"),
        ("<% executions().len() %>", 2),
        ("<% executions(state => SUCCESS).select($.id) %>", ["child-1"]),
        ("<% executions(rootExecutionId => 'ex-1').select($.id) %>", ["child-1"]),
        (
            "<% executions(fromTime => '2024-01-02').select($.id) %>",
            ["child-1"],
        ),
        ("<% executions(toTime => '2024-01-02').select($.id) %>", [EXECUTION_ID]),
        ("<% env() %>", {"greeting": "hola"}),
        ("<% env().greeting %>", "hola"),
        ("{{ env().greeting }} amigo", "hola amigo"),
        ("{{ _ | env }}", {"greeting": "hola"}),
        ("<% global(shared) %>", [1, 2]),
        ("<% global(not_there) %>", None),
        ("{{ global('shared') }}", [1, 2]),
        ("<% json_dump([1, 2]) %>", "[\n    1,\n    2\n]"),
        ("<% json_dump($.d) %>", '{\n    "k": [\n        1\n    ]\n}'),
        ("{{ json_dump(_.d) }}", '{\n    "k": [\n        1\n    ]\n}'),
        ("<% json_parse('[1, null]') %>", [1, None]),
        ("{{ json_parse('{\"z\": [true, null]}') }}", {"z": [True, None]}),
        ("<% yaml_dump($.d) %>", "k:\n- 1\n"),
        ("{{ yaml_dump(_.d) }}", "k:\n- 1\n"),
        ("<% yaml_parse('[a, 1]') %>", ["a", 1]),
        ("<% yaml_parse('x: &a 1') %>", {"x": "&a 1"}),
        ("<% yaml_parse('- @foo') %>", ["@foo"]),
        ("<% uuid().len() = 36 %>", True),
        ("<% uuid() != uuid() %>", True),
        ("{{ uuid() | length }}", 36),
        ("{{ 'ignored' | uuid | length }}", 36),
        ("<% str($.d.k.len()) %>", "1"),
        ("<% len($.d.k) %>", 1),
    ],
)
def test_function_result(text: str, expected: Any) -> None:
    context = {"d": {"k": [1]}}
    assert evaluate_expression(text, context, FUNCTIONS) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<% json_parse('[1, 2') %>", "Expecting ',' delimiter"),
        ("<% yaml_parse('a: [1') %>", "expected ',' or ']'"),
        ("{{ _.d | json_dump }}", "missing 1 required positional argument: 'data'"),
        ("<% execution().missing %>", "'missing'"),
        ("<% uuid(1) %>", 'No function "uuid" matches supplied arguments'),
    ],
)
def test_function_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionEvaluationError) as caught:
        evaluate_expression(text, {"d": {}}, FUNCTIONS)
    assert message in str(caught.value)


def test_yaml_dump_round_trips() -> None:
    data = {"b": [1, {"c": None}], "a": "x"}
    text = evaluate_expression("<% yaml_dump($) %>", data, FUNCTIONS)
    assert yaml.safe_load(text) == data
    assert text.startswith("a: x\n")


def test_json_dump_round_trips() -> None:
    data = {"b": [1, {"c": None}], "a": "x"}
    text = evaluate_expression("<% json_dump($) %>", data, FUNCTIONS)
    assert json.loads(text) == data


def test_yaml_dump_repeats_shared_objects() -> None:
    shared = [1]
    text = evaluate_expression(
        "{{ yaml_dump(_) }}", {"a": shared, "b": shared}, FUNCTIONS
    )
    assert "&" not in text
    assert yaml.safe_load(text) == {"a": [1], "b": [1]}


def test_functions_without_current_task() -> None:
    functions = StaticFunctions()
    assert evaluate_expression("<% task() %>", {}, functions) is None
    assert evaluate_expression("<% tasks() %>", {}, functions) == []
    assert evaluate_expression("<% env() %>", {}, functions) is None
    assert evaluate_expression("<% execution() %>", {}, functions) == {}


def test_each_evaluation_uses_its_own_functions() -> None:
    first = StaticFunctions(environment={"n": 1})
    second = StaticFunctions(environment={"n": 2})
    assert evaluate_expression("<% env().n %>", {}, first) == 1
    assert evaluate_expression("{{ env().n }}", {}, second) == 2
