import datetime
import email
import email.policy
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

import plugins.std
from action_sdk import ActionError, RunContext, describe_action
from engine.core import EngineCore
from engine.db.models import ActionExecution, Execution, TaskExecution
from engine.db.setup import Database
from plugins.std.egress import EgressDenied
from plugins.std.mail import EmailAction
from registry.discovery import catalog_from_plugins

USER = "reports@example.test"
PASSWORD = "s3cret-pass:word"
REFUSED = "nobody@example.test"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool
    login: str | None


@dataclass
class Handler:
    messages: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content.replace(b"\r\n", b"\n")
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        login = session.auth_data.login.decode() if session.authenticated else None
        self.messages.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                parsed,
                session.ssl is not None,
                login,
            )
        )
        return "250 Message accepted"


def authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == USER
        and auth_data.password.decode() == PASSWORD
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


@dataclass
class SmtpServer:
    handler: Handler
    port: int
    ca_file: str

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def context(self, **settings: Any) -> RunContext:
        values = {"denied_cidrs": [], "tls_ca_file": self.ca_file, **settings}
        return RunContext(extra={"std.email": values})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "smtp.crt"
    key_path = directory / "smtp.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def start_server(tmp_path: Path, tls: bool) -> Iterator[SmtpServer]:
    cert_path, key_path = write_certificate(tmp_path)
    options: dict[str, Any] = {}
    if tls:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(cert_path, key_path)
        options = {
            "tls_context": tls_context,
            "authenticator": authenticate,
            "auth_require_tls": True,
        }
    handler = Handler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield SmtpServer(handler, port, str(cert_path))
    finally:
        controller.stop()


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    """An SMTP server on 127.0.0.1 that offers STARTTLS and AUTH."""
    yield from start_server(tmp_path, tls=True)


@pytest.fixture
def plain_smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    """An SMTP server on 127.0.0.1 without STARTTLS."""
    yield from start_server(tmp_path, tls=False)


def send(server: SmtpServer, context: RunContext | None = None, **params: Any) -> Any:
    defaults = {
        "to_addrs": ["ops@example.test"],
        "from_addr": USER,
        "smtp_server": server.address,
    }
    return EmailAction().run(context or server.context(), **{**defaults, **params})


def test_email_headers_and_recipients(smtp: SmtpServer) -> None:
    result = send(
        smtp,
        to_addrs=["a@example.test", "b@example.test"],
        cc_addrs=["c@example.test"],
        bcc_addrs=["hidden@example.test"],
        reply_to=["desk@example.test"],
        subject="Nightly report",
        body="All 12 jobs passed.\n",
    )
    assert result is None
    [received] = smtp.handler.messages
    assert received.mail_from == USER
    assert received.rcpt_tos == [
        "c@example.test",
        "hidden@example.test",
        "a@example.test",
        "b@example.test",
    ]
    message = received.message
    assert message["Subject"] == "Nightly report"
    assert message["From"] == USER
    assert message["To"] == "a@example.test, b@example.test"
    assert message["Cc"] == "c@example.test"
    assert message["Reply-To"] == "desk@example.test"
    assert message["Bcc"] is None
    assert "hidden@example.test" not in message.as_string()
    assert message.get_content_type() == "text/plain"
    assert message.get_content() == "All 12 jobs passed.\n"


def test_email_without_password_skips_tls(smtp: SmtpServer) -> None:
    send(smtp)
    [received] = smtp.handler.messages
    assert received.tls is False
    assert received.login is None


def test_email_defaults_of_mistral(smtp: SmtpServer) -> None:
    send(smtp)
    [received] = smtp.handler.messages
    assert received.message["Subject"] == "<No subject>"
    assert received.message.get_content().strip() == "<No body>"
    assert received.message["Reply-To"] is None
    assert received.message["Cc"] is None


def test_email_single_address_as_text(smtp: SmtpServer) -> None:
    send(smtp, to_addrs="one@example.test", cc_addrs="two@example.test")
    [received] = smtp.handler.messages
    assert received.rcpt_tos == ["two@example.test", "one@example.test"]
    assert received.message["To"] == "one@example.test"


