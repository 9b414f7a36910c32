"""The CLI's client of a running Levante service (``levante --url URL``).

``RemoteService`` sends the requests that the commands need and returns
documents in the same shapes that the local commands build, so both print
the same tables and JSON. API errors become the CLI errors that the local
commands raise for the same fault, so the exit statuses match: an invalid
request (400, 413, 422) exits with 2, not found (404) with 4, a conflict
(409) with 5, and an unreachable or failing service with 6.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from functools import partial
from types import SimpleNamespace
from typing import Any, TypeVar
from urllib.parse import quote

import click
import httpx

from engine import states
from engine.cli.errors import (
    SHOWN_MATCHES,
    Conflict,
    InvalidInput,
    NotFound,
    Unavailable,
    ambiguous_execution_prefix,
    execution_id_prefix,
    execution_not_found,
)

#: Environment variable with the service URL, like ``--url``.
URL_ENV = "LEVANTE_URL"

#: Environment variable with the bearer token, like ``--token``.
TOKEN_ENV = "LEVANTE_TOKEN"

#: Error code of the service for a start on a cloud whose services cannot
#: be discovered (HTTP 503).
CLOUD_UNAVAILABLE = "cloud_unavailable"

#: Seconds to wait for one response of the service.
REQUEST_TIMEOUT = 60.0

#: Seconds between two polls of a running execution: first, then at most.
POLL_INTERVAL = (0.1, 1.0)

#: Seconds of 503 responses after which following an execution stops,
#: unless --timeout ends it first.
OUTAGE_PATIENCE = 300.0

#: Maximum wait, in seconds, between two requests that a ``Retry-After``
#: header may request.
MAX_RETRY_AFTER = 30.0

HTTP_SERVICE_UNAVAILABLE = 503

T = TypeVar("T")

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
            NotFound: the service has no such resource (404).
            Conflict: the request does not fit the stored state (409).
            Unavailable: the service is unreachable or returned another error.
        """
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise Unavailable(
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

    def resolve_execution_id(self, id_or_prefix: str) -> str:
        """Return the id of the execution named in full or by a unique prefix.

        Matches the local commands: a full id wins, and a prefix must match
        exactly one execution (sub-workflows included).

        Raises:
            NotFound: no execution id starts with ``id_or_prefix``, or it has
                a character that no id has.
            InvalidInput: ``id_or_prefix`` is empty, or several execution ids
                start with it.
        """
        id_or_prefix = execution_id_prefix(id_or_prefix)
        try:
            return str(self.execution(quote(id_or_prefix, safe=""))["id"])
        except NotFound:
            pass
        # NOTE: the API has no id-prefix filter, so a prefix is looked up by
        # listing the project's executions, up to 1000 per request.
        matches: list[str] = []
        params = {"limit": 1000}
        for execution in self.pages("/v2/executions", "executions", params):
            if execution["id"].startswith(id_or_prefix):
                matches.append(execution["id"])
                if len(matches) > SHOWN_MATCHES:
                    break
        if not matches:
            raise execution_not_found(id_or_prefix)
        if len(matches) > 1:
            raise ambiguous_execution_prefix(id_or_prefix, matches)
        return matches[0]

    def tasks(self, execution_id: str) -> list[dict[str, Any]]:
        path = f"/v2/executions/{execution_id}/tasks"
        return list(self.pages(path, "tasks", {"limit": 1000}))

    def sub_executions(self, execution_id: str) -> list[dict[str, Any]]:
        """Return the executions started by tasks of ``execution_id``, oldest first."""
        params = {"parent_id": execution_id, "limit": 1000}
        children = list(self.pages("/v2/executions", "executions", params))
        children.reverse()
        return children

    def execution_document(
        self, execution_id: str, *, details: bool = False
    ) -> dict[str, Any]:
        """Return the document ``levante run -o json`` prints.

        With ``details`` it is the document of ``executions show -o json``,
        which adds the cloud, the resolutions and the leases.
        """
        execution = self.execution(execution_id)
        document = {
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
        if details:
            document["cloud"] = execution["cloud"]
            document["resolutions"] = execution["resolutions"]
            document["leases"] = [
                {**lease, "until": _local_time(lease["until"])}
                for lease in execution["leases"]
            ]
        return document

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
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        """Poll an execution until it completes or pauses; return it.

        With ``progress``, each poll also reports the tasks of the execution
        and of its sub-workflows that started or finished since the last
        poll, like the engine reports them to a local listener.

        Raises:
            TimeoutError: ``timeout`` seconds passed first.
        """
        deadline = time.monotonic() + timeout if timeout else None
        interval = POLL_INTERVAL[0]
        while True:
            execution = self.following(
                execution_id, deadline, lambda: self.execution(execution_id)
            )
            if progress is not None:
                self.following(execution_id, deadline, partial(progress.report, execution))
            if (
                execution["state"] in states.COMPLETED
                or execution["state"] == states.PAUSED
            ):
                return execution
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"execution {execution_id} still running")
            time.sleep(interval)
            interval = min(interval * 2, POLL_INTERVAL[1])

    def following(
        self, execution_id: str, deadline: float | None, call: Callable[[], T]
    ) -> T:
        """Call ``call`` while following ``execution_id``, retrying on status 503.

        The service returns 503 while its database is unreachable, and the
        execution goes on once the database is back. Each retry waits the
        response's ``Retry-After`` seconds. The retries stop at ``deadline``
        (a ``time.monotonic()`` value, raising TimeoutError) or after
        ``OUTAGE_PATIENCE`` seconds without a response other than 503.

        Raises:
            TimeoutError: ``deadline`` passed during the outage.
            Unavailable: the outage lasted longer than ``OUTAGE_PATIENCE``.
        """
        give_up = time.monotonic() + OUTAGE_PATIENCE
        while True:
            try:
                return call()
            except Unavailable as error:
                status = getattr(error, "http_status", None)
                if status != HTTP_SERVICE_UNAVAILABLE:
                    raise
                now = time.monotonic()
                if deadline is not None and now >= deadline:
                    raise TimeoutError(f"execution {execution_id} still running") from None
                if now >= give_up:
                    raise Unavailable(
                        f"stopped following execution {execution_id}: the service "
                        f"answered 503 for {OUTAGE_PATIENCE:.0f} s ({error.message}); "
                        "the execution goes on in the service, and "
                        f"'levante executions show {execution_id}' reports its state"
                    ) from None
                pause = getattr(error, "retry_after", None) or POLL_INTERVAL[1]
                pause = min(pause, give_up - now)
                if deadline is not None:
                    pause = min(pause, deadline - now)
                time.sleep(max(pause, 0.0))

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


class Progress:
    """Task events of an execution tree, found by polling the service.

    Tasks are walked depth first: a task's start, then the tasks of the
    sub-workflows it started, then its end, which is the order a local run
    reports them in for sequential tasks. A poll returns only the current
    states, so parallel tasks may be reported in another order than
    locally, and a task that starts and ends between two polls is reported
    at the second one.
    """

    def __init__(self, service: RemoteService, listener: TaskListener) -> None:
        self.service = service
        self.listener = listener
        #: Last seen state and end time of each task id.
        self.seen: dict[str, tuple[str, str | None]] = {}
        #: Tasks whose start was reported (or was before ``skip_past``).
        self.started: set[str] = set()
        #: Executions whose tasks were read after the execution completed,
        #: so nothing about them is left to report.
        self.done: set[str] = set()

    def skip_past(self, execution_id: str) -> None:
        """Record the tree's current task states without reporting them.

        Called before a resume or rerun, so that only what runs afterwards
        is reported, as a local resume or rerun does.
        """
        self._walk(self.service.execution(execution_id), silent=True)

    def report(self, execution: dict[str, Any]) -> None:
        """Report what changed in the tree of ``execution`` since the last call."""
        self._walk(execution, silent=False)

    def _walk(self, execution: dict[str, Any], *, silent: bool) -> None:
        if execution["id"] in self.done:
            return
        # The state is read before the tasks, so when it is already final,
        # the tasks read next are final too.
        completed = execution["state"] in states.COMPLETED
        tasks = self.service.tasks(execution["id"])
        children: dict[str, list[dict[str, Any]]] = {}
        if tasks:
            for child in self.service.sub_executions(execution["id"]):
                children.setdefault(child["parent_task_id"], []).append(child)
        for task in tasks:
            before = self.seen.get(task["id"])
            now = (task["state"], task["finished_at"])
            if before is not None and before[0] in states.COMPLETED and before != now:
                # A task that ended and is active again, or ended again, was rerun.
                self.started.discard(task["id"])
            if task["state"] not in _NOT_STARTED and task["id"] not in self.started:
                self.started.add(task["id"])
                if not silent:
                    started = {**task, "state": states.RUNNING}
                    self.listener("task_started", SimpleNamespace(**started))
            for child in children.get(task["id"], []):
                self._walk(child, silent=silent)
            self.seen[task["id"]] = now
            if not silent and task["state"] in states.COMPLETED and before != now:
                self.listener("task_finished", SimpleNamespace(**task))
        if completed and not silent:
            self.done.add(execution["id"])


#: Task states before the engine first runs the task.
_NOT_STARTED = frozenset({states.IDLE, states.WAITING})


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
    # The local commands print the message alone for the same fault, so the
    # field name is left out. Callers that need the field or code read them
    # from the error's attributes.
    error: click.ClickException
    if response.status_code in (400, 413, 422):
        error = InvalidInput(message)
    elif response.status_code == 404:
        error = NotFound(message)
    elif response.status_code == 409:
        error = Conflict(message)
    else:
        suffix = f" [{code}]" if code else f" [HTTP {response.status_code}]"
        error = Unavailable(message + suffix)
    error.http_status = response.status_code  # type: ignore[attr-defined]
    error.retry_after = _retry_after(response)  # type: ignore[attr-defined]
    error.api_code = code  # type: ignore[attr-defined]
    error.api_message = message  # type: ignore[attr-defined]
    error.api_field = field  # type: ignore[attr-defined]
    return error


def _retry_after(response: httpx.Response) -> float | None:
    """Return the seconds of a ``Retry-After`` header, capped at ``MAX_RETRY_AFTER``.

    Only the delay-seconds form is read; an HTTP date or a missing or
    invalid value gives None.
    """
    try:
        seconds = float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None
    if not seconds >= 0:
        return None
    return min(seconds, MAX_RETRY_AFTER)


def in_definition_file(
    error: click.ClickException, source: str
) -> click.ClickException:
    """Word a service's error about the definition read from ``source`` as locally.

    The service parses the definition text without its file name and names
    the place ``<string>:LINE``; the local commands name the file.
    """
    if getattr(error, "api_code", None) != "invalid_definition":
        return error
    issues = re.sub(r"^<string>:", f"{source}:", error.message, flags=re.MULTILINE)
    return InvalidInput(f"invalid definition in {source}:\n{issues}")


def _local_time(value: str | None) -> str | None:
    """Drop the UTC offset the API adds, to match the local listing."""
    if value is None:
        return None
    for suffix in ("Z", "+00:00"):
        if value.endswith(suffix):
            return value[: -len(suffix)]
    return value
