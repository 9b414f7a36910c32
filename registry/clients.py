"""Service clients of a resolved action: keystoneauth1 Adapters with a microversion.

Each client sends the chosen microversion in its own service's header, and
no other service's, on every request. It then compares the version that the
response reports with the one requested. Services name their headers differently:

=====================  ==========================================
service type           request header
=====================  ==========================================
compute                ``OpenStack-API-Version: compute 2.79``
block-storage          ``OpenStack-API-Version: volume 3.59``
placement              ``OpenStack-API-Version: placement 1.36``
baremetal              ``X-OpenStack-Ironic-API-Version: 1.58``
shared-file-system     ``X-OpenStack-Manila-API-Version: 2.51``
=====================  ==========================================
"""

from __future__ import annotations

import json
from typing import Any

import requests
from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session as ks_session

from action_sdk import (
    ActionError,
    MicroversionMismatch,
    ServiceCallError,
    ServiceClients,
)
from registry.resolution import Resolution

#: Service type to (header name, service name inside the header value or None).
MICROVERSION_HEADERS: dict[str, tuple[str, str | None]] = {
    "compute": ("OpenStack-API-Version", "compute"),
    "block-storage": ("OpenStack-API-Version", "volume"),
    "placement": ("OpenStack-API-Version", "placement"),
    "baremetal": ("X-OpenStack-Ironic-API-Version", None),
    "shared-file-system": ("X-OpenStack-Manila-API-Version", None),
}
#: Every header that carries a microversion; an action may not set them.
_VERSION_HEADERS = frozenset(
    name.lower() for name, _ in MICROVERSION_HEADERS.values()
) | {"x-openstack-nova-api-version"}
_MAX_BODY_CHARACTERS = 2000


def microversion_headers(service_type: str, microversion: str | None) -> dict[str, str]:
    """Return the request headers that ask ``service_type`` for ``microversion``."""
    if microversion is None or service_type not in MICROVERSION_HEADERS:
        return {}
    header, service_name = MICROVERSION_HEADERS[service_type]
    value = f"{service_name} {microversion}" if service_name else microversion
    return {header: value}


def served_microversion(service_type: str, headers: Any) -> str | None:
    """Return the microversion that a response reports it was served at, or None."""
    if service_type not in MICROVERSION_HEADERS:
        return None
    header, service_name = MICROVERSION_HEADERS[service_type]
    value = headers.get(header)
    if not value:
        return None
    if service_name is None:
        return str(value).strip()
    # The value may list several services: "compute 2.79, placement 1.36".
    for entry in str(value).split(","):
        words = entry.split()
        if len(words) == 2 and words[0].lower() == service_name:
            return words[1]
    return None


