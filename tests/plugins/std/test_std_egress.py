import ipaddress
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from action_sdk import ActionError, RunContext
from plugins.std.egress import (
    EgressDenied,
    HostPolicy,
    HttpSettings,
    settings_mapping,
    split_host_port,
)
from plugins.std.http import _ssl_verify, _timeout


def test_defaults_match_mistral() -> None:
    settings = HttpSettings()
    assert settings.allowed_hosts == ()
    assert [str(n) for n in settings.denied_networks] == [
        "127.0.0.0/8",
        "::1/128",
        "169.254.0.0/16",
        "fe80::/10",
    ]
    assert settings.default_timeout == 60
    assert settings.max_response_size_bytes == 5 * 1024 * 1024


@pytest.mark.parametrize("address", ["169.254.169.254", "127.0.0.2", "::1", "fe80::1"])
def test_default_networks_cover(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert any(ip in network for network in HttpSettings().denied_networks)


def test_settings_from_empty_context() -> None:
    assert HttpSettings.from_context(RunContext()) == HttpSettings()


def test_settings_object_in_context() -> None:
    settings = HttpSettings(default_timeout=5)
    context = RunContext(extra={"std.http": settings})
    assert HttpSettings.from_context(context) is settings


def test_settings_from_mapping() -> None:
    settings = HttpSettings.from_mapping(
        {
            "allowed_hosts": ["api.example.test"],
            "denied_cidrs": ["10.0.0.0/8", "192.168.1.7"],
            "default_timeout": 5,
            "max_response_size_bytes": 0,
        }
    )
    assert settings.allowed_hosts == ("api.example.test",)
    assert [str(n) for n in settings.denied_networks] == [
        "10.0.0.0/8",
        "192.168.1.7/32",
    ]
    assert settings.default_timeout == 5
    assert settings.max_response_size_bytes == 0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"deny": []}, "unknown options ['deny']"),
        ({"denied_cidrs": ["not-a-net"]}, "'not-a-net' is not a CIDR network"),
        ({"denied_cidrs": "10.0.0.0/8"}, "expected a list of strings"),
        ({"allowed_hosts": [1]}, "expected a list of strings"),
        ({"default_timeout": -1}, "expected a number >= 0"),
        ({"max_response_size_bytes": True}, "expected a number >= 0"),
    ],
)
def test_invalid_settings(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ActionError, match=re.escape(message)):
        HttpSettings.from_mapping(values)


def test_settings_must_be_mapping() -> None:
    with pytest.raises(ActionError, match="expected a mapping"):
        HttpSettings.from_context(RunContext(extra={"std.http": ["x"]}))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:8080/x", "denied address 127.0.0.1"),
        ("http://[::1]/", "denied address ::1"),
        ("http://[::ffff:127.0.0.1]/", "denied address 127.0.0.1"),
        ("http://localhost/", "'localhost' resolves to the denied address"),
        ("gopher://127.0.0.1/", "scheme 'gopher' is not allowed"),
        ("http:///path-only", "has no host"),
    ],
)
def test_check_url_denies(url: str, message: str) -> None:
    with pytest.raises(EgressDenied, match=message):
        HttpSettings().check_url(url)


def test_check_url_hides_userinfo() -> None:
    with pytest.raises(EgressDenied) as caught:
        HttpSettings().check_url("http://user:pw@/path")
    assert "pw" not in str(caught.value)


def test_allowed_hosts_limit() -> None:
    settings = HttpSettings(allowed_hosts=("127.0.0.1",), denied_networks=())
    settings.check_url("http://127.0.0.1/")
    with pytest.raises(EgressDenied, match="'localhost' is not in the allowed hosts"):
        settings.check_url("http://localhost/")


def test_empty_deny_list_allows_loopback() -> None:
    HttpSettings.from_mapping({"denied_cidrs": []}).check_url("http://127.0.0.1/")


@pytest.mark.parametrize(
    ("given", "default", "expected"),
    [(None, 60.0, 60.0), (None, 0.0, None), (2.5, 60.0, 2.5)],
)
def test_timeout_default(
    given: float | None, default: float, expected: float | None
) -> None:
    assert _timeout(given, HttpSettings(default_timeout=default)) == expected


