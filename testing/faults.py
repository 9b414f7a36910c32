"""Error responses in the body format each OpenStack service uses.

Clients parse these bodies to show the service's message, so a fake that
returns every error in one format would hide parsing bugs. A 401 comes from
the token middleware in front of every service and has keystone's format.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

#: Fault keys of nova, cinder and manila. Other statuses use "computeFault".
_FAULT_KEYS = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}


def _title(status: int) -> str:
    return HTTPStatus(status).phrase


def _keystone(status: int, message: str) -> Any:
    return {"error": {"code": status, "message": message, "title": _title(status)}}


def _fault(status: int, message: str) -> Any:
    return {
        _FAULT_KEYS.get(status, "computeFault"): {"code": status, "message": message}
    }


def _neutron(status: int, message: str) -> Any:
    error_type = "HTTP" + _title(status).replace(" ", "")
    return {"NeutronError": {"type": error_type, "message": message, "detail": ""}}


def _placement(status: int, message: str) -> Any:
    return {"errors": [{"status": status, "title": _title(status), "detail": message}]}


def _ironic(status: int, message: str) -> Any:
    # Ironic wraps a JSON document in a string.
    fault = {"faultstring": message, "faultcode": "Client", "debuginfo": None}
    return {"error_message": json.dumps(fault)}


def _heat(status: int, message: str) -> Any:
    return {
        "code": status,
        "title": _title(status),
        "explanation": message,
        "error": {"type": _title(status).replace(" ", ""), "message": message},
    }


_FORMATS = {
    "identity": _keystone,
    "compute": _fault,
    "block-storage": _fault,
    "shared-file-system": _fault,
    "network": _neutron,
    "placement": _placement,
    "baremetal": _ironic,
    "orchestration": _heat,
}


def error_response(
    service_type: str, status: int, message: str
) -> tuple[str, dict[str, str]]:
    """Return (body, headers) of an error response from `service_type`.

    Glance returns errors as plain text, swift as HTML, and the other services
    as JSON.
    """
    if status == 401:
        body = _keystone(status, message)
    elif service_type == "image":
        text = f"{status} {_title(status)}\n\n{message}\n\n"
        return text, {"Content-Type": "text/plain; charset=UTF-8"}
    elif service_type == "object-store":
        # Swift returns errors as a short HTML page.
        html = f"<html><h1>{_title(status)}</h1><p>{message}</p></html>"
        return html, {"Content-Type": "text/html; charset=UTF-8"}
    else:
        body = _FORMATS[service_type](status, message)
    return json.dumps(body), {"Content-Type": "application/json"}
