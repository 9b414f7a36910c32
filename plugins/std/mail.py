"""std.email: send a mail through an SMTP server, with Mistral 23's parameters."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Annotated

from action_sdk import Action, ActionError, RunContext, Secret
from plugins.std.egress import HostPolicy, settings_mapping, split_host_port

logger = logging.getLogger(__name__)

#: Key of the std.email settings in ``RunContext.extra``.
SETTINGS_KEY = "std.email"
SMTP_PORT = 25
#: Subject and body that Mistral 23 sends when the workflow gives none.
DEFAULT_SUBJECT = "<No subject>"
DEFAULT_BODY = "<No body>"


@dataclass(frozen=True)
class EmailSettings:
    """Operator settings of std.email."""

    policy: HostPolicy
    #: CA bundle that verifies the server certificate after STARTTLS; None
    #: uses the system's trusted CAs.
    tls_ca_file: str | None = None

    @classmethod
    def from_context(cls, context: RunContext) -> EmailSettings:
        """Read the settings under ``"std.email"`` in ``context.extra``.

        Options: ``allowed_hosts``, ``denied_cidrs`` and ``timeout`` (seconds)
        as in ``HostPolicy``, and ``tls_ca_file``.

        Raises:
            ActionError: An option is unknown or its value is invalid.
        """
        values = settings_mapping(
            context, SETTINGS_KEY, HostPolicy.OPTIONS | {"tls_ca_file"}
        )
        ca_file = values.get("tls_ca_file")
        if ca_file is not None and not isinstance(ca_file, str):
            raise ActionError(
                f"Invalid {SETTINGS_KEY} setting tls_ca_file: expected a file "
                f"path, got {ca_file!r}"
            )
        return cls(HostPolicy.from_mapping(SETTINGS_KEY, values), ca_file)


class EmailAction(Action):
    """Send an email message through an SMTP server and return None.

    When ``smtp_password`` is given (an empty text counts), the action
    switches to TLS with STARTTLS and logs in as ``from_addr``, as Mistral
    23 does; without it, the message is sent without TLS and login. Unlike
    Mistral, the server certificate is verified (against the system CAs, or
    the operator's ``tls_ca_file``). The message goes to every address in
    ``to_addrs``, ``cc_addrs`` and ``bcc_addrs``, and the Bcc addresses do
    not appear in its headers. A server that cannot be reached, a failed
    login or a refused recipient fails the action with a message naming the
    server and the cause.

    Args:
        to_addrs: Recipient addresses for the To header.
        smtp_server: SMTP server as "host" or "host:port"; the port is 25 by
            default.
        from_addr: Sender address for the From header and the SMTP envelope.
            It is also the login name.
        subject: Subject; "<No subject>" when not given.
        body: Plain text body; "<No body>" when not given.
        html_body: HTML body; when given, the message is multipart/alternative
            with the plain text body first.
        cc_addrs: Addresses for the Cc header.
        bcc_addrs: Addresses that receive the message without being named in
            it.
        reply_to: Addresses for the Reply-To header.
        smtp_password: Password of ``from_addr`` on the SMTP server.
    """

    name = "std.email"

    def run(
        self,
        context: RunContext,
        to_addrs: list[str] | str,
        smtp_server: str,
        from_addr: str,
        subject: str | None = None,
        body: str | None = None,
        html_body: str | None = None,
        cc_addrs: list[str] | str | None = None,
        bcc_addrs: list[str] | str | None = None,
        reply_to: list[str] | str | None = None,
        smtp_password: Annotated[str | None, Secret] = None,
    ) -> None:
        settings = EmailSettings.from_context(context)
        host, port = split_host_port(smtp_server, SMTP_PORT, what="smtp_server")
        settings.policy.check_host(host, port, purpose="SMTP server")
        addresses = {
            "to_addrs": _address_list(to_addrs, "to_addrs"),
            "cc_addrs": _address_list(cc_addrs, "cc_addrs"),
            "bcc_addrs": _address_list(bcc_addrs, "bcc_addrs"),
            "reply_to": _address_list(reply_to, "reply_to"),
        }
        if not addresses["to_addrs"]:
            raise ActionError("Invalid to_addrs: give at least one recipient address")
        message = _message(
            from_addr,
            addresses,
            subject or DEFAULT_SUBJECT,
            body or DEFAULT_BODY,
            html_body,
        )
        # The order of Mistral's envelope: Cc, then Bcc, then To.
        recipients = (
            addresses["cc_addrs"] + addresses["bcc_addrs"] + addresses["to_addrs"]
        )
        logger.info(
            "std.email sending to %d recipients through %s:%d",
            len(recipients),
            host,
            port,
        )
        _send(settings, host, port, from_addr, smtp_password, message, recipients)
        return None


def _address_list(value: list[str] | str | None, name: str) -> list[str]:
    # A single address given as text is accepted too; Mistral needs a list.
    if value is None or value == "":
        return []
    addresses = [value] if isinstance(value, str) else list(value)
    for address in addresses:
        if not address.strip():
            raise ActionError(f"Invalid {name}: an address is empty")
        if "\r" in address or "\n" in address:
            raise ActionError(
                f"Invalid {name}: the address {address!r} contains a line break"
            )
    return addresses


def _message(
    from_addr: str,
    addresses: Mapping[str, list[str]],
    subject: str,
    body: str,
    html_body: str | None,
) -> EmailMessage:
    message = EmailMessage()
    headers = {
        "Subject": subject,
        "From": from_addr,
        "To": ", ".join(addresses["to_addrs"]),
        "Cc": ", ".join(addresses["cc_addrs"]),
        "Reply-To": ", ".join(addresses["reply_to"]),
    }
    for name, value in headers.items():
        if not value:
            continue
        try:
            message[name] = value
        except ValueError as exc:
            raise ActionError(f"Invalid {name} header {value!r}: {exc}") from None
    message.set_content(body, charset="utf-8")
    if html_body:
        message.add_alternative(html_body, subtype="html", charset="utf-8")
    return message


def _send(
    settings: EmailSettings,
    host: str,
    port: int,
    from_addr: str,
    password: str | None,
    message: EmailMessage,
    recipients: list[str],
) -> None:
    server = f"{host}:{port}"
    try:
        with smtplib.SMTP(host, port, timeout=settings.policy.timeout or None) as smtp:
            if password is not None:
                # Log in only over TLS, so the password never crosses in clear.
                smtp.ehlo()
                smtp.starttls(context=_tls_context(settings))
                smtp.ehlo()
                smtp.login(from_addr, password)
            refused = smtp.send_message(message, from_addr, recipients)
    except smtplib.SMTPRecipientsRefused as exc:
        raise ActionError(
            f"Failed to send an email message through {server}: the server "
            f"refused every recipient: {_refusals(exc.recipients)}"
        ) from None
    except smtplib.SMTPAuthenticationError as exc:
        reason = _hide(_reply(exc.smtp_code, exc.smtp_error), password)
        raise ActionError(
            f"Failed to send an email message through {server}: login as "
            f"{from_addr!r} failed: {reason}"
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise ActionError(
            f"Failed to send an email message through {server}: "
            f"{_hide(_cause(exc), password)}"
        ) from None
    if refused:
        # The other recipients already have the message, so a retry of the
        # task sends it to them again.
        raise ActionError(
            f"Email message sent through {server}, but the server refused "
            f"some recipients: {_refusals(refused)}",
            data={"refused": sorted(refused)},
        )


def _tls_context(settings: EmailSettings) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=settings.tls_ca_file)
    except OSError as exc:
        raise ActionError(
            f"Cannot read the CA bundle {settings.tls_ca_file!r} given in the "
            f"{SETTINGS_KEY} setting tls_ca_file: {exc}"
        ) from None


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return f"{code} {text}".strip()


def _refusals(refused: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address} ({_reply(code, text)})" for address, (code, text) in refused.items()
    )


def _cause(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, TimeoutError | ssl.SSLError):
        return f"{type(exc).__name__}: {exc}"
    return str(exc) or type(exc).__name__


def _hide(text: str, password: str | None) -> str:
    # A server may echo what it received; the password must not reach the
    # task's state info.
    if password:
        return text.replace(password, "***")
    return text
