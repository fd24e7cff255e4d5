"""The webhook body of a comprobante that came in through the legacy `lotes` endpoint (TusFacturas' legacy lotes page).

Clients of that endpoint read `error`, `rta`, `cae`, `comprobante_nro` … and match their
`facturacion_lote_id_referencia`; these hooks carry those keys beside those of TusFacturas' nuevo_encola
page (`evento`, `hook_id` …), so the same body serves both kinds of reader. TusFacturas also echoed the
account's apikey, apitoken and usertoken; we never put credentials in a webhook: the signature and TF-WebhookToken say
who sent it.
"""

from __future__ import annotations

from comprobantes.answers import NO_DATE, comprobante_nro

_RTA = {
    "encolado": "El comprobante se ha encolado para su emision",
    "eliminado": "El comprobante se ha eliminado de la cola",
    "cambio_fecha": "Se ha cambiado la fecha del comprobante encolado",
    "error": "Error. No se pudo emitir el comprobante",
}


def lote_fields(*, evento: str, lote_ref: str, tipo: str, pto_vta: int, vencimiento_pago: str,
                msg: list[str], extra: dict | None) -> dict:
    """The keys of TusFacturas' legacy lotes page for one event; `extra` is what the emitter passes on
    `emitido` (cae, vencimiento_cae, comprobante_nro, comprobante_tipo, afip_qr)."""
    extra = extra or {}
    fields = {
        "error": "S" if evento == "error" else "N",
        "errores": list(msg) if evento == "error" else [],
        "rta": _RTA.get(evento, ""),
        "cae": " ",
        "vencimiento_cae": NO_DATE,
        "vencimiento_pago": vencimiento_pago,
        "comprobante_nro": comprobante_nro(pto_vta, 0),
        "comprobante_tipo": tipo,
        "observaciones": "" if evento == "error" else "; ".join(msg),
        "envio_x_mail": "N",
        "comprobante_pdf_url": "",
        "facturacion_lote_id_referencia": lote_ref,
        **extra,
    }
    if evento == "emitido":
        fields["rta"] = f"El comprobante {fields['comprobante_tipo']} {fields['comprobante_nro']} se ha guardado correctamente "
    return fields