def test_email_html_body_is_alternative(smtp: SmtpServer) -> None:
    send(smtp, body="plain text", html_body="<p>rich <b>text</b></p>")
    [received] = smtp.handler.messages
    message = received.message
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert parts[0].get_content().strip() == "plain text"
    assert parts[1].get_content().strip() == "<p>rich <b>text</b></p>"


def test_email_non_ascii_subject_and_body(smtp: SmtpServer) -> None:
    send(smtp, subject="Bericht für Zürich ✓", body="Grüße\n")
    [received] = smtp.handler.messages
    assert received.message["Subject"] == "Bericht für Zürich ✓"
    assert received.message.get_content() == "Grüße\n"


def test_email_password_uses_starttls_and_login(smtp: SmtpServer) -> None:
    send(smtp, smtp_password=PASSWORD)
    [received] = smtp.handler.messages
    assert received.tls is True
    assert received.login == USER


def test_email_wrong_password_names_server(smtp: SmtpServer) -> None:
    with pytest.raises(ActionError) as caught:
        send(smtp, smtp_password="wrong-" + PASSWORD)
    message = caught.value.message
    assert smtp.address in message
    assert "login as 'reports@example.test' failed" in message
    assert "535" in message
    assert PASSWORD not in message
    assert smtp.handler.messages == []


def test_email_untrusted_certificate_fails(smtp: SmtpServer) -> None:
    context = smtp.context(tls_ca_file=None)
    with pytest.raises(ActionError) as caught:
        send(smtp, context, smtp_password=PASSWORD)
    assert smtp.address in caught.value.message
    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.message
    assert PASSWORD not in caught.value.message


def test_email_password_needs_starttls(plain_smtp: SmtpServer) -> None:
    with pytest.raises(ActionError) as caught:
        send(plain_smtp, smtp_password=PASSWORD)
    assert plain_smtp.address in caught.value.message
    assert "STARTTLS" in caught.value.message
    assert plain_smtp.handler.messages == []


def test_email_connection_refused(smtp: SmtpServer) -> None:
    closed = f"127.0.0.1:{free_port()}"
    with pytest.raises(ActionError) as caught:
        send(smtp, smtp_server=closed, smtp_password=PASSWORD)
    message = caught.value.message
    assert message.startswith(f"Failed to send an email message through {closed}:")
    assert "refused" in message.lower()
    assert PASSWORD not in message


def test_email_every_recipient_refused(smtp: SmtpServer) -> None:
    with pytest.raises(ActionError) as caught:
        send(smtp, to_addrs=[REFUSED])
    message = caught.value.message
    assert smtp.address in message
    assert f"{REFUSED} (550 5.1.1 No such user here)" in message
    assert smtp.handler.messages == []


def test_email_some_recipients_refused(smtp: SmtpServer) -> None:
    with pytest.raises(ActionError) as caught:
        send(smtp, to_addrs=["ops@example.test", REFUSED])
    assert f"refused some recipients: {REFUSED}" in caught.value.message
    assert caught.value.data == {"refused": [REFUSED]}
    [received] = smtp.handler.messages
    assert received.rcpt_tos == ["ops@example.test"]


def test_email_loopback_denied_by_default(smtp: SmtpServer) -> None:
    with pytest.raises(EgressDenied) as caught:
        send(smtp, RunContext())
    assert "SMTP server host '127.0.0.1' resolves to the denied address" in str(
        caught.value
    )
    assert smtp.handler.messages == []


