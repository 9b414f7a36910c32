"""Settings and outbound-address policy of std.http, std.email and std.ssh.

The defaults match the ``[action_std_http]`` options of Mistral 23.0.0: any
host is allowed except loopback and link-local addresses (which include the
cloud metadata service at 169.254.169.254), requests time out after 60 s, and
responses larger than 5 MiB are rejected. The engine passes the operator's
action settings file (``LEVANTE_ACTION_SETTINGS``) as ``RunContext.extra``;
std.http reads its options under ``"std.http"`` with the same names as
Mistral's, and std.email and std.ssh read ``HostPolicy`` options under
``"std.email"`` and ``"std.ssh"``.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from action_sdk import ActionError, RunContext

#: Key of the std.http settings in ``RunContext.extra``.
SETTINGS_KEY = "std.http"
DEFAULT_DENIED_CIDRS = ("127.0.0.0/8", "::1/128", "169.254.0.0/16", "fe80::/10")
DEFAULT_TIMEOUT_SECONDS = 60.0
DEFAULT_MAX_RESPONSE_BYTES = 5 * 1024 * 1024

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class EgressDenied(ActionError):
    """The policy does not allow a request to this URL."""


@dataclass(frozen=True)
class HttpSettings:
    """Operator settings of std.http."""

    #: Hosts that may be contacted; an empty tuple allows every host.
    allowed_hosts: tuple[str, ...] = ()
    #: Networks that no request may reach, after name resolution.
    denied_networks: tuple[Network, ...] = tuple(
        ipaddress.ip_network(cidr) for cidr in DEFAULT_DENIED_CIDRS
    )
    #: Timeout in seconds when the action sets none; 0 disables it.
    default_timeout: float = DEFAULT_TIMEOUT_SECONDS
    #: Largest accepted response body in bytes; 0 disables the limit.
    max_response_size_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    @classmethod
    def from_context(cls, context: RunContext) -> HttpSettings:
        """Read the settings from ``context.extra``, or return the defaults.

        Raises:
            ActionError: The settings have an unknown option or a bad value.
        """
        raw = context.extra.get(SETTINGS_KEY)
        if raw is None:
            return cls()
        if isinstance(raw, HttpSettings):
            return raw
        if not isinstance(raw, Mapping):
            raise ActionError(
                f"Invalid {SETTINGS_KEY} settings: expected a mapping, got "
                f"{type(raw).__name__}"
            )
        return cls.from_mapping(raw)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> HttpSettings:
        """Build settings from Mistral-style option names and values.

        Options: ``allowed_hosts`` (list of host names), ``denied_cidrs`` (list
        of CIDR strings), ``default_timeout`` (seconds) and
        ``max_response_size_bytes``. Missing options keep their defaults.

        Raises:
            ActionError: An option is unknown or its value is invalid.
        """
        known = {
            "allowed_hosts",
            "denied_cidrs",
            "default_timeout",
            "max_response_size_bytes",
        }
        unknown = sorted(set(values) - known)
        if unknown:
            raise ActionError(
                f"Invalid {SETTINGS_KEY} settings: unknown options {unknown}; "
                f"allowed: {sorted(known)}"
            )
        defaults = cls()
        return cls(
            allowed_hosts=tuple(
                _string_list(values, "allowed_hosts", list(defaults.allowed_hosts))
            ),
            denied_networks=tuple(
                _network(cidr)
                for cidr in _string_list(
                    values, "denied_cidrs", list(DEFAULT_DENIED_CIDRS)
                )
            ),
            default_timeout=_non_negative(
                values, "default_timeout", defaults.default_timeout
            ),
            max_response_size_bytes=int(
                _non_negative(
                    values, "max_response_size_bytes", defaults.max_response_size_bytes
                )
            ),
        )

    def check_url(self, url: str, *, purpose: str = "URL") -> None:
        """Raise EgressDenied unless the policy allows a request to ``url``.

        Only http and https URLs with a host are allowed. When ``allowed_hosts``
        is set the host must be in it. Every address the host resolves to must
        lie outside the denied networks. A host that does not resolve passes,
        because the request itself then fails to connect.

        NOTE: the request resolves the host again, so a DNS answer that changes
        between this check and the connection is not caught.
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise EgressDenied(
                f"{purpose} scheme {parts.scheme!r} is not allowed; use http or https"
            )
        host = parts.hostname
        if not host:
            raise EgressDenied(f"{purpose} {_without_userinfo(url)!r} has no host")
        _check_host(
            host,
            parts.port,
            allowed_hosts=self.allowed_hosts,
            denied_networks=self.denied_networks,
            purpose=purpose,
            settings_key=SETTINGS_KEY,
        )


