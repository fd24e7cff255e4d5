"""Emitted comprobantes built in memory, without Redis or AFIP: a body judged by check_item, then the
fields emission fills in (number, CAE, its vencimiento and the RG 4892 QR, built as emission builds it)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from comprobantes.lifecycle import State
from comprobantes.qr import afip_qr_url
from comprobantes.store import Record, lane_key
from comprobantes.validation import check_item
from comprobantes.wsfe_mapping import numbered
from tests.support.bodies import offline_pdv

TODAY = date(2026, 11, 21)
CAE = "76481234567890"
CAE_VTO = "20261201"
EMITTED_AT = datetime(2026, 11, 21, 13, 45, 10, tzinfo=timezone.utc).timestamp()


def emitted_record(body: dict, *, numero: int = 123, pdv_changes: dict | None = None) -> Record:
    pdv = offline_pdv(**(pdv_changes or {}))
    checked = check_item(body, pdv, today=TODAY)
    assert checked.problems == [], checked.problems
    accepted = checked.accepted
    detail = numbered(accepted.detail, numero)
    qr = afip_qr_url(fecha=accepted.fecha, cuit=pdv.cuit, pto_vta=pdv.pto_vta, cbte_tipo=accepted.tipo.cbte_tipo,
                     numero=numero, importe=detail["ImpTotal"], moneda=detail["MonId"], cotizacion=detail["MonCotiz"],
                     doc_tipo=detail["DocTipo"], doc_nro=detail["DocNro"], cae=CAE)
    return Record(
        id="1", pdv=pdv.id, lane=lane_key(pdv.cuit, pdv.pto_vta, accepted.tipo.cbte_tipo), state=State.EMITIDO,
        version=3, external_reference=accepted.external_reference, tipo=accepted.tipo.nombre,
        cbte_tipo=accepted.tipo.cbte_tipo, pto_vta=pdv.pto_vta, cuit=pdv.cuit, fecha=accepted.fecha,
        vencimiento=accepted.vencimiento, seq=1, attempts=1, created=EMITTED_AT - 60, updated=EMITTED_AT,
        body=accepted.body, detail=detail, total=str(accepted.total), numero=numero, cae=CAE, cae_vto=CAE_VTO,
        afip_qr=qr, emitted_at=EMITTED_AT,
    )
