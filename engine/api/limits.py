"""The request body size limit, reported with the API's JSON error body."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.api.errors import error_response

log = logging.getLogger(__name__)


class BodyTooLarge(HTTPException):
    """The body grew past the limit while it was read (413)."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="Request body too large")


class BodySizeLimit:
    """ASGI middleware that rejects request bodies over ``max_body_size`` bytes.

    A declared ``Content-Length`` over the limit is rejected before the body
    is read. A body without one is counted as it arrives, and reading past
    the limit raises ``BodyTooLarge``, which the error handlers turn into a
    413 response.
    """

    def __init__(self, app: ASGIApp, max_body_size: int) -> None:
        self.app = app
        self.max_body_size = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_size:
            log.info(
                "rejected %s %s: 413 body_too_large: Content-Length %d",
                scope.get("method"),
                scope.get("path"),
                declared,
            )
            response = error_response(
                413,
                "body_too_large",
                f"The request body exceeds the limit of {self.max_body_size} bytes",
            )
            await response(scope, receive, send)
            return
        received = 0

        async def receive_limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_size:
                    raise BodyTooLarge()
            return message

        await self.app(scope, receive_limited, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
