"""WSAA: the access ticket (TA) that every WSFEv1 call carries, and its sharing between processes.

Login: build the TRA, sign it as CMS SignedData (content embedded, signer certificate included,
SHA-256), send it to LoginCms, read token, sign and expiration from the TA
(AFIP's WSAA specification, docs/production.md, "Sources").

Sharing: WSAA refuses a second login for the same certificate while a ticket is fresh
(`coe.alreadyAuthenticated`), so one ticket per (CUIT, service) lives in Redis for every worker
process; one process logs in at a time per CUIT, the others wait for its ticket.
"""

from __future__ import annotations

import base64
import json
import math
import secrets
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from xml.etree import ElementTree

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from afip.failures import AuthError, LoginInProgress, TransientError, WSAA_OUTAGE_WAIT_SECONDS, classify_transport
from afip.transport import WSAA_BINDING, soap_service
from config import clock
from config.keys import key

# Renew this long before the ticket expires, so no call goes out with a ticket about to die; until
# then a ticket whose renewal failed (or is under way in another process) is still used.
RENEW_BEFORE_SECONDS = 30 * 60
STILL_USABLE_SECONDS = 60
# After coe.alreadyAuthenticated no process tries again before this; AFIP's window is 10 min in
# homologación and 2 min in producción, as each answers coe.alreadyAuthenticated.
ALREADY_AUTHENTICATED_BACKOFF_SECONDS = 120.0
# The login lock outlives a login (cut at its connect and read timeouts) by this much, so a lock whose
# holder died frees itself soon after its login could have ended.
LOGIN_LOCK_MARGIN_SECONDS = 5
WAIT_FOR_OTHER_LOGIN_SECONDS = 20.0


@dataclass(frozen=True)
class Ticket:
    token: str
    sign: str
    expires_at: float
    generated_at: float

    def fresh(self, now: float) -> bool:
        return now < self.expires_at - RENEW_BEFORE_SECONDS

    def usable(self, now: float) -> bool:
        return now < self.expires_at - STILL_USABLE_SECONDS


def build_tra(service: str, now: datetime, ttl: timedelta = timedelta(minutes=10)) -> bytes:
    """The loginTicketRequest; times in Argentina with offset, as AFIP's own examples write them."""
    ar_now = now.astimezone(clock.ARGENTINA).replace(microsecond=0)
    gen, exp = (ar_now - ttl).isoformat(), (ar_now + ttl).isoformat()
    unique_id = int(now.timestamp()) & 0xFFFFFFFF
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<loginTicketRequest version="1.0"><header><uniqueId>{unique_id}</uniqueId>'
        f"<generationTime>{gen}</generationTime><expirationTime>{exp}</expirationTime></header>"
        f"<service>{service}</service></loginTicketRequest>"
    ).encode("utf-8")


def sign_tra(tra: bytes, cert_pem: bytes, key_pem: bytes) -> str:
    """CMS SignedData with the TRA embedded and the certificate included, base64 as LoginCms wants."""
    cert = x509.load_pem_x509_certificate(cert_pem)
    private_key = serialization.load_pem_private_key(key_pem, password=None)
    cms = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(tra)
        .add_signer(cert, private_key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    )
    return base64.b64encode(cms).decode("ascii")


def parse_ta(ta_xml: str) -> Ticket:
    root = ElementTree.fromstring(ta_xml.encode("utf-8"))

    def text(path: str) -> str:
        node = root.find(path)
        if node is None or not (node.text or "").strip():
            raise AuthError(f"WSAA answered a ticket without {path}")
        return node.text.strip()

    return Ticket(
        token=text("credentials/token"),
        sign=text("credentials/sign"),
        expires_at=datetime.fromisoformat(text("header/expirationTime")).timestamp(),
        generated_at=datetime.fromisoformat(text("header/generationTime")).timestamp(),
    )


def login(wsaa_url: str, cert_path: str, key_path: str, service: str, timeouts: tuple[float, float]) -> Ticket:
    try:
        with open(cert_path, "rb") as f:
            cert_pem = f.read()
        with open(key_path, "rb") as f:
            key_pem = f.read()
    except OSError as exc:
        raise AuthError(f"cannot read the AFIP certificate or key: {exc}", permanent=True) from exc
    cms = sign_tra(build_tra(service, clock.now()), cert_pem, key_pem)
    proxy = soap_service("wsaa.wsdl", WSAA_BINDING, wsaa_url, timeouts)
    try:
        ta_xml = proxy.loginCms(in0=cms)
    except Exception as exc:  # sorted into AFIP's failure classes; anything else is re-raised there
        raise classify_transport(exc, sent_for_authorization=False) from exc
    return parse_ta(ta_xml)


