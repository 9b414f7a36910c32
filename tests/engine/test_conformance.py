"""Every Mistral-recorded conformance case, run through the engine.

Cases come from the shared folder beside the checkout and are read at test
time. A case whose feature is not built yet is an expected failure with the
feature named; xfail is strict, so one that starts passing fails the run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from engine import states
from engine.core import EngineCore, StartError
from engine.db.models import Execution, TaskExecution
from engine.db.setup import Database
from engine.spec.parser import DefinitionError, parse

SHARED = Path(os.environ.get("LEVANTE_SHARED", Path(__file__).resolve().parents[3] / "shared"))
CASES_DIR = SHARED / "conformance" / "cases"

#: Cases whose feature is not built yet, with the feature they wait for.
NOT_YET: dict[str, str] = {}

#: Cases where Levante deliberately differs from Mistral 23.0.0; the reason
#: is in docs/compatibility.md and the test asserts Levante's behaviour.
DELIBERATE: dict[str, dict[str, Any]] = {}


def load_cases() -> list[Any]:
    paths = sorted(CASES_DIR.glob("*.yaml"))
    if not paths:
        raise RuntimeError(f"no conformance cases found in {CASES_DIR}")
    params = []
    for path in paths:
        case = yaml.safe_load(path.read_text())
        marks = []
        if case["name"] in NOT_YET:
            marks.append(pytest.mark.xfail(reason=NOT_YET[case["name"]], strict=True))
        params.append(pytest.param(case, id=case["name"], marks=marks))
    return params


def task_entries(session: Any, execution_id: str) -> dict[str, list[dict[str, Any]]]:
    rows = session.scalars(
        select(TaskExecution)
        .where(TaskExecution.execution_id == execution_id)
        .order_by(TaskExecution.seq)
    ).all()
    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row.name, []).append(
            {"state": row.state, "published": row.published or {}}
        )
    return found


def expected_entries(expect_tasks: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    result = {}
    for name, value in (expect_tasks or {}).items():
        entries = value if isinstance(value, list) else [value]
        result[name] = [
            {"state": e["state"], "published": e.get("published") or {}} for e in entries
        ]
    return result


@pytest.mark.parametrize("case", load_cases())
def test_conformance_case(case: dict[str, Any], database: Database) -> None:
    expect = DELIBERATE.get(case["name"], case["expect"])
    text = case["workflow"]
    if expect.get("invalid") and expect.get("rejected_at") == "upload":
        with pytest.raises(DefinitionError):
            parse(text)
        return
    core = EngineCore(database)
    try:
        params = {"task_name": case["task_name"]} if case.get("task_name") else None
        if expect.get("invalid"):
            with pytest.raises((StartError, DefinitionError)):
                core.start(
                    text, case.get("workflow_name"), input=case.get("input"),
                    env=case.get("env"), params=params,
                )
            with database.sessions() as session:
                assert session.scalar(select(TaskExecution.id).limit(1)) is None
            return
        execution_id = core.start(
            text, case.get("workflow_name"), input=case.get("input"),
            env=case.get("env"), params=params,
        )
        execution = core.run(execution_id, timeout=60)
    finally:
        core.close()
    with database.sessions() as session:
        execution = session.get(Execution, execution_id)
        actual_tasks = task_entries(session, execution_id)
    assert execution.state == expect["state"], execution.state_info
    output = dict(execution.output or {})
    if execution.state == states.ERROR:
        output.pop("result", None)
    assert output == expect.get("output", {})
    assert actual_tasks == expected_entries(expect.get("tasks"))
    if "state_info_contains" in expect:
        assert expect["state_info_contains"] in (execution.state_info or "")
