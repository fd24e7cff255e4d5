"""Where the mail server is and how to reach it: ENCOLA_SMTP_URL read once (docs/email.md).

- `smtp://[USER:PASSWORD@]host[:port]` (port 587 unless given): plain SMTP upgraded with STARTTLS (RFC 3207)
  before anything else is said, the server's certificate verified. A relay that cannot do TLS (one on
  the same machine) is reached with `?starttls=false`, and then only without credentials, so that a
  password never crosses the network in clear.
- `smtps://[USER:PASSWORD@]host[:port]` (port 465 unless given): TLS from the first byte (RFC 8314).

User and password are percent-decoded (an `@` in a password is written `%40`). `?timeout=SECONDS` bounds
each network operation (30 unless given). The password is kept out of the target's repr, so no log line
or traceback that prints the target shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
DEFAULT_TIMEOUT_SECONDS = 30.0
_OPTIONS = ("starttls", "timeout")


class SmtpUrlError(ValueError):
    """ENCOLA_SMTP_URL cannot be used as written; the message says why (never with the password)."""


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    implicit_tls: bool  # smtps://: TLS from the first byte
    starttls: bool  # smtp://: STARTTLS before anything else (always, unless the URL turns it off)
    timeout: float
    username: str = ""
    password: str = field(default="", repr=False)

    def describe(self) -> str:
        """The target for operators: where and how, never the password."""
        how = "SMTPS" if self.implicit_tls else "SMTP with STARTTLS" if self.starttls else "plain SMTP"
        user = f"{self.username}@" if self.username else ""
        return f"{how} {user}{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpTarget:
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        raise SmtpUrlError("ENCOLA_SMTP_URL must start with smtp:// (STARTTLS) or smtps:// (TLS), e.g. "
                           "smtp://user:password@mail.example.com:587")
    if not parts.hostname:
        raise SmtpUrlError("ENCOLA_SMTP_URL names no host, e.g. smtp://user:password@mail.example.com:587")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise SmtpUrlError("ENCOLA_SMTP_URL has a port that is not a number from 1 to 65535") from None
    options = _options(parts.query)
    starttls = parts.scheme == "smtp" and options.get("starttls", "true") != "false"
    username, password = unquote(parts.username or ""), unquote(parts.password or "")
    if parts.scheme == "smtp" and not starttls and (username or password):
        raise SmtpUrlError("ENCOLA_SMTP_URL with ?starttls=false may not carry credentials: they would cross the "
                           "network in clear (use STARTTLS or smtps://)")
    return SmtpTarget(host=parts.hostname, port=port, implicit_tls=parts.scheme == "smtps", starttls=starttls,
                      timeout=_timeout(options), username=username, password=password)


def _options(query: str) -> dict[str, str]:
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise SmtpUrlError(f"ENCOLA_SMTP_URL has options it does not know: {', '.join(unknown)} "
                           f"(it takes {', '.join(_OPTIONS)})")
    if options.get("starttls", "true") not in ("true", "false"):
        raise SmtpUrlError("ENCOLA_SMTP_URL's starttls must be true or false")
    return options


def _timeout(options: dict[str, str]) -> float:
    raw = options.get("timeout")
    if raw is None:
        return DEFAULT_TIMEOUT_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise SmtpUrlError(f"ENCOLA_SMTP_URL's timeout must be a number of seconds above 0, got {raw!r}")
    return seconds
