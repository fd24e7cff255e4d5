"""The examples of TusFacturas' pages (docs/tusfacturas.md), replayed through the Python API: each gets the
answer (and the webhooks) its page shows. TusFacturas' nuevo_encola page shows answers without their
requests, so each is paired with a request that has exactly the problem the page describes."""

from __future__ import annotations

from datetime import timedelta

from config import clock
from producers import enqueue, enqueue_lotes
from tests.support.bodies import ddmmyyyy, item
from tests.support.processes import wait_until
from tests.support.seeds import SEED_001_ACCEPTED, SEED_001_INVALID_REFERENCE, SEED_001_NO_REFERENCE, seed_002_body
from tests.support.staged_hooks import staged


def test_seed_001_an_invalid_reference_is_answered_at_once_and_by_an_error_webhook(stack, pdv):
    body = pdv.body(item("1%'703", clock.today_ar(), pto_vta=pdv.pdv.pto_vta))
    assert enqueue(body) == SEED_001_INVALID_REFERENCE
    hook = wait_until(lambda: stack.hooks(pdv), message="the error webhook")[0]
    assert {k: hook[k] for k in ("evento", "recurso", "external_reference", "intento", "msg")} == {
        "evento": "error", "recurso": "facturacion", "external_reference": "1%'703", "intento": 1,
        "msg": SEED_001_INVALID_REFERENCE["errores"]}


def test_seed_001_without_reference_the_answer_is_instant_and_no_webhook_is_sent(stack, pdv, r):
    body = pdv.body(item("", clock.today_ar(), pto_vta=pdv.pdv.pto_vta))
    assert enqueue(body) == SEED_001_NO_REFERENCE
    del body["comprobante"]["external_reference"]
    assert enqueue(body) == SEED_001_NO_REFERENCE
    assert staged(r, pdv.id) == []


def test_seed_001_the_accepted_answer_and_its_encolado_webhook(stack, r):
    pdv = stack.new_pdv()
    fecha = clock.today_ar() + timedelta(days=1)  # not emitted during the test: only the answer matters
    body = pdv.body(item("ex_rf1", fecha, pto_vta=pdv.pdv.pto_vta, tipo="FACTURA A", documento_tipo="CUIT",
                         documento_nro="30712293841", condicion_iva="RI"))
    answer = enqueue(body)
    expected = {**SEED_001_ACCEPTED, "vencimiento_pago": ddmmyyyy(fecha),
                "comprobante_nro": f"{pdv.pdv.pto_vta:05d}-00000000"}
    assert answer == expected
    assert [(h["evento"], h["external_reference"], h["intento"], h["msg"]) for h in staged(r, pdv.id)] == [
        ("encolado", "ex_rf1", 1, [])]


def test_seed_002_requests_whose_credentials_are_not_the_lotes_are_named_by_row(stack, pdv, r):
    today = ddmmyyyy(clock.today_ar())
    body = seed_002_body(pdv.credentials, pdv.pdv.webhook_url, today)
    for request in body["requests"]:
        request["usertoken"] = "a7ahdt5s7725d7fa4f4e63646bc169b"  # the page's, not ours
    assert enqueue_lotes(body) == {
        "error": "N", "errores": [], "procesados": 0,
        "validaciones": [
            "El usertoken del comprobante enviado en la fila 0 (comenzando en 0) no se corresponde con sus credenciales. No se enviará a generar",
            "El usertoken del comprobante enviado en la fila 1 (comenzando en 0) no se corresponde con sus credenciales. No se enviará a generar",
            "El usertoken del comprobante enviado en la fila 2 (comenzando en 0) no se corresponde con sus credenciales. No se enviará a generar",
        ],
    }
    assert staged(r, pdv.id) == []


def test_seed_002_example_as_written_is_refused_for_what_afip_would_refuse(stack, pdv):
    body = seed_002_body(pdv.credentials, pdv.pdv.webhook_url, ddmmyyyy(clock.today_ar()))
    for request in body["requests"]:
        request["comprobante"]["punto_venta"] = pdv.pdv.pto_vta
    answer = enqueue_lotes(body)
    assert answer["procesados"] == 0 and answer["error"] == "N"
    for row in range(3):
        prefix = f"El comprobante enviado en la fila {row} (comenzando en 0) tiene el siguiente error: "
        mine = [text for text in answer["validaciones"] if text.startswith(prefix)]
        # a 10-digit CUIT, and a FACTURA B to a monotributista
        assert any("El CUIT 3071229384 no es valido" in text for text in mine)
        assert any("no se permite realizar comprobantes de tipo B" in text for text in mine)
        assert len(mine) == 3  # the two, and TusFacturas' closing line about the customer
        assert all(text.endswith("No se enviará a generar") for text in mine)


def test_seed_002_example_with_a_valid_customer_is_processed_and_keeps_its_lote_references(stack, pdv, r):
    from comprobantes.store import Store

    body = seed_002_body(pdv.credentials, pdv.pdv.webhook_url, ddmmyyyy(clock.today_ar()))
    for request in body["requests"]:
        request["comprobante"]["punto_venta"] = pdv.pdv.pto_vta
        request["cliente"].update(documento_nro="30712293841", condicion_iva="E")
    assert enqueue_lotes(body) == {"error": "N", "errores": [], "procesados": 3, "validaciones": []}
    records = [Store(r).by_reference(pdv.id, ref)[0] for ref in ("ASD123AW", "ASD123AW2", "ASD123AW3")]
    assert [rec.lote_ref for rec in records] == ["ASD123AW", "ASD123AW2", "ASD123AW3"]
    assert all(rec.detail["ImpTotal"] == "139.00" for rec in records)
