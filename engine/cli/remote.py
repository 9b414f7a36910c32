"""The CLI's client of a running Levante service (``levante --url URL``).

``RemoteService`` sends the requests that the commands need and returns
documents in the same shapes that the local commands build, so both print
the same tables and JSON. API errors become CLI errors: an invalid request
(400, 422) exits with status 2, any other error with status 1.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import click
import httpx

from engine import states
from engine.cli.errors import InvalidInput

#: Environment variable with the service URL, like ``--url``.
URL_ENV = "LEVANTE_URL"

#: Environment variable with the bearer token, like ``--token``.
TOKEN_ENV = "LEVANTE_TOKEN"

#: Seconds to wait for one response of the service.
REQUEST_TIMEOUT = 60.0

#: Seconds between two polls of a running execution: first, then at most.
POLL_INTERVAL = (0.1, 1.0)

#: Called with an event name (``task_started``, ``task_finished``) and a
#: task with ``name``, ``state`` and ``state_info``.
TaskListener = Callable[[str, Any], None]


def open_client(url: str, token: str | None) -> httpx.Client:
    """Open an HTTP client for the service at ``url``."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=url, headers=headers, timeout=REQUEST_TIMEOUT)


class RemoteService:
    """Requests of the CLI commands against one service."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def close(self) -> None:
        self.client.close()

    # ----------------------------------------------------------- transport

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request; return the decoded JSON body (None when empty).

        Raises:
            InvalidInput: the service rejected the request as invalid.
            click.ClickException: the service is unreachable or returned
                another error.
        """
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise click.ClickException(
                f"cannot reach the Levante service at {self.client.base_url}: "
                f"{error}; check --url (or {URL_ENV}) and that 'levante serve' runs"
            ) from None
        if response.status_code >= 400:
            raise _api_error(response)
        if not response.content:
            return None
        return response.json()

    def pages(self, path: str, key: str, params: dict[str, Any]) -> Iterator[Any]:
        """Yield the items of a list, following ``next`` links."""
        body = self.request("GET", path, params=params)
        while True:
            yield from body[key]
            if not body.get("next"):
                return
            body = self.request("GET", body["next"])

    # ---------------------------------------------------------- executions

    def start(self, body: dict[str, Any]) -> str:
        """Start an execution; return its id."""
        execution = self.request("POST", "/v2/executions", json=body)
        return str(execution["id"])

    def execution(self, execution_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/v2/executions/{execution_id}")
        return result

    def tasks(self, execution_id: str) -> list[dict[str, Any]]:
        path = f"/v2/executions/{execution_id}/tasks"
        return list(self.pages(path, "tasks", {"limit": 1000}))

    def execution_document(self, execution_id: str) -> dict[str, Any]:
        """Return the document ``levante executions show -o json`` prints."""
        execution = self.execution(execution_id)
        return {
            "id": execution["id"],
            "workflow": execution["workflow_name"],
            "state": execution["state"],
            "state_info": execution["state_info"],
            "input": execution["input"],
            "output": execution["output"] if execution["output"] is not None else {},
            "tasks": [
                {
                    "id": task["id"],
                    "name": task["name"],
                    "state": task["state"],
                    "state_info": task["state_info"],
                    "published": task["published"],
                    "result": task["result"],
                }
                for task in self.tasks(execution_id)
            ],
        }

    def list_executions(self, state: str | None, limit: int) -> list[dict[str, Any]]:
        """Return top-level executions, newest first, as ``executions list`` rows."""
        params: dict[str, Any] = {"top_level": "true", "limit": min(limit, 1000)}
        if state:
            params["state"] = state.upper()
        rows = []
        for execution in self.pages("/v2/executions", "executions", params):
            rows.append(
                {
                    "id": execution["id"],
                    "workflow": execution["workflow_name"],
                    "state": execution["state"],
                    "created_at": _local_time(execution["created_at"]),
                    "finished_at": _local_time(execution["finished_at"]),
                }
            )
            if len(rows) >= limit:
                break
        return rows

    def change_state(self, execution_id: str, body: dict[str, Any]) -> None:
        self.request("PUT", f"/v2/executions/{execution_id}", json=body)

    def rerun(self, execution_id: str, body: dict[str, Any]) -> None:
        self.request("POST", f"/v2/executions/{execution_id}/rerun", json=body)

    def report(
        self, execution_id: str, depth: int | None, errors_only: bool
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"errors_only": str(errors_only).lower()}
        if depth is not None:
            params["depth"] = depth
        result: dict[str, Any] = self.request(
            "GET", f"/v2/executions/{execution_id}/report", params=params
        )
        return result

    def wait(
        self,
        execution_id: str,
        timeout: float | None,
        listener: TaskListener | None = None,
    ) -> dict[str, Any]:
        """Poll an execution until it completes or pauses; return it.

        Raises:
            TimeoutError: ``timeout`` seconds passed first.
        """
        deadline = time.monotonic() + timeout if timeout else None
        seen: dict[str, str] = {}
        interval = POLL_INTERVAL[0]
        while True:
            execution = self.execution(execution_id)
            if listener is not None:
                self._report_progress(execution_id, seen, listener)
            if (
                execution["state"] in states.COMPLETED
                or execution["state"] == states.PAUSED
            ):
                return execution
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"execution {execution_id} still running")
            time.sleep(interval)
            interval = min(interval * 2, POLL_INTERVAL[1])

    def _report_progress(
        self, execution_id: str, seen: dict[str, str], listener: TaskListener
    ) -> None:
        for task in self.tasks(execution_id):
            before = seen.get(task["id"])
            if before == task["state"]:
                continue
            seen[task["id"]] = task["state"]
            if before is None:
                listener(
                    "task_started", SimpleNamespace(**{**task, "state": states.RUNNING})
                )
            if task["state"] in states.COMPLETED:
                listener("task_finished", SimpleNamespace(**task))

    # ----------------------------------------------------------- workflows

    def store_workflows(
        self, text: str, namespace: str, update: bool
    ) -> list[dict[str, Any]]:
        method = "PUT" if update else "POST"
        body = {"definition": text, "namespace": namespace}
        result = self.request(method, "/v2/workflows", json=body)
        workflows: list[dict[str, Any]] = result["workflows"]
        return workflows

    def list_workflows(self, namespace: str | None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": 1000}
        if namespace is not None:
            params["namespace"] = namespace
        return list(self.pages("/v2/workflows", "workflows", params))

    def workflow(self, name: str, namespace: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "GET", f"/v2/workflows/{name}", params={"namespace": namespace}
        )
        return result

    def delete_workflow(self, name: str, namespace: str) -> None:
        self.request("DELETE", f"/v2/workflows/{name}", params={"namespace": namespace})


def _api_error(response: httpx.Response) -> click.ClickException:
    try:
        body = response.json()
        message = body["message"]
        code = body.get("code")
        field = body.get("field")
    except (ValueError, KeyError, TypeError):
        message, code, field = (
            response.text.strip() or response.reason_phrase,
            None,
            None,
        )
    detail = f"{message}"
    if field:
        detail = f"{field}: {detail}"
    if response.status_code in (400, 413, 422):
        return InvalidInput(detail)
    suffix = f" [{code}]" if code else f" [HTTP {response.status_code}]"
    return click.ClickException(detail + suffix)


def _local_time(value: str | None) -> str | None:
    """Drop the UTC offset the API adds, to match the local listing."""
    if value is None:
        return None
    for suffix in ("Z", "+00:00"):
        if value.endswith(suffix):
            return value[: -len(suffix)]
    return value
