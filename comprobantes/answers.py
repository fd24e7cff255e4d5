"""The answers the seeds show, built in one place so every entry point returns the same shapes."""

from __future__ import annotations

from dataclasses import dataclass

# A placeholder date TusFacturas writes where a queued comprobante has no CAE yet (seed 001).
NO_DATE = "01/01/2000"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: a stable TFC code and the Spanish text the client reads."""

    code: str
    text: str


def error(problems: list[Problem], external_reference="") -> dict:
    """Seed 001's error answer: every problem, never only the first."""
    return {
        "error": "S",
        "errores": [p.text for p in problems],
        "error_cod": [],
        "error_details": [{"code": p.code, "text": p.text} for p in problems],
        "external_reference": external_reference,
    }


def comprobante_nro(pto_vta: int, numero: int) -> str:
    return f"{pto_vta:05d}-{numero:08d}"


def queued(*, external_reference: str, tipo: str, pto_vta: int, vencimiento_pago: str) -> dict:
    """Seed 001's accepted answer for a comprobante that now waits in the queue."""
    return {
        "error": "N",
        "errores": [],
        "error_cod": [],
        "error_details": [],
        "external_reference": external_reference,
        "requiere_fec": "NO",
        "observaciones": "",
        "tfc_generacion_tipo": 6,
        "rta": "El comprobante  se ha guardado correctamente ",
        "cae": " ",
        "vencimiento_cae": NO_DATE,
        "vencimiento_pago": vencimiento_pago,
        "comprobante_nro": comprobante_nro(pto_vta, 0),
        "comprobante_tipo": tipo,
        "afip_codigo_barras": "",
        "afip_qr": "",
        "envio_x_mail": "N",
        "envio_x_mail_direcciones": "",
        "micrositios": {"cliente": "", "descarga": ""},
        "comprobante_pdf_url": "",
    }
