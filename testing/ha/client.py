"""A REST client for HA runs that records every call and its outcome."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from testing.ha.shapes import Shape


@dataclass(frozen=True)
class ApiCall:
    """One request: when it was sent (``time.monotonic``) and how it ended."""

    sent_at: float
    method: str
    path: str
    ok: bool
    #: Status code and body, or the transport error.
    detail: str


class ApiError(Exception):
    """A request failed: transport error or a status code of 400 or above."""


class RecordingClient:
    """Start and read executions through the REST API, logging each call."""

    def __init__(self, base_url: str, timeout: float = 15.0) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=timeout)
        self._lock = threading.Lock()
        self.calls: list[ApiCall] = []

    def close(self) -> None:
        self._http.close()

    def start(
        self, shape: Shape, run_key: str, delay: float, execution_id: str | None = None
    ) -> str:
        """Start ``shape`` from its definition; return the execution id.

        With ``execution_id``, a retry after a lost response returns the
        execution that the first request created instead of starting another.
        """
        body: dict[str, Any] = {
            "workflow_name": shape.workflow,
            "definition": shape.text,
            "input": {"run_key": run_key, "delay": delay},
        }
        if execution_id is not None:
            body["id"] = execution_id
        return str(self._request("POST", "/v2/executions", json=body)["id"])

    def list_executions(self) -> dict[str, Any]:
        return self._request("GET", "/v2/executions")

    def execution(self, execution_id: str) -> dict[str, Any]:
        return self._request("GET", f"/v2/executions/{execution_id}")

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        sent_at = time.monotonic()
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            self._record(
                ApiCall(
                    sent_at, method, path, False, f"{type(error).__name__}: {error}"
                )
            )
            raise ApiError(f"{method} {path} failed: {error}") from error
        ok = response.status_code < 400
        self._record(
            ApiCall(
                sent_at,
                method,
                path,
                ok,
                f"{response.status_code} {response.text[:300]}",
            )
        )
        if not ok:
            raise ApiError(
                f"{method} {path} returned {response.status_code}: "
                f"{response.text[:300]}"
            )
        return dict(response.json())

    def _record(self, call: ApiCall) -> None:
        with self._lock:
            self.calls.append(call)
