"""The e-mail that carries an emitted comprobante: who it is from, to whom, a short Spanish text with
the numbers the customer looks for, and the A4 PDF attached (email.message.EmailMessage,
https://docs.python.org/3/library/email.message.html)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from accounts.points_of_sale import PointOfSale
from comprobantes.answers import comprobante_nro
from comprobantes.dates import yyyymmdd_to_ddmmyyyy
from comprobantes.store import Record


def sender(pdv: PointOfSale, default: str) -> str:
    """The point of sale's own `mail_from`, else the service's ENCOLA_MAIL_FROM."""
    return pdv.mail_from or default


def attachment_name(record: Record) -> str:
    return f"{record.tipo.replace(' ', '_')}_{comprobante_nro(record.pto_vta, record.numero)}.pdf"


def build(record: Record, pdv: PointOfSale, to: str, pdf: bytes, *, mail_from: str) -> EmailMessage:
    numero = comprobante_nro(record.pto_vta, record.numero)
    issuer = pdv.razon_social or str(pdv.cuit)
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = to
    message["Subject"] = f"{record.tipo} {numero} de {issuer}"
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=mail_from.rpartition("@")[2] or None)
    message.set_content(
        f"Adjuntamos el comprobante {record.tipo} {numero} emitido por {issuer} (CUIT {pdv.cuit}).\n\n"
        f"CAE: {record.cae}\n"
        f"Vencimiento del CAE: {yyyymmdd_to_ddmmyyyy(record.cae_vto)}\n"
        f"Total: {record.total}\n"
    )
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=attachment_name(record))
    return message