class TicketStore:
    """The shared ticket per (CUIT, service) in Redis, with one login at a time per CUIT."""

    def __init__(self, redis_client, *, wsaa_url: str, timeouts: tuple[float, float]):
        self.r = redis_client
        self.wsaa_url = wsaa_url
        self.timeouts = timeouts

    def _keys(self, cuit: int, service: str) -> tuple[str, str, str]:
        return key("wsaa", "ta", cuit, service), key("wsaa", "login", cuit, service), key("wsaa", "hold", cuit, service)

    def cached(self, cuit: int, service: str) -> Ticket | None:
        raw = self.r.get(self._keys(cuit, service)[0])
        return Ticket(**json.loads(raw)) if raw else None

    def invalidate(self, cuit: int, service: str, ticket: Ticket) -> None:
        """Forget `ticket` (WSFEv1 refused it); a newer one stored meanwhile is kept."""
        ta_key = self._keys(cuit, service)[0]
        current = self.cached(cuit, service)
        if current is not None and current.token == ticket.token:
            self.r.delete(ta_key)

    def get(self, cuit: int, service: str, cert_path: str, key_path: str) -> Ticket:
        _, lock_key, hold_key = self._keys(cuit, service)
        deadline = time.monotonic() + WAIT_FOR_OTHER_LOGIN_SECONDS
        while True:
            ticket = self.cached(cuit, service)
            now = clock.timestamp()
            if ticket is not None and ticket.fresh(now):
                return ticket
            usable = ticket if ticket is not None and ticket.usable(now) else None
            hold_reason, hold_ms = self._hold(hold_key)
            if hold_reason:
                if usable:
                    return usable
                raise AuthError(hold_reason, retry_after=hold_ms / 1000.0)
            token = secrets.token_hex(8)
            if self.r.set(lock_key, token, nx=True, ex=math.ceil(sum(self.timeouts)) + LOGIN_LOCK_MARGIN_SECONDS):
                try:
                    return self._login_holding_lock(cuit, service, cert_path, key_path, hold_key)
                except (AuthError, TransientError):
                    if usable:  # the renewal failed, but the ticket in hand still works for a while
                        return usable
                    raise
                finally:
                    self._release(lock_key, token)
            if usable:  # another process is renewing it
                return usable
            if time.monotonic() > deadline:
                raise LoginInProgress("another process is logging in to WSAA and has not finished")
            time.sleep(0.2)

    def _login_holding_lock(self, cuit, service, cert_path, key_path, hold_key) -> Ticket:
        ticket = self.cached(cuit, service)
        if ticket is not None and ticket.fresh(clock.timestamp()):
            return ticket
        try:
            ticket = login(self.wsaa_url, cert_path, key_path, service, self.timeouts)
        except AuthError as exc:
            if exc.codes and exc.codes[0][0] == "coe.alreadyAuthenticated":
                # Never loop on login: hold every process off until AFIP's window has passed.
                reason = (
                    "WSAA says this certificate already holds a valid ticket that encola does not have; "
                    "no login is tried again until AFIP's window has passed"
                )
                self.r.set(hold_key, reason, px=int(ALREADY_AUTHENTICATED_BACKOFF_SECONDS * 1000))
                exc.retry_after = ALREADY_AUTHENTICATED_BACKOFF_SECONDS
            raise
        except TransientError as exc:
            if exc.codes:  # a wsaa.* fault: AFIP asks for at least a minute
                reason = f"WSAA was unavailable ({exc}); AFIP asks clients to wait a minute before trying again"
                self.r.set(hold_key, reason, px=int(WSAA_OUTAGE_WAIT_SECONDS * 1000))
            raise
        self.store(cuit, service, ticket)
        return ticket

    def store(self, cuit: int, service: str, ticket: Ticket) -> None:
        """Share `ticket` with every process until it expires."""
        ttl = max(1, int(ticket.expires_at - clock.timestamp()))
        self.r.set(self._keys(cuit, service)[0], json.dumps(asdict(ticket)), ex=ttl)

    def _hold(self, hold_key: str) -> tuple[str | None, int]:
        pipe = self.r.pipeline(transaction=False)
        pipe.get(hold_key)
        pipe.pttl(hold_key)
        reason, ttl = pipe.execute()
        return (reason, ttl) if reason and ttl > 0 else (None, 0)

    _RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

    def _release(self, lock_key: str, token: str) -> None:
        self.r.eval(self._RELEASE, 1, lock_key, token)