@dataclass(frozen=True)
class HostPolicy:
    """Outbound policy of an action that opens its own TCP connections.

    std.email and std.ssh apply the same rules as std.http, under their own
    key in ``RunContext.extra`` (such as ``"std.email"``): loopback and
    link-local addresses are denied unless the operator changes
    ``denied_cidrs``, and ``allowed_hosts`` limits the host names.
    """

    #: Key of these settings in ``RunContext.extra``, named in messages.
    settings_key: str
    #: Hosts that may be contacted; an empty tuple allows every host.
    allowed_hosts: tuple[str, ...] = ()
    #: Networks that no connection may reach, after name resolution.
    denied_networks: tuple[Network, ...] = tuple(
        ipaddress.ip_network(cidr) for cidr in DEFAULT_DENIED_CIDRS
    )
    #: Connection and read timeout in seconds; 0 disables it.
    timeout: float = DEFAULT_TIMEOUT_SECONDS

    #: Option names that ``from_mapping`` reads.
    OPTIONS: ClassVar[frozenset[str]] = frozenset(
        {"allowed_hosts", "denied_cidrs", "timeout"}
    )

    @classmethod
    def from_mapping(cls, settings_key: str, values: Mapping[str, Any]) -> HostPolicy:
        """Build the policy from ``allowed_hosts``, ``denied_cidrs`` and ``timeout``.

        Other options in ``values`` are ignored, so an action can keep its own
        options beside these; use ``settings_mapping`` to reject unknown ones.

        Raises:
            ActionError: An option value is invalid.
        """
        return cls(
            settings_key=settings_key,
            allowed_hosts=tuple(
                _string_list(values, "allowed_hosts", [], settings_key)
            ),
            denied_networks=tuple(
                _network(cidr, settings_key)
                for cidr in _string_list(
                    values, "denied_cidrs", list(DEFAULT_DENIED_CIDRS), settings_key
                )
            ),
            timeout=_non_negative(
                values, "timeout", DEFAULT_TIMEOUT_SECONDS, settings_key
            ),
        )

    def check_host(self, host: str, port: int | None, *, purpose: str) -> None:
        """Raise EgressDenied unless the policy allows a connection to ``host``.

        The rules are those of ``HttpSettings.check_url``, with the same NOTE
        about DNS answers that change before the connection.
        """
        if not host:
            raise EgressDenied(f"{purpose} has no host")
        _check_host(
            host,
            port,
            allowed_hosts=self.allowed_hosts,
            denied_networks=self.denied_networks,
            purpose=purpose,
            settings_key=self.settings_key,
        )


def settings_mapping(
    context: RunContext, settings_key: str, known: Iterable[str]
) -> Mapping[str, Any]:
    """Return the operator settings under ``settings_key``, or an empty mapping.

    Raises:
        ActionError: The settings are not a mapping or have an unknown option.
    """
    raw = context.extra.get(settings_key)
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ActionError(
            f"Invalid {settings_key} settings: expected a mapping, got "
            f"{type(raw).__name__}"
        )
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ActionError(
            f"Invalid {settings_key} settings: unknown options {unknown}; "
            f"allowed: {sorted(known)}"
        )
    return raw


def split_host_port(value: str, default_port: int, *, what: str) -> tuple[str, int]:
    """Split ``"host"``, ``"host:port"`` or ``"[v6 address]:port"`` into both parts.

    A bare IPv6 address such as ``"::1"`` is a host without a port.

    Raises:
        ActionError: The host is empty or the port is not a number in 1-65535.
    """
    text = value.strip()
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ActionError(
                f"Invalid {what} {value!r}: use host, host:port or [address]:port"
            )
        port_text = rest[1:] if rest else ""
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    else:
        host, port_text = text, ""
    if not host:
        raise ActionError(f"Invalid {what} {value!r}: the host is empty")
    if not port_text:
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ActionError(
            f"Invalid {what} {value!r}: the port must be a number in 1-65535"
        )
    return host, int(port_text)


def _check_host(
    host: str,
    port: int | None,
    *,
    allowed_hosts: tuple[str, ...],
    denied_networks: tuple[Network, ...],
    purpose: str,
    settings_key: str,
) -> None:
    if allowed_hosts and host not in allowed_hosts:
        raise EgressDenied(
            f"{purpose} host {host!r} is not in the allowed hosts of {settings_key}"
        )
    for address in _resolve(host, port):
        for network in denied_networks:
            if address in network:
                raise EgressDenied(
                    f"{purpose} host {host!r} resolves to the denied address "
                    f"{address} (network {network}); an operator can change "
                    f"{settings_key}.denied_cidrs in the action settings file "
                    "named by LEVANTE_ACTION_SETTINGS"
                )


def _resolve(
    host: str, port: int | None
) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port)
    except (socket.gaierror, UnicodeError):
        return []
    addresses = []
    for info in infos:
        try:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        except ValueError:
            continue
        addresses.append(address)
        mapped = getattr(address, "ipv4_mapped", None)
        if mapped is not None:
            addresses.append(mapped)
    return addresses


def _without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()


def _string_list(
    values: Mapping[str, Any],
    key: str,
    default: list[str],
    settings_key: str = SETTINGS_KEY,
) -> list[str]:
    value = values.get(key, default)
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, str) for v in value
    ):
        raise ActionError(
            f"Invalid {settings_key} setting {key}: expected a list of strings, "
            f"got {value!r}"
        )
    return list(value)


def _network(cidr: str, settings_key: str = SETTINGS_KEY) -> Network:
    try:
        return ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        raise ActionError(
            f"Invalid {settings_key} setting denied_cidrs: {cidr!r} is not a CIDR "
            "network such as '10.0.0.0/8'"
        ) from None


def _non_negative(
    values: Mapping[str, Any],
    key: str,
    default: float,
    settings_key: str = SETTINGS_KEY,
) -> float:
    value = values.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ActionError(
            f"Invalid {settings_key} setting {key}: expected a number >= 0, "
            f"got {value!r}"
        )
    return float(value)
