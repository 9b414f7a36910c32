"""Keystone token authentication of API requests.

In Keystone mode the service sends each request's token to Keystone v3
(``GET /v3/auth/tokens`` with ``X-Subject-Token``), authenticated with its
own service credentials, and the request works in the project the token is
scoped to. Valid tokens are cached, so repeated requests with one token
reach Keystone once per cache period.

keystoneauth1 and openstacksdk are imported inside the functions that need
them: they take most of a second to import, and the other modes never do.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from keystoneauth1.session import Session

log = logging.getLogger(__name__)

#: Maximum time a validated token is reused without asking Keystone again.
#: A token revoked in Keystone keeps working for up to this long.
DEFAULT_CACHE_SECONDS = 300
#: Maximum number of tokens in the cache. The least recently used go first.
DEFAULT_CACHE_SIZE = 10_000
#: A cached token is dropped this long before Keystone's ``expires_at``, so
#: that the cache never reuses a token that is about to expire.
EXPIRY_MARGIN = timedelta(seconds=30)
#: Seconds to wait for Keystone to connect, and again for its response.
DEFAULT_TIMEOUT = 10.0
#: Seconds between two warnings about an unreachable Keystone.
_WARNING_INTERVAL = 60.0

_TOKENS_PATH = "/v3/auth/tokens"
#: Printable ASCII without spaces, up to 8192 characters. The bound is generous
#: because Keystone's Fernet and JWS tokens are typically a few hundred characters.
_TOKEN = re.compile(r"^[\x21-\x7e]{1,8192}$")
#: Project ids the database accepts (the column is 128 characters).
_PROJECT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")

Clock = Callable[[], datetime]


class KeystoneConfigError(ValueError):
    """The Keystone URL or the service credentials are invalid."""


class TokenRejected(Exception):
    """Keystone reports the token as invalid or expired, or it has no project."""


class KeystoneUnavailable(Exception):
    """Keystone cannot be reached or returned an unusable response."""


@dataclass(frozen=True)
class TokenInfo:
    """Project, user, roles and expiry of a valid token."""

    project_id: str
    user_id: str
    #: Role names, lowercased.
    roles: frozenset[str]
    expires_at: datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def normalize_keystone_url(url: str) -> str:
    """Return the Keystone root URL without a trailing ``/`` or ``/v3``.

    Raises:
        KeystoneConfigError: the URL is not http(s) with a host.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise KeystoneConfigError(
            f"invalid Keystone URL {url!r}; expected http(s)://HOST[:PORT][/PATH], "
            "such as https://keystone.example.org:5000/v3"
        )
    if parts.query or parts.fragment:
        raise KeystoneConfigError(
            f"invalid Keystone URL {url!r}; remove the query string or fragment"
        )
    root = url.strip().rstrip("/")
    if root.endswith("/v3"):
        root = root[: -len("/v3")]
    return root


