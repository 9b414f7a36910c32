"""A fake OpenStack cloud of one release, served by `responses` on 127.0.0.1.

The cloud serves keystone v3 password authentication with a token and a
service catalog, every service's version discovery documents (built from
`testing.releases`), and the canned responses a test adds. Requests to
service paths need a token this cloud issued; requests to microversioned
APIs negotiate a microversion and get the service's version headers back.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import responses

from testing.documents import Document, build_documents
from testing.faults import error_response
from testing.identity import AuthError, Credentials, Keystone
from testing.microversions import MicroversionError, Negotiation, negotiate
from testing.releases import (
    RELEASES,
    SERVICE_TYPES,
    ApiVersion,
    ServiceRelease,
    check_release,
    check_service_type,
    service_release,
)
from testing.routes import RouteTable, make_response
from testing.services import IDENTITY_PORT, SERVICES
from testing.transport import METHODS, SHARED_MOCK

__all__ = ["RELEASES", "FakeCloud"]

Reply = tuple[int, dict[str, str], str | bytes]

_LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
_TOKENS_PATH = "/v3/auth/tokens"
_MAX_PORT = 65535


class FakeCloud:
    """A cloud of one OpenStack release, served by `responses` on 127.0.0.1.

    Each service listens on its devstack port shifted by the offset of the
    auth URL's port from 5000, so clouds with different auth URL ports can
    run side by side. Identity authentication is always served at `auth_url`,
    but the identity service is listed in the catalog only when selected.

    Raises:
        ValueError: an unknown release or service type, or an auth URL that
            is not `http(s)://127.0.0.1:PORT[/prefix]/v3`.
    """

    def __init__(
        self,
        release: str,
        *,
        services: Iterable[str] | None = None,
        region: str = "RegionOne",
        auth_url: str = "http://127.0.0.1:5000/v3",
    ) -> None:
        self.release = check_release(release)
        self.region = region
        self.auth_url = auth_url.rstrip("/")
        self.services: tuple[str, ...] = _select_services(services)
        self._scheme_host, identity_prefix, port = _split_auth_url(self.auth_url)
        self._roots = {
            service_type: self._service_root(service_type, identity_prefix, port)
            for service_type in SERVICE_TYPES
        }
        self._identity_prefix = identity_prefix
        self._facts = {
            service_type: service_release(service_type, self.release)
            for service_type in self._served_types()
        }
        self._documents = {
            service_type: {
                path.rstrip("/"): document
                for path, document in build_documents(
                    facts, self._roots[service_type]
                ).items()
            }
            for service_type, facts in self._facts.items()
        }
        self._keystone = Keystone(Credentials(), self._catalog, seed=self.auth_url)
        self._routes = RouteTable()
        self._started = False
        self._calls: list[responses.Call] = []

    # Lifecycle

    def start(self) -> FakeCloud:
        """Start serving. Starting a started cloud does nothing."""
        if not self._started:
            bases = {self._base(service) for service in self._served_types()}
            SHARED_MOCK.register(self, sorted(bases), self._handle)
            self._started = True
            self._calls = []
        return self

    def stop(self) -> None:
        """Stop serving. `calls` keeps the requests seen while started."""
        if self._started:
            self._calls = SHARED_MOCK.calls_for(self)
            SHARED_MOCK.unregister(self)
            self._started = False

    def __enter__(self) -> FakeCloud:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # Queries

    @property
    def started(self) -> bool:
        """Whether the cloud serves requests now."""
        return self._started

    @property
    def calls(self) -> list[responses.Call]:
        """Every request this cloud saw, in order, with its response."""
        if self._started:
            return SHARED_MOCK.calls_for(self)
        return list(self._calls)

    @property
    def project_id(self) -> str:
        """Id of the project that tokens are scoped to."""
        return self._keystone.project_id

    def endpoint(self, service_type: str) -> str:
        """Return the catalog URL of a service of this cloud.

        Raises:
            ValueError: the service type is unknown or not in this cloud.
        """
        self._check_in_catalog(service_type)
        root = self._roots[service_type]
        path = SERVICES[service_type].catalog_path.format(project_id=self.project_id)
        return root + path

    def microversion_range(self, service_type: str) -> tuple[str, str] | None:
        """Return (min, max) microversion of a service, None without microversions.

        Raises:
            ValueError: the service type is unknown or not in this cloud.
        """
        self._check_in_catalog(service_type)
        return self._facts[service_type].microversion_range()

    def service_facts(self, service_type: str) -> ServiceRelease:
        """Return the release facts a service of this cloud is built from."""
        self._check_in_catalog(service_type)
        return self._facts[service_type]

    def cloud_config(self) -> dict[str, Any]:
        """Return one clouds.yaml `clouds:` entry that authenticates to this cloud."""
        creds = self._keystone.credentials
        return {
            "auth": {
                "auth_url": self.auth_url,
                "username": creds.username,
                "password": creds.password,
                "project_name": creds.project_name,
                "user_domain_name": creds.domain_name,
                "project_domain_name": creds.domain_name,
            },
            "region_name": self.region,
            "identity_api_version": 3,
        }

    # Test controls

    def add(
        self,
        method: str,
        service_type: str,
        path: str,
        *,
        json: Any = None,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        body: str | bytes | None = None,
        min_microversion: str | None = None,
        max_microversion: str | None = None,
    ) -> None:
        """Add a canned response on a resource route of a service.

        `path` is relative to the service's catalog URL ("/servers/detail"
        for compute means `<endpoint>/servers/detail`), or an absolute URL on
        the service's host. When `path` has a query string, only requests with
        that exact query match, and without one any query matches. Responses
        added for one route are served in order and the last one repeats.
        `min_microversion` and `max_microversion` limit the response to
        requests negotiated within that range. A request that no response
        fits gets the service's 404.

        Raises:
            ValueError: bad method, service, path, status or microversion.
        """
        method = method.upper()
        if method not in METHODS:
            raise ValueError(
                f"invalid HTTP method {method!r}; expected one of {', '.join(METHODS)}"
            )
        self._check_in_catalog(service_type)
        route_path, query = self._route_path(service_type, path)
        has_bounds = min_microversion is not None or max_microversion is not None
        if has_bounds and self._facts[service_type].microversion_range() is None:
            raise ValueError(
                f"{service_type} has no microversions; drop min_microversion "
                "and max_microversion"
            )
        canned = make_response(
            status,
            json=json,
            body=body,
            headers=headers,
            query=query,
            min_microversion=min_microversion,
            max_microversion=max_microversion,
        )
        self._routes.add(method, service_type, route_path, canned)

    def issue_token(self) -> str:
        """Issue a project-scoped token, for tests that call services directly."""
        creds = self._keystone.credentials
        domain = {"name": creds.domain_name}
        auth = {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": creds.username,
                        "domain": domain,
                        "password": creds.password,
                    }
                },
            },
            "scope": {"project": {"name": creds.project_name, "domain": domain}},
        }
        return self._keystone.issue(json.dumps({"auth": auth})).id

    def revoke_tokens(self) -> None:
        """Revoke every issued token, so later requests with them get 401."""
        self._keystone.revoke_all()

    # Request handling

    def _handle(self, request: Any) -> Reply:
        url = urlsplit(str(request.url))
        service_type, path = self._locate(f"{url.scheme}://{url.netloc}", url.path)
        if service_type is None:
            return _plain_error(404, f"nothing is served at {url.path}")
        if service_type == "identity" and path.rstrip("/") == _TOKENS_PATH:
            return self._handle_tokens(request)

        # Version documents need no token and no microversion.
        document = None
        if request.method == "GET":
            document = self._documents[service_type].get(path.rstrip("/"))
        negotiation = None
        if document is None:
            if self._keystone.validate(_token_of(request)) is None:
                message = "a valid X-Auth-Token is required"
                return self._error(service_type, 401, message)
            try:
                negotiation = self._negotiate(service_type, path, request.headers)
            except MicroversionError as error:
                return self._error(service_type, error.status, error.message)

        served = negotiation.served if negotiation is not None else None
        picked = self._routes.pick(
            request.method, service_type, path, url.query, served
        )
        if not isinstance(picked, str):
            headers = self._service_headers(service_type, negotiation)
            headers.update(picked.headers)
            return picked.status, headers, picked.body
        if document is not None:
            return self._document_reply(service_type, document)
        message = f"{picked} on {service_type}; add one with FakeCloud.add"
        return self._error(service_type, 404, message, negotiation)

    def _negotiate(
        self, service_type: str, path: str, headers: Mapping[str, str]
    ) -> Negotiation | None:
        """Negotiate the microversion of a request, or return None without one."""
        api = self._api_of(service_type, path)
        if api is None or api.min_microversion is None or api.max_microversion is None:
            return None
        spec = SERVICES[service_type]
        return negotiate(spec, headers, api.min_microversion, api.max_microversion)

    def _handle_tokens(self, request: Any) -> Reply:
        headers = self._service_headers("identity", None)
        if request.method == "POST":
            try:
                token = self._keystone.issue(request.body)
            except AuthError as error:
                return self._error("identity", error.status, error.message)
            headers.update(
                {
                    "Content-Type": "application/json",
                    "X-Subject-Token": token.id,
                    "Vary": "X-Auth-Token",
                }
            )
            return 201, headers, json.dumps(token.body)
        if self._keystone.validate(_token_of(request)) is None:
            return self._error("identity", 401, "a valid X-Auth-Token is required")
        subject = self._keystone.validate(request.headers.get("X-Subject-Token"))
        if subject is None:
            return self._error("identity", 404, "the X-Subject-Token is not valid")
        if request.method == "DELETE":
            subject.revoked = True
            return 204, headers, ""
        if request.method not in ("GET", "HEAD"):
            return self._error("identity", 405, f"{request.method} is not allowed here")
        headers.update(
            {"Content-Type": "application/json", "X-Subject-Token": subject.id}
        )
        body = "" if request.method == "HEAD" else json.dumps(subject.body)
        return 200, headers, body

    def _document_reply(self, service_type: str, document: Document) -> Reply:
        headers = self._service_headers(service_type, None)
        headers["Content-Type"] = "application/json"
        headers.update(document.headers)
        return document.status, headers, json.dumps(document.body)

    def _error(
        self,
        service_type: str,
        status: int,
        message: str,
        negotiation: Negotiation | None = None,
    ) -> Reply:
        body, content_headers = error_response(service_type, status, message)
        headers = self._service_headers(service_type, negotiation)
        headers.update(content_headers)
        return status, headers, body

    def _service_headers(
        self, service_type: str, negotiation: Negotiation | None
    ) -> dict[str, str]:
        request_id = f"req-{uuid.uuid4()}"
        headers = {"X-OpenStack-Request-ID": request_id}
        if service_type == "compute":
            headers["X-Compute-Request-Id"] = request_id
        if negotiation is not None:
            headers.update(negotiation.response_headers())
        return headers

    # URL layout

    def _served_types(self) -> tuple[str, ...]:
        # Authentication needs identity even when the catalog leaves it out.
        if "identity" in self.services:
            return self.services
        return ("identity", *self.services)

    def _service_root(self, service_type: str, identity_prefix: str, port: int) -> str:
        if service_type == "identity":
            return f"{self._scheme_host}:{port}{identity_prefix}"
        shifted = SERVICES[service_type].port + port - IDENTITY_PORT
        if shifted > _MAX_PORT:
            highest = _MAX_PORT - max(spec.port for spec in SERVICES.values())
            raise ValueError(
                f"auth_url port {port} puts {service_type} on port {shifted}; "
                f"use an auth_url port of at most {highest + IDENTITY_PORT}"
            )
        return f"{self._scheme_host}:{shifted}"

    def _base(self, service_type: str) -> str:
        parts = urlsplit(self._roots[service_type])
        return f"{parts.scheme}://{parts.netloc}"

    def _locate(self, base: str, path: str) -> tuple[str | None, str]:
        for service_type in self._served_types():
            if self._base(service_type) != base:
                continue
            if service_type == "identity":
                if not (path + "/").startswith(self._identity_prefix + "/"):
                    return None, path
                return service_type, path[len(self._identity_prefix) :]
            return service_type, path
        return None, path

    def _api_of(self, service_type: str, path: str) -> ApiVersion | None:
        """Return the API major version that serves `path`, or None."""
        segment = path.strip("/").split("/", 1)[0]
        for version in self._facts[service_type].versions:
            version_segment = version.path.strip("/")
            if version_segment == segment or not version_segment:
                return version
        return None

    def _route_path(self, service_type: str, path: str) -> tuple[str, str | None]:
        """Turn an `add` path into (path below the service root, query or None)."""
        root = self._roots[service_type]
        if "://" in path:
            if not path.startswith(root):
                raise ValueError(
                    f"URL {path!r} is not on {service_type} of this cloud; "
                    f"expected a URL starting with {root}"
                )
            full = path[len(root) :]
        elif path.startswith("/"):
            catalog_path = SERVICES[service_type].catalog_path.rstrip("/")
            full = catalog_path.format(project_id=self.project_id) + path
        else:
            raise ValueError(
                f"path {path!r} must start with '/' (relative to the catalog URL "
                f"{self.endpoint(service_type)}) or be an absolute URL"
            )
        route, _, query = full.partition("?")
        return route, (query if "?" in full else None)

    def _check_in_catalog(self, service_type: str) -> None:
        check_service_type(service_type)
        if service_type not in self.services:
            raise ValueError(
                f"service {service_type!r} is not in this {self.release} cloud; "
                f"it has: {', '.join(self.services)}"
            )

    def _catalog(self) -> list[dict[str, Any]]:
        return [self._catalog_entry(service) for service in self.services]

    def _catalog_entry(self, service_type: str) -> dict[str, Any]:
        url = self.endpoint(service_type)
        seed = f"{self.auth_url}#{service_type}"
        endpoints = [
            {
                "id": uuid.uuid5(uuid.NAMESPACE_URL, f"{seed}#{interface}").hex,
                "interface": interface,
                "region": self.region,
                "region_id": self.region,
                "url": url,
            }
            for interface in ("public", "internal", "admin")
        ]
        return {
            "endpoints": endpoints,
            "id": uuid.uuid5(uuid.NAMESPACE_URL, seed).hex,
            "type": service_type,
            "name": SERVICES[service_type].project,
        }

    def __repr__(self) -> str:
        state = "started" if self._started else "stopped"
        return f"<FakeCloud {self.release} {self.auth_url} {state}>"


def _select_services(services: Iterable[str] | None) -> tuple[str, ...]:
    if services is None:
        return SERVICE_TYPES
    if isinstance(services, str):
        raise ValueError(
            "services must be a collection of service types, "
            f"not the string {services!r}"
        )
    chosen = set()
    for service_type in services:
        chosen.add(check_service_type(service_type))
    return tuple(service for service in SERVICE_TYPES if service in chosen)


def _split_auth_url(auth_url: str) -> tuple[str, str, int]:
    """Split an auth URL into ("scheme://host", identity path prefix, port)."""
    parts = urlsplit(auth_url)
    expected = "expected http://127.0.0.1:PORT/v3, optionally with a path prefix"
    if parts.scheme not in ("http", "https") or parts.hostname not in _LOOPBACK_HOSTS:
        raise ValueError(f"invalid auth_url {auth_url!r}: {expected}")
    if parts.port is None or not parts.path.endswith("/v3"):
        raise ValueError(f"invalid auth_url {auth_url!r}: {expected}")
    if parts.query or parts.fragment:
        raise ValueError(f"invalid auth_url {auth_url!r}: {expected}")
    return f"{parts.scheme}://{parts.hostname}", parts.path[: -len("/v3")], parts.port


def _token_of(request: Any) -> str | None:
    token = request.headers.get("X-Auth-Token")
    return str(token) if token is not None else None


def _plain_error(status: int, message: str) -> Reply:
    return status, {"Content-Type": "text/plain; charset=UTF-8"}, message
