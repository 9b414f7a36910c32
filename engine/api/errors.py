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
unknown_parameter     422     the query has a parameter the route lacks
missing_field         422     a required field is missing
invalid_value         422     a field or parameter has a wrong value
http_error            other   an HTTP error without a code of its own
internal_error        500     a bug; the log has the traceback
database_unavailable  503     the database cannot be reached; retry later
====================  ======  ============================================

A ``database_unavailable`` response carries a ``Retry-After`` header.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    StatementError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
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
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        #: Extra response headers, such as ``Retry-After`` on a 503.
        self.headers = headers


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
        503: "Database or Keystone unavailable; retry after the Retry-After seconds",
    }.items()
}

#: Seconds a client is asked to wait (``Retry-After``) while the database
#: or Keystone cannot be reached.
RETRY_AFTER_SECONDS = 5

#: Seconds between two log messages about one database outage.
OUTAGE_LOG_INTERVAL = 60.0


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(code=code, field=field, message=message)
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return SafeJSONResponse(
        body.model_dump(), status_code=status, headers=headers or None
    )


# ---------------------------------------------------------- database outages

#: PostgreSQL SQLSTATEs of a lost or refused connection: class 08
#: (connection exception), admin or crash shutdown, server starting up, and
#: too many connections.
_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")

#: SQLite primary result codes of a database file that cannot be opened or read.
#: SQLITE_BUSY and SQLITE_LOCKED (another process held the write lock for
#: longer than the busy timeout), SQLITE_IOERR and SQLITE_CANTOPEN.
_UNAVAILABLE_SQLITE_CODES = frozenset({5, 6, 10, 14})

#: SQLITE_BUSY and SQLITE_LOCKED, the codes of a busy database.
_BUSY_SQLITE_CODES = frozenset({5, 6})


def is_database_unavailable(error: BaseException) -> bool:
    """Return whether ``error`` means the database is busy or cannot be reached.

    True for a pool timeout, a connection the driver reported as lost, a
    refused connection, and the PostgreSQL and SQLite codes above. False for
    every other database error, such as a syntax error, a constraint
    violation or a missing table: those are bugs and stay a 500.
    """
    if isinstance(error, PoolTimeoutError | DisconnectionError):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    sqlite_code = getattr(original, "sqlite_errorcode", None)
    if isinstance(sqlite_code, int):
        return sqlite_code & 0xFF in _UNAVAILABLE_SQLITE_CODES
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if sqlstate:
        return str(sqlstate).startswith(_UNAVAILABLE_SQLSTATES)
    # psycopg raises OperationalError without a SQLSTATE when the client
    # side fails: connection refused, or the server closed the socket.
    return isinstance(error, OperationalError | InterfaceError)


def is_database_busy(error: BaseException) -> bool:
    """Return whether ``error`` is SQLite's SQLITE_BUSY or SQLITE_LOCKED.

    Both mean that another connection held a lock for longer than the busy
    timeout, so the database works but is busy.
    """
    original = getattr(error, "orig", None)
    sqlite_code = getattr(original, "sqlite_errorcode", None)
    return isinstance(sqlite_code, int) and sqlite_code & 0xFF in _BUSY_SQLITE_CODES


def describe_database_error(error: BaseException, password: str | None) -> str:
    """Return the first line of the driver's message, without ``password``.

    SQLAlchemy's own text of a statement error adds the SQL and its
    parameters, which may hold secrets, so only the driver's message is used.
    """
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    summary = f"{type(original).__name__}: {lines[0] if lines else ''}".rstrip(": ")
    if password:
        summary = summary.replace(password, "***")
    return summary


