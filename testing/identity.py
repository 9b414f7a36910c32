"""Keystone v3 password authentication for a fake cloud.

Issues project-scoped tokens with a service catalog, and unscoped tokens
without one, the way keystone does for `POST /v3/auth/tokens`.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

TOKEN_LIFETIME = timedelta(hours=1)
ROLE_NAMES = ("admin", "member", "reader")

JSON = dict[str, Any]


def format_timestamp(moment: datetime) -> str:
    """Format a UTC time the way keystone writes `expires_at`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Credentials:
    """The one user of a fake cloud and the project it works in."""

    username: str = "admin"
    password: str = "fake-cloud-password"
    project_name: str = "admin"
    domain_id: str = "default"
    domain_name: str = "Default"


class AuthError(Exception):
    """A token request that keystone rejects, with its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Token:
    """A token this fake keystone issued."""

    id: str
    body: JSON
    expires_at: datetime
    revoked: bool = False

    def is_valid(self, now: datetime) -> bool:
        """Return whether the token is neither revoked nor expired at `now`."""
        return not self.revoked and now < self.expires_at


def _stable_id(seed: str, name: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{seed}#{name}").hex


class Keystone:
    """Token issuing and validation for one fake cloud.

    `catalog` builds the service catalog of a project-scoped token. `seed`
    makes the user, project and role ids stable for one cloud.
    """

    def __init__(
        self,
        credentials: Credentials,
        catalog: Callable[[], list[JSON]],
        seed: str,
    ) -> None:
        self.credentials = credentials
        self.catalog = catalog
        self.user_id = _stable_id(seed, "user")
        self.project_id = _stable_id(seed, "project")
        self.role_ids = {name: _stable_id(seed, f"role:{name}") for name in ROLE_NAMES}
        self.tokens: dict[str, Token] = {}

    def issue(self, request_body: str | bytes | None) -> Token:
        """Authenticate a `POST /v3/auth/tokens` body and issue a token.

        Raises:
            AuthError: 400 for a malformed body, 401 for wrong credentials,
                an unsupported method or a scope this cloud does not have.
        """
        auth = _auth_section(request_body)
        identity = auth.get("identity")
        if not isinstance(identity, dict):
            raise AuthError(400, "auth.identity is missing or not an object")
        methods = identity.get("methods")
        if not isinstance(methods, list) or not methods:
            raise AuthError(400, "auth.identity.methods must be a non-empty list")
        if "password" in methods:
            self._check_password(identity.get("password"))
        elif "token" in methods:
            self._check_token_method(identity.get("token"))
        else:
            raise AuthError(
                401,
                f"authentication methods {methods} are not supported by this "
                "fake cloud; use password or token",
            )
        scoped = self._check_scope(auth.get("scope"))
        return self._new_token(methods, scoped)

    def validate(self, token_id: str | None) -> Token | None:
        """Return the valid token with `token_id`, or None."""
        if token_id is None:
            return None
        token = self.tokens.get(token_id)
        if token is None or not token.is_valid(datetime.now(UTC)):
            return None
        return token

    def revoke_all(self) -> None:
        """Revoke every issued token, so clients must authenticate again."""
        for token in self.tokens.values():
            token.revoked = True

    def _check_password(self, section: Any) -> None:
        user = section.get("user") if isinstance(section, dict) else None
        if not isinstance(user, dict):
            raise AuthError(400, "auth.identity.password.user is missing")
        creds = self.credentials
        if "id" in user:
            user_ok = user["id"] == self.user_id
        else:
            user_ok = user.get("name") == creds.username and self._domain_matches(
                user.get("domain")
            )
        if not user_ok or user.get("password") != creds.password:
            raise AuthError(401, "the user name, domain or password is incorrect")

    def _check_token_method(self, section: Any) -> None:
        token_id = section.get("id") if isinstance(section, dict) else None
        if self.validate(token_id) is None:
            raise AuthError(401, "the token given for token authentication is invalid")

    def _domain_matches(self, domain: Any) -> bool:
        if not isinstance(domain, dict):
            return False
        return (
            domain.get("name") == self.credentials.domain_name
            or domain.get("id") == self.credentials.domain_id
        )

    def _check_scope(self, scope: Any) -> bool:
        if scope is None:
            return False
        project = scope.get("project") if isinstance(scope, dict) else None
        if not isinstance(project, dict):
            raise AuthError(
                401,
                f"scope {scope!r} is not supported by this fake cloud; "
                "request a project scope or no scope",
            )
        if project.get("id") == self.project_id:
            return True
        if project.get("name") == self.credentials.project_name and (
            self._domain_matches(project.get("domain"))
        ):
            return True
        raise AuthError(401, f"the user has no role on project {project!r}")

    def _new_token(self, methods: list[Any], scoped: bool) -> Token:
        now = datetime.now(UTC)
        expires_at = now + TOKEN_LIFETIME
        creds = self.credentials
        domain = {"id": creds.domain_id, "name": creds.domain_name}
        body: JSON = {
            "methods": methods,
            "user": {
                "domain": domain,
                "id": self.user_id,
                "name": creds.username,
                "password_expires_at": None,
            },
            "audit_ids": [_audit_id()],
            "expires_at": format_timestamp(expires_at),
            "issued_at": format_timestamp(now),
        }
        if scoped:
            body["project"] = {
                "domain": domain,
                "id": self.project_id,
                "name": creds.project_name,
            }
            body["is_domain"] = False
            body["roles"] = [
                {"id": role_id, "name": name} for name, role_id in self.role_ids.items()
            ]
            body["catalog"] = self.catalog()
        token = Token(secrets.token_urlsafe(48), {"token": body}, expires_at)
        self.tokens[token.id] = token
        return token


def _audit_id() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).decode().rstrip("=")


def _auth_section(request_body: str | bytes | None) -> JSON:
    try:
        document = json.loads(request_body or b"")
    except ValueError:
        raise AuthError(400, "the token request body is not valid JSON") from None
    auth = document.get("auth") if isinstance(document, dict) else None
    if not isinstance(auth, dict):
        raise AuthError(400, "the token request body has no auth object")
    return auth
