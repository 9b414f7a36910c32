"""Every error the API returns, mapped in one place.

Each error is a JSON body ``{"code", "field", "message"}`` (``ErrorBody``).
The codes are stable; messages may be reworded. Domain errors carry no HTTP
knowledge: ``DOMAIN_ERRORS`` gives each one its status, code and field.

====================  ======  ============================================
code                  status  when
====================  ======  ============================================
invalid_json          400     the body is not JSON
invalid_definition    400     the YAML document is invalid
invalid_input         400     a workflow cannot start with the input
invalid_marker        400     a paging marker names no item of the list
unauthorized          401     the bearer token is missing or unknown
not_found             404     no such resource in the caller's project
method_not_allowed    405     the path does not accept the method
already_exists        409     the name is taken
conflict              409     the request does not fit what is stored
invalid_state_change  409     the state change does not fit the state
body_too_large        413     the body exceeds the configured limit
unknown_field         422     the body has a field the model lacks
missing_field         422     a required field is missing
invalid_value         422     a field or parameter has a wrong value
http_error            other   an HTTP error without a code of its own
internal_error        500     a bug; the log has the traceback
====================  ======  ============================================
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from engine.api.responses import SafeJSONResponse
from engine.api.schemas import ErrorBody
from engine.catalog import WorkflowExists, WorkflowNotFound
from engine.core import ControlError, ExecutionNotFound, StartError
from engine.db.environments import EnvironmentExists, EnvironmentNotFound
from engine.spec.errors import DefinitionError

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error raised by a route, with everything the response needs."""

    def __init__(
        self, status: int, code: str, message: str, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


#: Domain error type to (status, code, field).
DOMAIN_ERRORS: dict[type[Exception], tuple[int, str, str | None]] = {
    DefinitionError: (400, "invalid_definition", "definition"),
    StartError: (400, "invalid_input", "input"),
    ExecutionNotFound: (404, "not_found", None),
    WorkflowNotFound: (404, "not_found", None),
    EnvironmentNotFound: (404, "not_found", None),
    WorkflowExists: (409, "already_exists", "definition"),
    EnvironmentExists: (409, "already_exists", "name"),
    ControlError: (409, "invalid_state_change", "state"),
}

#: Validation error types of pydantic mapped to a code.
_VALIDATION_CODES = {
    "json_invalid": "invalid_json",
    "extra_forbidden": "unknown_field",
    "missing": "missing_field",
}

_HTTP_CODES = {
    400: "invalid_json",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
}

#: Error responses to declare on routes, for the OpenAPI document.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        400: "Invalid JSON, definition or input",
        401: "Missing or unknown bearer token",
        404: "Not found in the caller's project",
        409: "Conflicts with what is stored",
        413: "Body larger than the limit",
        422: "Invalid field or parameter",
    }.items()
}


def error_response(
    status: int, code: str, message: str, field: str | None = None
) -> JSONResponse:
    body = ErrorBody(code=code, field=field, message=message)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return SafeJSONResponse(body.model_dump(), status_code=status, headers=headers)


def describe_domain_error(error: Exception) -> tuple[int, str, str | None]:
    """Return the status, code and field of a domain error (``DOMAIN_ERRORS``)."""
    for kind in type(error).__mro__:
        if kind in DOMAIN_ERRORS:
            status, code, field = DOMAIN_ERRORS[kind]
            return status, code, getattr(error, "field", None) or field
    raise LookupError(f"{type(error).__name__} has no entry in DOMAIN_ERRORS")


def describe_validation(errors: Sequence[Any]) -> tuple[int, str, str, str | None]:
    """Describe every validation problem; the first one gives code and field.

    Returns the status, code, message and field of the response.
    """
    problems = []
    first_code = "invalid_value"
    first_field: str | None = None
    for index, error in enumerate(errors):
        location = [str(part) for part in error.get("loc", ())]
        if location and location[0] in ("body", "query", "path", "header"):
            location = location[1:]
        field = ".".join(location) or None
        message = _validation_message(error)
        problems.append(f"{field}: {message}" if field else message)
        if index == 0:
            first_code = _VALIDATION_CODES.get(error.get("type", ""), "invalid_value")
            first_field = field
            if first_code == "invalid_json":
                first_field = None
    status = 400 if first_code == "invalid_json" else 422
    return status, first_code, "; ".join(problems), first_field


def _validation_message(error: Any) -> str:
    kind = error.get("type", "")
    if kind == "json_invalid":
        detail = (error.get("ctx") or {}).get("error", "")
        return f"the body is not valid JSON ({detail}); send a JSON object"
    if kind == "extra_forbidden":
        return "unknown field; remove it (see the OpenAPI document for the fields)"
    if kind == "missing":
        return "field required"
    if kind in ("model_attributes_type", "dict_type") and isinstance(
        error.get("input"), bytes | str
    ):
        return "the body must be a JSON object sent with Content-Type: application/json"
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every exception into an ``ErrorBody``.

    Each rejected request is logged at INFO with its method, path, status
    and code. Unexpected exceptions are logged with their traceback.
    """

    def rejected(
        request: Request, status: int, code: str, message: str, field: str | None
    ) -> JSONResponse:
        summary = message.splitlines()[0] if message else ""
        log.info(
            "rejected %s %s: %d %s: %s",
            request.method,
            request.url.path,
            status,
            code,
            summary,
        )
        return error_response(status, code, message, field)

    async def api_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ApiError)
        return rejected(request, error.status, error.code, error.message, error.field)

    async def invalid_request(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return rejected(request, *describe_validation(error.errors()))

    async def http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        detail = error.detail
        if isinstance(detail, dict) and {"code", "message"} <= detail.keys():
            # A router that raises its own coded errors (the registry's).
            code = str(detail["code"])
            message = str(detail["message"])
            return rejected(
                request, error.status_code, code, message, detail.get("field")
            )
        code = _HTTP_CODES.get(error.status_code, "http_error")
        message = str(detail)
        if error.status_code == 404:
            message = f"No route matches {request.url.path}; see /openapi.json"
        elif error.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        elif error.status_code == 413:
            limit = request.app.state.config.max_body_size
            message = f"The request body exceeds the limit of {limit} bytes"
        elif error.status_code == 400:
            message = "The body could not be parsed; send a JSON object"
        return rejected(request, error.status_code, code, message, None)

    async def domain_error(request: Request, error: Exception) -> JSONResponse:
        status, code, field = describe_domain_error(error)
        return rejected(request, status, code, str(error), field)

    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(
            500,
            "internal_error",
            "An internal error occurred; the service log has the details",
        )

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)
    for kind in DOMAIN_ERRORS:
        app.add_exception_handler(kind, domain_error)
    app.add_exception_handler(Exception, unexpected)