class AdapterServiceClient:
    """A ``ServiceClient`` over a keystoneauth1 Adapter bound to one endpoint.

    Requests go to ``endpoint`` + path with the session's token. An HTTP
    error status raises ``ServiceCallError``; a response whose version header
    names another microversion raises ``MicroversionMismatch``. A response
    without the header is accepted, because error pages of proxies and some
    status codes carry none.
    """

    def __init__(
        self,
        session: ks_session.Session,
        *,
        service_type: str,
        endpoint: str,
        microversion: str | None,
        region_name: str | None = None,
        interface: str = "public",
    ) -> None:
        self.service_type = service_type
        self.endpoint = endpoint
        self.microversion = microversion
        self._adapter = ks_adapter.Adapter(
            session,
            service_type=service_type,
            interface=interface,
            region_name=region_name,
            endpoint_override=endpoint,
        )

    def __repr__(self) -> str:
        return (
            f"AdapterServiceClient({self.service_type}, {self.endpoint}, "
            f"microversion={self.microversion})"
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """Send a GET request."""
        return self.request("GET", path, **kwargs)

    def head(self, path: str, **kwargs: Any) -> requests.Response:
        """Send a HEAD request."""
        return self.request("HEAD", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        """Send a POST request."""
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        """Send a PUT request."""
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        """Send a PATCH request."""
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        """Send a DELETE request."""
        return self.request("DELETE", path, **kwargs)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send a request with the microversion header and check the response.

        Raises:
            ActionError: The request sets a microversion header itself, or
                the service could not be reached.
            ServiceCallError: The response has an HTTP error status.
            MicroversionMismatch: The response was served at another version.
        """
        headers = dict(kwargs.pop("headers", None) or {})
        own = sorted(name for name in headers if name.lower() in _VERSION_HEADERS)
        if own:
            raise ActionError(
                f"request to {self.service_type} sets {', '.join(own)}; the "
                "registry sends the resolved microversion, so declare the "
                "range in the action's ServiceRequirement instead"
            )
        headers.update(microversion_headers(self.service_type, self.microversion))
        url = self._url(path)
        try:
            response = self._adapter.request(
                url, method, headers=headers, raise_exc=False, **kwargs
            )
        except ks_exceptions.ConnectionError as exc:
            raise ActionError(
                f"{self.service_type} {method} {url} failed: "
                f"{type(exc).__name__}: {exc}",
                data={"service": self.service_type, "method": method, "url": url},
            ) from exc
        self._check_status(method, url, response)
        self._check_microversion(method, url, response)
        return response

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return self.endpoint.rstrip("/") + "/" + path.lstrip("/")

    def _check_status(self, method: str, url: str, response: requests.Response) -> None:
        if response.status_code < 400:
            return
        body = _error_body(response)
        data = {
            "service": self.service_type,
            "method": method,
            "url": url,
            "status": response.status_code,
            "microversion": self.microversion,
            "request_id": response.headers.get("x-openstack-request-id"),
            "body": body,
        }
        detail = _error_message(body)
        raise ServiceCallError(
            f"{self.service_type} {method} {url} failed with HTTP "
            f"{response.status_code}"
            + (f" at microversion {self.microversion}" if self.microversion else "")
            + (f": {detail}" if detail else ""),
            data,
        )

    def _check_microversion(
        self, method: str, url: str, response: requests.Response
    ) -> None:
        if self.microversion is None:
            return
        served = served_microversion(self.service_type, response.headers)
        if served is None or served == self.microversion:
            return
        raise MicroversionMismatch(
            f"{self.service_type} {method} {url} was served at microversion "
            f"{served}, but {self.microversion} was requested; the response may "
            "have another shape than the action expects",
            data={
                "service": self.service_type,
                "url": url,
                "requested": self.microversion,
                "served": served,
            },
        )


def build_service_clients(
    resolution: Resolution,
    session: ks_session.Session,
    *,
    interface: str = "public",
) -> ServiceClients:
    """Return the ``RunContext.services`` of a resolved action on a cloud.

    Raises:
        ValueError: The resolution has a service without an endpoint, as when
            it was resolved against explicitly given versions.
    """
    clients = {}
    for name, choice in resolution.services.items():
        if choice.endpoint is None:
            raise ValueError(
                f"{resolution.action} {resolution.version} was resolved without a "
                f"cloud, so {name} has no endpoint; resolve it against a "
                "discovered cloud to run it"
            )
        clients[name] = AdapterServiceClient(
            session,
            service_type=name,
            endpoint=choice.endpoint,
            microversion=choice.microversion,
            region_name=resolution.region,
            interface=interface,
        )
    return ServiceClients(clients)


def _error_body(response: requests.Response) -> Any:
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError):
        return response.text[:_MAX_BODY_CHARACTERS]


def _error_message(body: Any) -> str | None:
    """Return the message of an OpenStack error body such as
    ``{"itemNotFound": {"message": "...", "code": 404}}``."""
    if isinstance(body, dict):
        if isinstance(body.get("message"), str):
            return str(body["message"])
        for value in body.values():
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return str(value["message"])
    if isinstance(body, str) and body.strip():
        return body.strip().splitlines()[0][:200]
    return None