class OutageLog:
    """Logs a database outage once per ``interval`` seconds, counting repeats.

    Every request fails while the database is down, so logging each failure
    would flood the log. Thread-safe: sync routes run in a thread pool.
    """

    def __init__(
        self,
        interval: float = OUTAGE_LOG_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._logged_at: float | None = None
        self._suppressed = 0

    def record(self, where: str, summary: str) -> bool:
        """Log the failure unless one was logged recently; return whether it was."""
        with self._lock:
            now = self._clock()
            if self._logged_at is not None and now - self._logged_at < self.interval:
                self._suppressed += 1
                return False
            suppressed, self._suppressed = self._suppressed, 0
            self._logged_at = now
        if suppressed:
            log.warning(
                "database unavailable (%s): %s; %d similar failures were not "
                "logged in the last %.0f s",
                where,
                summary,
                suppressed,
                self.interval,
            )
        else:
            log.warning("database unavailable (%s): %s", where, summary)
        return True


def _database_password(request: Request) -> str | None:
    core = getattr(request.app.state, "core", None)
    try:
        password = core.db.engine.url.password  # type: ignore[union-attr]
    except AttributeError:
        return None
    return str(password) if password else None


def database_unavailable_response(
    request: Request, error: BaseException
) -> JSONResponse:
    """Log the outage (rate-limited) and return a 503 with ``Retry-After``."""
    outages: OutageLog = request.app.state.database_outages
    summary = describe_database_error(error, _database_password(request))
    outages.record(f"{request.method} {request.url.path}", summary)
    state = "busy or unreachable" if is_database_busy(error) else "unreachable"
    return error_response(
        503,
        "database_unavailable",
        f"The database is {state}; retry the request in {RETRY_AFTER_SECONDS} "
        "seconds",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def describe_domain_error(error: Exception) -> tuple[int, str, str | None]:
    """Return the status, code and field of a domain error (``DOMAIN_ERRORS``)."""
    for kind in type(error).__mro__:
        if kind in DOMAIN_ERRORS:
            status, code, field = DOMAIN_ERRORS[kind]
            return status, code, getattr(error, "field", None) or field
    raise LookupError(f"{type(error).__name__} has no entry in DOMAIN_ERRORS")


def describe_validation(
    errors: Sequence[Any], body: Any = None, body_model: Any = None
) -> tuple[int, str, str, str | None]:
    """Describe every validation problem; the first one gives code and field.

    ``body`` is the raw request body, which places a JSON syntax error at a
    line and column. ``body_model`` is the route's body model, whose fields
    a missing body's message lists. Returns the status, code, message and
    field of the response.
    """
    problems = []
    first_code = "invalid_value"
    first_field: str | None = None
    for index, (field, group) in enumerate(_group_by_field(errors)):
        error = _pick_error(group)
        kind = error.get("type", "")
        if kind == "json_invalid":
            problems.append(_json_syntax_message(error, body))
        elif kind == "missing" and tuple(error.get("loc", ())) == ("body",):
            problems.append(_missing_body_message(body_model))
        else:
            message = _validation_message(group, field)
            problems.append(f"{field}: {message}" if field else message)
        if index == 0:
            first_code = _VALIDATION_CODES.get(kind, "invalid_value")
            first_field = None if first_code == "invalid_json" else field
    status = 400 if first_code == "invalid_json" else 422
    return status, first_code, "; ".join(problems), first_field


def _missing_body_message(body_model: Any) -> str:
    fields = getattr(body_model, "model_fields", None)
    if not fields:
        return "The request body is missing; send a JSON object (see /openapi.json)"
    names = [field.alias or name for name, field in fields.items()]
    required = [
        field.alias or name for name, field in fields.items() if field.is_required()
    ]
    if required:
        return (
            "The request body is missing; send a JSON object with the required "
            f"fields {', '.join(required)} (all fields: {', '.join(names)})"
        )
    return (
        "The request body is missing; send a JSON object with some of the "
        f"fields {', '.join(names)} (see /openapi.json for which to combine)"
    )


def _route_body_model(request: Request) -> Any:
    """Return the body model of the route that matched ``request``, or None."""
    body_field = getattr(request.scope.get("route"), "body_field", None)
    if body_field is None:
        return None
    return body_field.field_info.annotation


#: Names of the JSON types, by Python type of a parsed value.
_JSON_TYPES: dict[type, str] = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}

#: Pydantic error types that mean "not of this type", and the type expected.
_EXPECTED_TYPES = {
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "list_type": "an array",
    "string_type": "a string",
    "bool_type": "a boolean",
    "bool_parsing": "a boolean",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "datetime_type": "a date-time",
    "datetime_parsing": "a date-time",
    "datetime_from_date_parsing": "a date-time",
}

#: Location parts that name a parameter's origin, not a field.
_ORIGINS = ("body", "query", "path", "header", "cookie")


def _field_path(error: Any) -> str | None:
    """Join the location of an error into a dotted path such as ``input.count``.

    Pydantic adds a step for the member of a union that was tried, such as
    ``function-after[check_text(), constrained-str]``. Field names of the
    request models never contain ``[``, ``-`` or ``(``, so such steps are
    dropped. The first step is kept: it is a parameter or field name, and a
    header name may contain ``-``.
    """
    parts = list(error.get("loc", ()))
    if parts and parts[0] in _ORIGINS:
        parts = parts[1:]
    path = [str(part) for part in parts[:1]]
    path += [
        str(part)
        for part in parts[1:]
        if isinstance(part, int) or not any(mark in part for mark in "[-(")
    ]
    return ".".join(path) or None


def _group_by_field(errors: Sequence[Any]) -> list[tuple[str | None, list[Any]]]:
    """Group errors by field path, in order, so a union's members form one group."""
    groups: dict[str | None, list[Any]] = {}
    for error in errors:
        groups.setdefault(_field_path(error), []).append(error)
    return list(groups.items())


def _pick_error(group: list[Any]) -> Any:
    """Return the error of a group that best explains it.

    A value that has the type of one union member but fails that member's
    constraints is best explained by the constraint. Type mismatches are
    merged by ``_validation_message``.
    """
    for error in group:
        if error.get("type") not in _EXPECTED_TYPES:
            return error
    return group[0]


def _json_type(value: Any) -> str:
    for kind, name in _JSON_TYPES.items():
        if type(value) is kind:
            return name
    return type(value).__name__


def _json_syntax_message(error: Any, body: Any) -> str:
    """Place a JSON syntax error at a line and column of the body (1-based)."""
    detail = (error.get("ctx") or {}).get("error", "invalid syntax")
    location = [part for part in error.get("loc", ()) if isinstance(part, int)]
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if not location or not isinstance(body, str):
        return f"Malformed JSON: {detail}; send a JSON object"
    position = location[0]
    line = body.count("\n", 0, position) + 1
    column = position - body.rfind("\n", 0, position)
    return (
        f"Malformed JSON at line {line}, column {column}: {detail}; send a JSON object"
    )


def _validation_message(group: list[Any], field: str | None) -> str:
    error = _pick_error(group)
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field; remove it (see the OpenAPI document for the fields)"
    if kind == "missing":
        return "field required"
    if kind in _EXPECTED_TYPES:
        expected = list(dict.fromkeys(_EXPECTED_TYPES[e["type"]] for e in group))
        value = error.get("input")
        if field is None:
            got = "text" if isinstance(value, bytes | str) else _json_type(value)
            return (
                "the body must be a JSON object sent with "
                f"Content-Type: application/json, got {got}"
            )
        return f"expected {' or '.join(expected)}, got {_json_type(value)}"
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every exception into an ``ErrorBody``.

    Each rejected request is logged at INFO with its method, path, status
    and code. Unexpected exceptions are logged with their traceback.
    """

    def rejected(
        request: Request,
        status: int,
        code: str,
        message: str,
        field: str | None,
        headers: dict[str, str] | None = None,
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
        return error_response(status, code, message, field, headers)

    async def api_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ApiError)
        return rejected(
            request, error.status, error.code, error.message, error.field, error.headers
        )

    async def invalid_request(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        described = describe_validation(
            error.errors(), error.body, _route_body_model(request)
        )
        return rejected(request, *described)

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
        if isinstance(error, StatementError):
            # The text of a statement error lists the SQL parameters, which
            # may be secret input or env values.
            error.hide_parameters = True
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(
            500,
            "internal_error",
            "An internal error occurred; the service log has the details",
        )

    async def database_error(request: Request, error: Exception) -> JSONResponse:
        if is_database_unavailable(error):
            return database_unavailable_response(request, error)
        return await unexpected(request, error)

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)
    app.state.database_outages = OutageLog()
    for kind in (StatementError, PoolTimeoutError, DisconnectionError):
        app.add_exception_handler(kind, database_error)
    for kind in DOMAIN_ERRORS:
        app.add_exception_handler(kind, domain_error)
    app.add_exception_handler(Exception, unexpected)
