"""Whether a comprobante is to be e-mailed, decided once when it is accepted and kept with it, so that the
answer to the request, the `emitido` webhook and the mail itself all say the same (docs/email.md).

The client asks with `cliente.envia_por_mail` "S" and up to 15 addresses in `cliente.email`. It is
e-mailed when this service has a mail server (ENCOLA_SMTP_URL) at acceptance; without one, or without an
address, the comprobante is accepted and emitted all the same, and its answers say `envio_x_mail` "N"
with a notice why, never silently.
"""

from __future__ import annotations

from dataclasses import dataclass

TO_SEND = "S"  # asked for, and this service has a mail server
NO_SERVER = "sin_servidor"  # asked for, but no mail server is configured
NO_ADDRESS = "sin_direcciones"  # asked for, without an address to send it to
NOTICES = {
    NO_SERVER: "No se enviara el comprobante por e-mail: este servicio no tiene un servidor de correo configurado.",
    NO_ADDRESS: "No se enviara el comprobante por e-mail: envia_por_mail es S pero cliente.email no tiene direcciones.",
}


def _cliente(body: dict) -> dict:
    cliente = body.get("cliente") if isinstance(body, dict) else None
    return cliente if isinstance(cliente, dict) else {}


def addresses_of(body: dict) -> tuple[str, ...]:
    """The addresses the client asked the comprobante to be e-mailed to; none unless envia_por_mail is S."""
    cliente = _cliente(body)
    if cliente.get("envia_por_mail") != "S":
        return ()
    return tuple(a.strip() for a in str(cliente.get("email") or "").split(",") if a.strip())


def decide(body: dict, *, mail_server: bool) -> str:
    """What is stored with a newly accepted comprobante: TO_SEND, NO_SERVER, NO_ADDRESS or "" (not asked)."""
    if _cliente(body).get("envia_por_mail") != "S":
        return ""
    if not addresses_of(body):
        return NO_ADDRESS
    return TO_SEND if mail_server else NO_SERVER


@dataclass(frozen=True)
class MailRequest:
    decision: str = ""  # TO_SEND, NO_SERVER, NO_ADDRESS or ""
    addresses: tuple[str, ...] = ()

    @classmethod
    def of(cls, decision: str, body: dict) -> "MailRequest":
        return cls(decision, addresses_of(body) if decision else ())

    @property
    def to_send(self) -> bool:
        return self.decision == TO_SEND

    def answer_fields(self) -> dict:
        """TusFacturas' `envio_x_mail` and `envio_x_mail_direcciones`, as the answers and hooks carry them."""
        return {"envio_x_mail": "S" if self.to_send else "N",
                "envio_x_mail_direcciones": ", ".join(self.addresses) if self.to_send else ""}

    def notices(self) -> list[str]:
        """What the client is told besides AFIP's observaciones: why an asked-for mail is not sent."""
        return [NOTICES[self.decision]] if self.decision in NOTICES else []
