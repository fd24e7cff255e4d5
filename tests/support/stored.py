"""Comprobantes written straight into a Redis through the store, without the stack: a point of sale,
comprobantes accepted without notifying anyone, and their emission with made-up numbers and CAE."""

from __future__ import annotations

from datetime import timedelta

from comprobantes.store import Store
from comprobantes.validation import check_item
from config import clock
from emission import outcomes
from tests.support.bodies import item
from webhook_dispatch.points_of_sale import create_point_of_sale


def new_pdv(r, pto_vta: int = 7):
    pdv, _ = create_point_of_sale(r, cuit=20111111112, pto_vta=pto_vta, webhook_url="http://127.0.0.1:9/hooks",
                                  cert_path="", key_path="", idempotent_submission=False)
    return pdv


def accept(r, pdv, refs_and_days: list[tuple[str, int, str]]) -> list:
    """Queue comprobantes (reference, days from today, tipo) without notifying anyone."""
    today = clock.today_ar()
    items = []
    for ref, days, tipo in refs_and_days:
        checked = check_item(body(ref, today + timedelta(days=days), tipo, pdv), pdv, today=today)
        assert not checked.problems, checked.problems
        items.append((checked.accepted, ""))
    return [record for record, _ in Store(r).accept_many(pdv, items, notify=False)]


def body(ref: str, fecha, tipo: str, pdv) -> dict:
    if tipo == "FACTURA A":  # to a registered taxpayer
        return item(ref, fecha, tipo=tipo, pto_vta=pdv.pto_vta, condicion_iva="RI", documento_tipo="CUIT",
                    documento_nro="30711111111")
    return item(ref, fecha, tipo=tipo, pto_vta=pdv.pto_vta)


def emit(r, records: list, first_numero: int = 1) -> None:
    store = Store(r)
    ids = [record.id for record in records]
    store.transition(ids, outcomes.claim("batch-1"))
    results = {rid: {"numero": first_numero + n, "cae": "7" * 14, "cae_vto": "20991231", "observaciones": []}
               for n, rid in enumerate(ids)}
    assert len(store.transition(ids, outcomes.emitted("batch-1", results))) == len(ids)
