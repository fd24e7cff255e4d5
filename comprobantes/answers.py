"""The answers TusFacturas' pages show, built in one place so every entry point returns the same shapes:
nuevo_encola's error and accepted answers (TusFacturas' nuevo_encola page), lotes_encola's (developers.tusfacturas.app)
and the legacy lote's (TusFacturas' legacy lotes page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from comprobantes.dates import ddmmyyyy
from comprobantes.mail_request import MailRequest

# A placeholder date TusFacturas writes where a queued comprobante has no CAE yet (TusFacturas' nuevo_encola page).
NO_DATE = "01/01/2000"
SAVED = "El comprobante  se ha guardado correctamente "  # sic, two spaces: TusFacturas' nuevo_encola page
NOT_PROCESSED = "Eror. No se procesara"  # sic: TusFacturas' lotes_encola answer


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: a stable TFC code and the Spanish text the client reads."""

    code: str
    text: str


def _details(problems: list[Problem]) -> dict:
    return {
        "errores": [p.text for p in problems],
        "error_cod": [],
        "error_details": [{"code": p.code, "text": p.text} for p in problems],
    }


def error(problems: list[Problem], external_reference="") -> dict:
    """The error answer of TusFacturas' nuevo_encola page: every problem, never only the first."""
    return {"error": "S", **_details(problems), "external_reference": external_reference}


def comprobante_nro(pto_vta: int, numero: int) -> str:
    return f"{pto_vta:05d}-{numero:08d}"


@dataclass(frozen=True)
class Standing:
    """What the client is told about a comprobante it submitted: queued, or already emitted when an
    idempotent retry finds it so."""

    external_reference: str
    tipo: str
    pto_vta: int
    vencimiento: date | None
    numero: int = 0
    cae: str = ""
    cae_vto: date | None = None
    afip_qr: str = ""
    pdf_url: str = ""  # the link to its A4 PDF, once it has a CAE
    mail: MailRequest = MailRequest()  # not e-mailed


def queued(standing: Standing) -> dict:
    """The accepted answer of TusFacturas' nuevo_encola page."""
    return {
        "error": "N",
        "errores": [],
        "error_cod": [],
        "error_details": [],
        "external_reference": standing.external_reference,
        "requiere_fec": "NO",
        "observaciones": "; ".join(standing.mail.notices()),
        "tfc_generacion_tipo": 6,
        "rta": SAVED,
        "cae": standing.cae or " ",
        "vencimiento_cae": ddmmyyyy(standing.cae_vto) or NO_DATE,
        "vencimiento_pago": ddmmyyyy(standing.vencimiento),
        "comprobante_nro": comprobante_nro(standing.pto_vta, standing.numero),
        "comprobante_tipo": standing.tipo,
        "afip_codigo_barras": "",
        "afip_qr": standing.afip_qr,
        **standing.mail.answer_fields(),
        "micrositios": {"cliente": "", "descarga": ""},
        "comprobante_pdf_url": standing.pdf_url,
    }


def batch_item_queued(standing: Standing) -> dict:
    """One accepted item of a lotes_encola answer, with the fields TusFacturas' example shows."""
    answer = queued(standing)
    return {
        "error": "N",
        "errores": [],
        "cae": answer["cae"],
        "cae_vencimiento": None,
        **{k: answer[k] for k in ("observaciones", "envio_x_mail", "envio_x_mail_direcciones")},
        "tfc_generacion_tipo": 3,
        "external_reference": standing.external_reference,
        "rta": SAVED,
        **{k: answer[k] for k in ("vencimiento_cae", "vencimiento_pago", "comprobante_nro", "comprobante_tipo",
                                  "micrositios", "afip_codigo_barras", "afip_qr", "comprobante_pdf_url")},
    }


def batch_item_refused(order: int, problems: list[Problem], external_reference: str) -> dict:
    """One refused item of a lotes_encola answer: its problems, each naming its place in the batch."""
    return {
        "error": "S",
        **_details([Problem(p.code, in_batch(order, p.text)) for p in problems]),
        "external_reference": external_reference,
        "rta": NOT_PROCESSED,
    }


def in_batch(order: int, text: str) -> str:
    return (f"El request enviado en el orden {order} (comenzando en 0) tiene el siguiente error: {text} "
            f"Este request no se procesara.")


def batch(items: list[dict], summary: list[Problem]) -> dict:
    """The lotes_encola answer: one entry per request, in order; `summary` when any was refused."""
    return {"error": "S" if summary else "N", **_details(summary), "response": items}


def batch_refused(problems: list[Problem]) -> dict:
    """The whole lotes_encola batch refused: answered at once, nothing queued, no webhooks."""
    return {"error": "S", **_details(problems), "response": []}


def lote(procesados: int, validaciones: list[str]) -> dict:
    """TusFacturas' legacy lotes page's answer: how many were queued, and why each row that was not."""
    return {"error": "N", "errores": [], "procesados": procesados, "validaciones": validaciones}


def lote_refused(problems: list[Problem]) -> dict:
    return {"error": "S", "errores": [p.text for p in problems], "procesados": 0, "validaciones": []}


def in_lote(row: int, text: str) -> str:
    return (f"El comprobante enviado en la fila {row} (comenzando en 0) tiene el siguiente error: {text} "
            f"No se enviará a generar")