def test_email_allowed_hosts_limit(smtp: SmtpServer) -> None:
    context = smtp.context(allowed_hosts=["mail.example.test"])
    with pytest.raises(EgressDenied) as caught:
        send(smtp, context)
    assert "not in the allowed hosts of std.email" in str(caught.value)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"to_addrs": []}, "Invalid to_addrs: give at least one recipient"),
        ({"to_addrs": ["a@example.test\r\nBcc: x@evil.test"]}, "line break"),
        ({"cc_addrs": [" "]}, "Invalid cc_addrs: an address is empty"),
        ({"smtp_server": "127.0.0.1:99999"}, "port must be a number in 1-65535"),
        ({"smtp_server": ":25"}, "the host is empty"),
        ({"subject": "Hi\nBcc: x@evil.test"}, "Invalid Subject header"),
    ],
)
def test_email_invalid_input(
    smtp: SmtpServer, params: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ActionError, match=expected):
        send(smtp, **params)
    assert smtp.handler.messages == []


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"verify": False}, r"unknown options \['verify'\]"),
        ({"tls_ca_file": 3}, "tls_ca_file: expected a file path"),
        ({"timeout": -1}, "timeout: expected a number >= 0"),
        ({"tls_ca_file": "/nonexistent/ca.pem"}, "Cannot read the CA bundle"),
    ],
)
def test_email_invalid_settings(
    smtp: SmtpServer, settings: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ActionError, match=expected):
        send(smtp, smtp.context(**settings), smtp_password=PASSWORD)


def test_email_password_is_secret() -> None:
    descriptor = describe_action(EmailAction)
    secrets = {p.name for p in descriptor.parameters if p.secret}
    assert secrets == {"smtp_password"}
    names = [p.name for p in descriptor.parameters]
    assert names[:3] == ["to_addrs", "smtp_server", "from_addr"]
    required = {p.name for p in descriptor.parameters if p.required}
    assert required == {"to_addrs", "smtp_server", "from_addr"}


REPORT_WORKFLOW = """
version: '2.0'
report:
  input:
    - recipients
    - server
    - password
  output:
    sent: <% $.sent %>
  tasks:
    send_report:
      action: std.email to_addrs=<% $.recipients %> subject="Nightly report" body="All jobs passed." from_addr="reports@example.test" smtp_server=<% $.server %> smtp_password=<% $.password %>
      publish:
        sent: <% task().result = null %>
"""  # noqa: E501


def run_report(
    database: Database, server: SmtpServer, settings: dict[str, Any]
) -> tuple[Execution, str | None, dict[str, Any]]:
    catalog = catalog_from_plugins({"std": plugins.std.plugin})
    core = EngineCore(database, catalog, action_settings=settings)
    try:
        execution_id = core.start(
            REPORT_WORKFLOW,
            input={
                "recipients": ["ops@example.test"],
                "server": server.address,
                "password": PASSWORD,
            },
        )
        core.run(execution_id, timeout=30)
    finally:
        core.close()
    with database.sessions() as session:
        execution = session.get(Execution, execution_id)
        task = session.scalars(
            select(TaskExecution).where(TaskExecution.execution_id == execution_id)
        ).one()
        stored = session.scalars(
            select(ActionExecution).where(ActionExecution.task_id == task.id)
        ).one()
        assert execution is not None
        session.expunge_all()
    return execution, task.state_info, stored.input


def test_email_workflow_inline_syntax(database: Database, smtp: SmtpServer) -> None:
    # The operator's action settings allow the loopback relay.
    execution, _, stored_input = run_report(database, smtp, dict(smtp.context().extra))
    assert execution.state == "SUCCESS"
    assert stored_input["smtp_password"] != PASSWORD
    assert stored_input["smtp_server"] == smtp.address
    assert execution.output == {"sent": True}
    [received] = smtp.handler.messages
    assert received.rcpt_tos == ["ops@example.test"]
    assert received.message["Subject"] == "Nightly report"
    assert received.message.get_content().strip() == "All jobs passed."
    assert received.login == USER


def test_email_workflow_loopback_denied(database: Database, smtp: SmtpServer) -> None:
    execution, state_info, _ = run_report(database, smtp, {})
    assert execution.state == "ERROR"
    assert state_info is not None
    assert "SMTP server host '127.0.0.1' resolves to the denied address" in state_info
    assert PASSWORD not in state_info
    assert smtp.handler.messages == []
