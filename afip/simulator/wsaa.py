"""The simulator's WSAA LoginCms: checks the signed TRA and issues 12-hour access tickets
(AFIP's WSAA specification, docs/production.md, "Sources")."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from cryptography import x509
from cryptography.x509.oid import NameOID

from afip.simulator.cms import WsaaFault, open_signed_tra
from afip.simulator.state import IssuedTicket, SimulatorState

SERVICES = ("wsfe",)
TICKET_LIFETIME = timedelta(hours=12)
# The token inside a TA says 60 s more than the TA's own expirationTime (AFIP's TAs).
TOKEN_GRACE = timedelta(seconds=60)
SOURCE_DN = "CN=wsaahomo, O=AFIP, C=AR, SERIALNUMBER=CUIT 33693450239"
_SHORT_NAMES = {
    NameOID.COMMON_NAME: "CN",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.COUNTRY_NAME: "C",
    NameOID.SERIAL_NUMBER: "SERIALNUMBER",
}


def distinguished_name(cert: x509.Certificate) -> str:
    """The subject the way WSAA writes it: `SERIALNUMBER=CUIT 20267565393, CN=reingart2021`."""
    parts = [f"{_SHORT_NAMES.get(a.oid, a.oid.dotted_string)}={a.value}" for a in cert.subject]
    return ", ".join(reversed(parts))


def cuit_of(cert: x509.Certificate) -> int:
    for attr in cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER):
        value = str(attr.value)
        if value.startswith("CUIT ") and value[5:].isdigit():
            return int(value[5:])
    raise WsaaFault("cms.cert.invalid", "El certificado no contiene el CUIT en el campo serialNumber")


def _parse_tra(tra: bytes) -> tuple[int, datetime, datetime, str]:
    try:
        root = ElementTree.fromstring(tra)
    except ElementTree.ParseError:
        raise WsaaFault("xml.bad", "El TRA no es un XML valido") from None
    if root.tag != "loginTicketRequest":
        raise WsaaFault("xml.bad", "El TRA no es un loginTicketRequest")
    if root.get("version") not in (None, "1.0"):
        raise WsaaFault("xml.version.notSupported", "Version del TRA no soportada")
    try:
        unique_id = int(root.findtext("header/uniqueId"))
        generation = datetime.fromisoformat(root.findtext("header/generationTime").strip())
        expiration = datetime.fromisoformat(root.findtext("header/expirationTime").strip())
        service = root.findtext("service").strip()
    except (TypeError, ValueError, AttributeError):
        raise WsaaFault("xml.bad", "El TRA no tiene los campos requeridos") from None
    if generation.tzinfo is None or expiration.tzinfo is None:
        raise WsaaFault("xml.bad", "Las fechas del TRA deben indicar su zona horaria")
    return unique_id, generation, expiration, service


class WsaaService:
    def __init__(self, state: SimulatorState, ca_certificate: x509.Certificate, already_authenticated_seconds: float):
        self.state = state
        self.ca = ca_certificate
        self.window = already_authenticated_seconds

    def login(self, cms_base64: str, now: datetime) -> str:
        """The TA XML for a valid signed TRA; raises WsaaFault with WSAA's codes otherwise."""
        signed = open_signed_tra(cms_base64, self.ca, now)
        unique_id, generation, expiration, service = _parse_tra(signed.tra)
        if generation > now + timedelta(minutes=2) or generation < now - timedelta(hours=24):
            raise WsaaFault("xml.generationTime.invalid", "generationTime posee formato o dato inválido")
        if expiration < now:
            raise WsaaFault("xml.expirationTime.expired", "expirationTime expirado")
        if expiration > now + timedelta(hours=24):
            raise WsaaFault("xml.expirationTime.invalid", "expirationTime posee formato o dato inválido")
        if service not in SERVICES:
            raise WsaaFault("wsn.notFound", f"No se ha encontrado el WSN {service}")
        dn = distinguished_name(signed.certificate)
        cuit = cuit_of(signed.certificate)
        with self.state.lock:
            last = self.state.last_login(dn, service)
            ts = now.timestamp()
            if last is not None and 0 <= ts - last[0] < self.window and last[1] > ts:
                raise WsaaFault(
                    "coe.alreadyAuthenticated", "El CEE ya posee un TA valido para el acceso al WSN solicitado"
                )
            ticket = self._issue(dn, cuit, service, now)
            self.state.save_ticket(ticket)
        return self._ta_xml(ticket, unique_id, now)

    def _issue(self, dn: str, cuit: int, service: str, now: datetime) -> IssuedTicket:
        gen, exp = now, now + TICKET_LIFETIME
        # An id of WSAA's own: two logins in the same second must not share a token.
        token_id = secrets.randbelow(2**32)
        sso = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<sso version="2.0"><id src="{escape(SOURCE_DN)}" dst="CN={service}, O=AFIP, C=AR" '
            f'unique_id="{token_id}" gen_time="{int(gen.timestamp())}" '
            f'exp_time="{int((exp + TOKEN_GRACE).timestamp())}"/>'
            f'<operation type="login" value="granted"><login entity="33693450239" service="{service}" '
            f'uid="{escape(dn)}" authmethod="cms" regmethod="22"><relations>'
            f'<relation key="{cuit}" reltype="4"/></relations></login></operation></sso>'
        )
        return IssuedTicket(
            token=base64.b64encode(sso.encode("utf-8")).decode("ascii"),
            sign=base64.b64encode(secrets.token_bytes(128)).decode("ascii"),
            dn=dn,
            service=service,
            relations=[cuit],
            generated=gen.timestamp(),
            expires=exp.timestamp(),
        )

    @staticmethod
    def _ta_xml(ticket: IssuedTicket, unique_id: int, now: datetime) -> str:
        def stamp(ts: float) -> str:
            return datetime.fromtimestamp(ts, tz=now.tzinfo).isoformat(timespec="milliseconds")

        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<loginTicketResponse version="1.0"><header>'
            f"<source>{escape(SOURCE_DN)}</source><destination>{escape(ticket.dn)}</destination>"
            f"<uniqueId>{unique_id}</uniqueId><generationTime>{stamp(ticket.generated)}</generationTime>"
            f"<expirationTime>{stamp(ticket.expires)}</expirationTime></header>"
            f"<credentials><token>{ticket.token}</token><sign>{ticket.sign}</sign></credentials>"
            "</loginTicketResponse>"
        )
