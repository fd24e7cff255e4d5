"""A real SMTP server for the tests (aiosmtpd, https://aiosmtpd.aio-libs.org/), listening on loopback in
the test process: it keeps every message it accepts, answers a recipient's messages as a test scripts it
(a 451 now, a 550 next, 250 when the script is used up), and refuses the recipients a test names. It
may speak TLS (STARTTLS, required, or from the first byte) with a certificate of the tests' own CA, and
ask for a user and password."""

from __future__ import annotations

import ssl
import threading
from collections import defaultdict, deque
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

ACCEPTED = "250 2.0.0 OK"


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage

    def pdf_attachments(self) -> list[tuple[str, bytes]]:
        return [(part.get_filename(), part.get_content()) for part in self.message.iter_attachments()
                if part.get_content_type() == "application/pdf"]


class _Handler:
    def __init__(self):
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.scripts: dict[str, deque[str]] = defaultdict(deque)
        self.unknown: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.unknown:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            for recipient in envelope.rcpt_tos:
                if self.scripts[recipient]:
                    return self.scripts[recipient].popleft()
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos),
                                          message_from_bytes(envelope.original_content, policy=policy.default)))
        return ACCEPTED


def _only(login: tuple[str, str]):
    def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        # handled=False: aiosmtpd answers 235 or 535 itself.
        return AuthResult(success=(auth_data.login.decode(), auth_data.password.decode()) == login, handled=False)

    return authenticate


def smtp_url(port: int) -> str:
    """ENCOLA_SMTP_URL for a test server on `port`: plain SMTP on loopback, without credentials."""
    return f"smtp://127.0.0.1:{port}?starttls=false&timeout=5"


class SmtpServer:
    def __init__(self, port: int, *, certificate: tuple[str, str] | None = None, implicit_tls: bool = False,
                 login: tuple[str, str] | None = None):
        """`certificate`: (cert, key) files to speak TLS with, by STARTTLS or, `implicit_tls`, from the
        first byte; `login`: the only (user, password) it takes, and it then takes no mail without one."""
        self.port = port
        self._handler = _Handler()
        options = {}
        if certificate:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*certificate)
            # aiosmtpd offers AUTH only on a connection it upgraded itself; one that is TLS from its first
            # byte has to be told that it may.
            options = ({"ssl_context": context, "auth_require_tls": False} if implicit_tls
                       else {"tls_context": context, "require_starttls": True})
        if login:
            options.update(auth_required=True, authenticator=_only(login))
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=port, **options)

    def start(self) -> "SmtpServer":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def answer(self, recipient: str, *replies: str) -> None:
        """The next messages to `recipient` get these replies, one each, before it accepts again."""
        with self._handler.lock:
            self._handler.scripts[recipient].extend(replies)

    def refuse_recipient(self, recipient: str) -> None:
        """Every message's RCPT TO for `recipient` gets 550, while the other recipients are taken."""
        with self._handler.lock:
            self._handler.unknown.add(recipient)

    def received_by(self, recipient: str) -> list[Received]:
        with self._handler.lock:
            return [m for m in self._handler.received if recipient in m.recipients]