@pytest.mark.parametrize("verify", [None, True, False, "/no/such/bundle.pem"])
def test_verify_ignored_for_http(verify: Any) -> None:
    assert _ssl_verify("http://127.0.0.1/", verify) is True


def test_verify_false_for_https() -> None:
    assert _ssl_verify("https://127.0.0.1/", False) is False


def test_verify_missing_bundle() -> None:
    with pytest.raises(
        ActionError, match="Cannot read the CA bundle '/no/such/bundle.pem'"
    ):
        _ssl_verify("https://127.0.0.1/", "/no/such/bundle.pem")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mail.example.test", ("mail.example.test", 25)),
        ("mail.example.test:587", ("mail.example.test", 587)),
        (" 10.0.0.5:2525 ", ("10.0.0.5", 2525)),
        ("[2001:db8::1]:465", ("2001:db8::1", 465)),
        ("[2001:db8::1]", ("2001:db8::1", 25)),
        ("2001:db8::1", ("2001:db8::1", 25)),
    ],
)
def test_split_host_port(value: str, expected: tuple[str, int]) -> None:
    assert split_host_port(value, 25, what="smtp_server") == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "the host is empty"),
        (":25", "the host is empty"),
        ("mail:0", "the port must be a number in 1-65535"),
        ("mail:65536", "the port must be a number in 1-65535"),
        ("mail:smtp", "the port must be a number in 1-65535"),
        ("[::1", "use host, host:port or [address]:port"),
        ("[::1]x", "use host, host:port or [address]:port"),
    ],
)
def test_split_host_port_invalid(value: str, message: str) -> None:
    with pytest.raises(ActionError) as caught:
        split_host_port(value, 25, what="smtp_server")
    assert caught.value.message == f"Invalid smtp_server {value!r}: {message}"


@given(
    host=st.from_regex(r"[a-z0-9]([a-z0-9.-]{0,30}[a-z0-9])?", fullmatch=True),
    port=st.integers(min_value=1, max_value=65535),
)
def test_split_host_port_round_trip(host: str, port: int) -> None:
    assert split_host_port(f"{host}:{port}", 22, what="host") == (host, port)
    assert split_host_port(f"[{host}]:{port}", 22, what="host") == (host, port)
    assert split_host_port(host, 22, what="host") == (host, 22)


def test_host_policy_defaults() -> None:
    policy = HostPolicy.from_mapping("std.ssh", {})
    assert policy == HostPolicy("std.ssh")
    assert policy.timeout == 60
    with pytest.raises(EgressDenied, match="SSH host '127.0.0.1' resolves to"):
        policy.check_host("127.0.0.1", 22, purpose="SSH")
    with pytest.raises(EgressDenied, match="denied address 169.254.169.254"):
        policy.check_host("169.254.169.254", 22, purpose="SSH")


def test_host_policy_settings_key_in_messages() -> None:
    policy = HostPolicy.from_mapping("std.email", {"allowed_hosts": ["smtp.test"]})
    with pytest.raises(EgressDenied, match="not in the allowed hosts of std.email"):
        policy.check_host("other.test", 25, purpose="SMTP server")
    with pytest.raises(ActionError, match="Invalid std.email setting denied_cidrs"):
        HostPolicy.from_mapping("std.email", {"denied_cidrs": ["x"]})


def test_settings_mapping_rejects_unknown() -> None:
    context = RunContext(extra={"std.ssh": {"timeout": 5, "retries": 3}})
    with pytest.raises(ActionError) as caught:
        settings_mapping(context, "std.ssh", HostPolicy.OPTIONS)
    assert caught.value.message == (
        "Invalid std.ssh settings: unknown options ['retries']; "
        "allowed: ['allowed_hosts', 'denied_cidrs', 'timeout']"
    )
    assert settings_mapping(RunContext(), "std.ssh", HostPolicy.OPTIONS) == {}
