import ipaddress
import re
from typing import Any

import pytest

from action_sdk import ActionError, RunContext
from plugins.std.egress import EgressDenied, HttpSettings
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
