"""Handing one message to the mail server of ENCOLA_SMTP_URL (config/smtp_target.py) with the standard
library's smtplib (https://docs.python.org/3/library/smtplib.html), and reading what it answered.

TLS is verified against the system's certificate authorities (ssl.create_default_context). With
STARTTLS the upgrade comes before credentials or mail are sent, and a server that does not offer it is
refused rather than talked to in clear. Every network operation is bounded by the target's timeout.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from config.smtp_target import SmtpTarget

ERROR_CHARACTERS = 300  # of a server's refusal, kept in the attempt log


@dataclass(frozen=True)
class SmtpAnswer:
    """How a hand-over ended: the SMTP reply code that decided it (None when the server never answered
    one: no connection, a timeout, a failed TLS handshake) and a short text for the attempt log."""

    code: int | None
    error: str  # "" when the server took the message for every recipient
    refused: tuple[str, ...] = ()  # recipients the server refused while it took the message for others


def send(target: SmtpTarget, message: EmailMessage) -> SmtpAnswer:
    try:
        with _connect(target) as server:
            if target.username:
                server.login(target.username, target.password)
            refused = server.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return SmtpAnswer(code, f"every recipient was refused: {_text(text)}")
    except smtplib.SMTPResponseException as exc:
        return SmtpAnswer(exc.smtp_code, _text(exc.smtp_error))
    # No STARTTLS or AUTH offered (SMTPNotSupportedError), a dropped connection, a timeout, a certificate
    # that does not verify (ssl.SSLError and socket timeouts are OSErrors): no reply code decides these.
    except (smtplib.SMTPException, OSError) as exc:
        return SmtpAnswer(None, f"{type(exc).__name__}: {_text(str(exc))}")
    return SmtpAnswer(250, "", tuple(sorted(refused)))


def _connect(target: SmtpTarget) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if target.implicit_tls:
        return smtplib.SMTP_SSL(target.host, target.port, timeout=target.timeout, context=context)
    server = smtplib.SMTP(target.host, target.port, timeout=target.timeout)
    try:
        if target.starttls:
            server.starttls(context=context)
    except BaseException:
        server.close()
        raise
    return server


def _text(raw) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())[:ERROR_CHARACTERS]