class TokenCache:
    """Valid tokens by SHA-256 digest, each kept until its own deadline.

    Bounded to ``size`` entries; the least recently used entry is dropped
    first. Safe to use from several threads.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[bytes, tuple[TokenInfo, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: bytes, now: datetime) -> TokenInfo | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            info, deadline = entry
            if now >= deadline:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return info

    def put(self, key: bytes, info: TokenInfo, deadline: datetime) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = (info, deadline)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


class KeystoneAuth:
    """Validates tokens with Keystone and checks the required roles.

    Args:
        session: a keystoneauth1 session authenticated with the service's
            own credentials; Keystone needs them to validate other tokens.
        url: the Keystone root URL, with or without ``/v3``.
        required_roles: role names of which a token needs at least one,
            compared case-insensitively; empty means any role.
        cache_seconds: maximum time a validated token is reused; 0 turns
            the cache off.
        cache_size: maximum number of tokens in the cache.
        timeout: seconds to wait for Keystone to connect, and again to respond.
        clock: returns the current UTC time (tests replace it).
    """

    def __init__(
        self,
        session: Session,
        url: str,
        *,
        required_roles: Iterable[str] = (),
        cache_seconds: int = DEFAULT_CACHE_SECONDS,
        cache_size: int = DEFAULT_CACHE_SIZE,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Clock = utc_now,
    ) -> None:
        if cache_seconds < 0:
            raise KeystoneConfigError(
                f"invalid cache time {cache_seconds}; use 0 or more seconds"
            )
        self.session = session
        self.url = normalize_keystone_url(url)
        self.required_roles = tuple(role.strip() for role in required_roles)
        if any(not role for role in self.required_roles):
            raise KeystoneConfigError("a required Keystone role name is empty")
        self.cache_seconds = cache_seconds
        self.timeout = timeout
        self.cache = TokenCache(cache_size if cache_seconds > 0 else 0)
        self._clock = clock
        self._failures = 0
        self._last_warning = float("-inf")

    def validate(self, token: str) -> TokenInfo:
        """Return what ``token`` grants, from the cache or from Keystone.

        Raises:
            TokenRejected: the token is malformed, invalid, expired or not
                scoped to a project.
            KeystoneUnavailable: Keystone cannot be reached, rejects the
                service credentials or returns an unusable response.
        """
        if not _TOKEN.match(token):
            raise TokenRejected(
                "The token is not a Keystone token: it is longer than 8192 "
                "characters or contains spaces or control characters"
            )
        key = hashlib.sha256(token.encode()).digest()
        now = self._clock()
        cached = self.cache.get(key, now)
        if cached is not None:
            return cached
        # NOTE: rejected tokens are not cached, so every request with an
        # invalid token costs one Keystone request.
        info = self._ask_keystone(token)
        deadline = min(
            info.expires_at - EXPIRY_MARGIN, now + timedelta(seconds=self.cache_seconds)
        )
        if deadline > now:
            self.cache.put(key, info, deadline)
        return info

    def allows(self, info: TokenInfo) -> bool:
        """Return whether the token has one of the required roles, if any."""
        if not self.required_roles:
            return True
        return any(role.lower() in info.roles for role in self.required_roles)

    def check_service_credentials(self) -> None:
        """Authenticate the service once, so wrong credentials fail at startup.

        Raises:
            KeystoneConfigError: Keystone rejects the service credentials.
            KeystoneUnavailable: Keystone cannot be reached or returns an
                unusable response, such as a 5xx status or a body that is
                not a token.
        """
        from keystoneauth1 import exceptions as ks_exceptions

        try:
            self.session.get_token()
        except ks_exceptions.Unauthorized:
            raise KeystoneConfigError(
                "Keystone rejected the service credentials; check the user, "
                "password, project and domain of the service's cloud"
            ) from None
        except (ks_exceptions.ConnectionError, ks_exceptions.DiscoveryFailure) as error:
            raise KeystoneUnavailable(
                f"cannot reach Keystone to authenticate the service: {error}"
            ) from None
        except ks_exceptions.ClientException as error:
            # A proxy's HTML page, a 5xx status or a Keystone still starting
            # up may work later, so they count as an unreachable Keystone.
            raise KeystoneUnavailable(
                "Keystone returned an unusable response when the service "
                f"authenticated: {type(error).__name__}: {error}"
            ) from None

    def _ask_keystone(self, token: str) -> TokenInfo:
        from keystoneauth1 import exceptions as ks_exceptions

        try:
            response = self.session.get(
                self.url + _TOKENS_PATH,
                headers={"X-Subject-Token": token},
                raise_exc=False,
                timeout=self.timeout,
            )
        except ks_exceptions.Unauthorized:
            self._warn("Keystone rejected the service credentials")
            raise KeystoneUnavailable(
                "Keystone rejected the service credentials"
            ) from None
        except (ks_exceptions.ConnectionError, ks_exceptions.DiscoveryFailure) as error:
            self._warn(f"cannot reach Keystone at {self.url}: {error}")
            raise KeystoneUnavailable(f"cannot reach Keystone at {self.url}") from None
        except ks_exceptions.ClientException as error:
            self._warn(f"token validation failed: {type(error).__name__}: {error}")
            raise KeystoneUnavailable("token validation failed") from None

        if response.status_code in (200, 404):
            self._failures = 0
        if response.status_code == 404:
            # Keystone returns 404 for unknown, revoked and expired tokens.
            raise TokenRejected(
                "The Keystone token is invalid or expired; request a new token"
            )
        if response.status_code == 401:
            # keystoneauth already authenticated the service again and retried.
            self._warn("Keystone rejected the service credentials (status 401)")
            raise KeystoneUnavailable(
                "Keystone rejected the service credentials"
            ) from None
        if response.status_code != 200:
            self._warn(
                f"Keystone returned status {response.status_code} for a token "
                "validation; a 403 means the service user lacks a role that "
                "Keystone's identity:validate_token policy accepts, such as service"
            )
            raise KeystoneUnavailable(
                f"Keystone returned status {response.status_code}"
            )
        info = parse_token_body(_json_of(response))
        log.debug(
            "validated a Keystone token of user %s on project %s",
            info.user_id,
            info.project_id,
        )
        return info

    def _warn(self, message: str) -> None:
        """Log a Keystone failure, at most once a minute with a count of repeats."""
        self._failures += 1
        now = time.monotonic()
        if now - self._last_warning >= _WARNING_INTERVAL:
            log.warning(
                "%s (%d failure(s) since the last success)", message, self._failures
            )
            self._last_warning = now


def _json_of(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        log.warning("Keystone returned a token validation that is not JSON")
        raise KeystoneUnavailable("Keystone returned a body that is not JSON") from None


def parse_token_body(body: Any) -> TokenInfo:
    """Read project, user, roles and expiry from a Keystone v3 token body.

    Raises:
        TokenRejected: the token is not scoped to a project.
        KeystoneUnavailable: the body lacks a field every token has.
    """
    token = body.get("token") if isinstance(body, dict) else None
    if not isinstance(token, dict):
        log.warning("Keystone returned a token validation without a token object")
        raise KeystoneUnavailable("Keystone returned a body without a token object")
    project = token.get("project")
    if not isinstance(project, dict):
        raise TokenRejected(
            "The Keystone token is not scoped to a project; request a "
            "project-scoped token"
        )
    project_id = project.get("id")
    if not isinstance(project_id, str) or not _PROJECT_ID.match(project_id):
        log.warning("Keystone returned an invalid project id %r", project_id)
        raise KeystoneUnavailable("Keystone returned an invalid project id")
    user = token.get("user")
    user_id = user.get("id") if isinstance(user, dict) else None
    roles = token.get("roles")
    if not isinstance(roles, list):
        roles = []
    names = [role.get("name") for role in roles if isinstance(role, dict)]
    try:
        expires_at = datetime.fromisoformat(str(token.get("expires_at")))
    except ValueError:
        log.warning(
            "Keystone returned an invalid expires_at %r", token.get("expires_at")
        )
        raise KeystoneUnavailable("Keystone returned an invalid expires_at") from None
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    return TokenInfo(
        project_id=project_id,
        user_id=str(user_id or ""),
        roles=frozenset(name.lower() for name in names if isinstance(name, str)),
        expires_at=expires_at,
    )


def load_service_session(cloud: str) -> tuple[Session, str | None]:
    """Return a session with a cloud's credentials, and the cloud's auth URL.

    ``cloud`` names a clouds.yaml entry, or is "envvars" for the ``OS_*``
    variables, as openstacksdk reads them.

    Raises:
        KeystoneConfigError: no such cloud, or its configuration is invalid.
    """
    from registry.cloud import load_cloud_region
    from registry.errors import RegistryError

    try:
        region = load_cloud_region(cloud)
    except RegistryError as error:
        if cloud == "envvars":
            raise KeystoneConfigError(
                "no service credentials for Keystone: set OS_AUTH_URL, "
                "OS_USERNAME, OS_PASSWORD and the other OS_* variables, or name "
                "a clouds.yaml entry with --keystone-cloud or OS_CLOUD"
            ) from None
        raise KeystoneConfigError(
            f"cannot load the service credentials: {error}"
        ) from None
    auth_url = region.config.get("auth", {}).get("auth_url")
    try:
        session = region.get_session()
    except Exception as error:
        # openstacksdk raises several types for an incomplete auth section.
        raise KeystoneConfigError(
            f"invalid service credentials in cloud {cloud!r}: "
            f"{type(error).__name__}: {error}"
        ) from None
    return session, auth_url


def build_keystone_auth(
    url: str | None,
    cloud: str | None,
    *,
    required_roles: Iterable[str] = (),
    cache_seconds: int = DEFAULT_CACHE_SECONDS,
) -> KeystoneAuth:
    """Build Keystone authentication from the service's options.

    The service credentials come from the clouds.yaml entry ``cloud``, else
    from the ``OS_*`` variables. ``url`` defaults to their auth URL. The
    service authenticates once here, so wrong credentials stop the start.
    An unreachable Keystone, or one that returns an error status or an
    unusable body, is only logged, because it may work later.

    Raises:
        KeystoneConfigError: no usable credentials or URL, or Keystone
            rejects the credentials.
    """
    session, auth_url = load_service_session(cloud or "envvars")
    url = url or auth_url
    if not url:
        raise KeystoneConfigError(
            "no Keystone URL: give --keystone-url or LEVANTE_KEYSTONE_URL, or an "
            "auth_url in the service credentials"
        )
    keystone = KeystoneAuth(
        session, url, required_roles=required_roles, cache_seconds=cache_seconds
    )
    try:
        keystone.check_service_credentials()
    except KeystoneUnavailable as error:
        log.warning("%s; requests get 503 until Keystone responds", error)
    return keystone
