"""The Spanish texts a client reads about an emission: the messages of its `error` webhooks and the
reasons the audit gives for a comprobante sent back to the queue.

They sit beside the catalogue of submission problems (comprobantes/problems.py); these carry no TFC
code, as AFIP's own code, when there is one, is quoted in the text (docs/queue.md, "Lanes").
"""

from __future__ import annotations

from comprobantes.dates import yyyymmdd_to_ddmmyyyy

UNANSWERED = "AFIP no respondió al pedido de CAE; se reintentará."
RENUMBERED = "AFIP no aceptó la numeración del lote (10016); se reintentará con el número siguiente."
UNCONFIRMED = ("Redis no confirmó que el registro del envío quedara en disco; no se envió a AFIP y se "
               "reintentará.")
UNBUILDABLE = ("El comprobante tiene datos que no pueden enviarse a AFIP (caracteres de control u otros que XML no "
               "admite) y no se envió ni se reintentará. Corregí los datos y envialo como un comprobante nuevo.")
EXHAUSTED = "Se alcanzó el máximo de {n} intentos de emisión. Revisá el error y enviá el comprobante a reprocesar."
OVER_REG_X_REQ = "Excede la cantidad de comprobantes por pedido de AFIP."
AFTER_REJECTED = "No procesado por AFIP tras un comprobante rechazado."
ORPHANED = "Recuperado tras la caída de un emisor antes del envío."
REJECTED_WITHOUT_REASON = "AFIP rechazó el comprobante sin informar el motivo."
ABONO_ENDS = "La siguiente emision del abono no pudo encolarse y el abono termina aqui:"


def afip_messages(pairs) -> list[str]:
    return [f"AFIP Factura electronica, informa el siguiente error: Cod. Error: {code} - {msg}" for code, msg in pairs]


def _date_guard_reason(fecha: str, last: str) -> str:
    return (
        f"La fecha del comprobante ({yyyymmdd_to_ddmmyyyy(fecha)}) es anterior a la del último comprobante emitido con este "
        f"punto de venta y tipo ({yyyymmdd_to_ddmmyyyy(last)}), y AFIP no lo aceptará."
    )


def date_guard_message(fecha: str, last: str) -> str:
    """What an API client reads (last_error, the `error` webhook): the method that fixes it."""
    return (
        f"{_date_guard_reason(fecha, last)} Cambiá la fecha del comprobante a {yyyymmdd_to_ddmmyyyy(last)} o posterior "
        f"con cambiar_fecha_encolado y se volverá a procesar."
    )


def date_guard_page_message(fecha: str, last: str) -> str:
    """What the ventas en cola page shows instead: its button, and why resending would not help."""
    return (
        f"{_date_guard_reason(fecha, last)} Reenviarlo fallaría igual. Cambiá la fecha del comprobante a "
        f"{yyyymmdd_to_ddmmyyyy(last)} o posterior con el botón «Cambiar fecha» y se volverá a procesar."
    )
