"""Clients for the cloud services an action calls, as seen by the action.

The registry fills ``RunContext.services`` with one client per service type
in the action's requirements. Each client sends the microversion the registry
chose, on the endpoint it resolved, with the run's credentials, so an action
needs no OpenStack client library.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol, runtime_checkable

from action_sdk._errors import ServiceNotAvailable


@runtime_checkable
class ServiceResponse(Protocol):
    """HTTP response returned by a ``ServiceClient`` (a ``requests.Response``)."""

    @property
    def status_code(self) -> int:
        """HTTP status code."""

    @property
    def headers(self) -> Mapping[str, str]:
        """Response headers; names are case-insensitive."""

    @property
    def text(self) -> str:
        """Decoded body text."""

    def json(self) -> Any:
        """Return the decoded JSON body."""


@runtime_checkable
class ServiceClient(Protocol):
    """HTTP client bound to one service endpoint of one cloud.

    ``path`` is relative to ``endpoint`` (``"/servers/detail"``). Keyword
    arguments are those of ``requests``: ``params``, ``json``, ``headers``.
    A response with an HTTP error status raises ``ServiceCallError``, and a
    response served at another microversion raises ``MicroversionMismatch``.
    """

    @property
    def microversion(self) -> str | None:
        """Microversion sent with every request; None for services without."""

    @property
    def endpoint(self) -> str:
        """Versioned endpoint URL, such as "http://cloud:8774/v2.1"."""

    @property
    def service_type(self) -> str:
        """Official service type, such as "compute"."""

    def get(self, path: str, **kwargs: Any) -> ServiceResponse:
        """Send a GET request."""

    def head(self, path: str, **kwargs: Any) -> ServiceResponse:
        """Send a HEAD request; the response has headers and no body."""

    def post(self, path: str, **kwargs: Any) -> ServiceResponse:
        """Send a POST request."""

    def put(self, path: str, **kwargs: Any) -> ServiceResponse:
        """Send a PUT request."""

    def patch(self, path: str, **kwargs: Any) -> ServiceResponse:
        """Send a PATCH request."""

    def delete(self, path: str, **kwargs: Any) -> ServiceResponse:
        """Send a DELETE request."""


class ServiceClients(Mapping[str, ServiceClient]):
    """Service clients of one run, by official service type.

    ``context.services["compute"]`` returns the compute client. A service
    type without a client raises ``ServiceNotAvailable`` (a ``KeyError``),
    whose message lists the types that have one.
    """

    def __init__(self, clients: Mapping[str, ServiceClient] | None = None) -> None:
        self._clients = dict(clients or {})

    def __getitem__(self, service_type: str) -> ServiceClient:
        try:
            return self._clients[service_type]
        except KeyError:
            raise ServiceNotAvailable(service_type, sorted(self._clients)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._clients)

    def __len__(self) -> int:
        return len(self._clients)

    def __repr__(self) -> str:
        entries = ", ".join(
            f"{name}={client.microversion or '-'}@{client.endpoint}"
            for name, client in self._clients.items()
        )
        return f"ServiceClients({entries})"
