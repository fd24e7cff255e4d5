"""The JSON examples of TusFacturas' pages (docs/tusfacturas.md) replayed over HTTP: each answer is the one
its page shows, as the Python API gives it (tests/test_seeds.py), now through the `web` process and the
paths TusFacturas documents."""

from __future__ import annotations

from datetime import timedelta

from config import clock
from tests.support.bodies import ddmmyyyy, item
from tests.support.processes import wait_until
from tests.support.seeds import SEED_001_ACCEPTED, SEED_001_INVALID_REFERENCE, SEED_001_NO_REFERENCE, seed_002_body
from tests.support.staged_hooks import staged


def test_seed_001_answers_over_http(web, stack, r):
    pdv = stack.new_pdv()
    today, tomorrow = clock.today_ar(), clock.today_ar() + timedelta(days=1)

    invalid = web.call("facturacion/nuevo_encola", pdv.body(item("1%'703", today, pto_vta=pdv.pdv.pto_vta)),
                       prefix="/app/api/v2")
    missing = web.call("facturacion/nuevo_encola", pdv.body(item("", today, pto_vta=pdv.pdv.pto_vta)))
    accepted = web.call("facturacion/nuevo_encola", pdv.body(item(
        "ex_rf1", tomorrow, pto_vta=pdv.pdv.pto_vta, tipo="FACTURA A", documento_tipo="CUIT",
        documento_nro="30712293841", condicion_iva="RI")), prefix="/app/api/v2")

    assert invalid == SEED_001_INVALID_REFERENCE
    assert missing == SEED_001_NO_REFERENCE
    assert accepted == {**SEED_001_ACCEPTED, "vencimiento_pago": ddmmyyyy(tomorrow),
                        "comprobante_nro": f"{pdv.pdv.pto_vta:05d}-00000000"}
    # the invalid one is also told by webhook, the one without reference is not (TusFacturas' nuevo_encola page)
    assert [(h["evento"], h["external_reference"], h["msg"]) for h in staged(r, pdv.id)] == [
        ("error", "1%'703", SEED_001_INVALID_REFERENCE["errores"]), ("encolado", "ex_rf1", [])]


def test_seed_002_lote_over_the_php_samples_path(web, pdv, r):
    today = ddmmyyyy(clock.today_ar())
    foreign = seed_002_body(pdv.credentials, pdv.pdv.webhook_url, today)
    for request in foreign["requests"]:
        request["usertoken"] = "a7ahdt5s7725d7fa4f4e63646bc169b"  # the page's own, not ours
    valid = seed_002_body(pdv.credentials, pdv.pdv.webhook_url, today)
    for request in valid["requests"]:
        request["comprobante"]["punto_venta"] = pdv.pdv.pto_vta
        request["cliente"].update(documento_nro="30712293841", condicion_iva="E")

    refused = web.call("facturacion/lotes", foreign)
    processed = web.call("facturacion/lotes", valid)

    assert refused == {"error": "N", "errores": [], "procesados": 0, "validaciones": [
        f"El usertoken del comprobante enviado en la fila {row} (comenzando en 0) no se corresponde con sus "
        f"credenciales. No se enviará a generar" for row in range(3)]}
    assert processed == {"error": "N", "errores": [], "procesados": 3, "validaciones": []}
    queued = sorted(h["external_reference"] for h in staged(r, pdv.id) if h["evento"] == "encolado")
    assert queued == ["ASD123AW", "ASD123AW2", "ASD123AW3"]


def test_lotes_encola_answers_as_tusfacturas_documents(web, stack, r):
    pdv = stack.new_pdv()
    fecha = clock.today_ar() + timedelta(days=1)
    requests_ = [item(f"lote-{n}", fecha, pto_vta=pdv.pdv.pto_vta) for n in range(300)]

    too_many = web.call("facturacion/lotes_encola", {**pdv.credentials, "requests": requests_})
    mixed = web.call("facturacion/lotes_encola", {**pdv.credentials, "requests": [
        requests_[0], item("mal%", fecha, pto_vta=pdv.pdv.pto_vta), requests_[2]]})

    assert too_many["error"] == "S" and too_many["response"] == []
    assert too_many["errores"] == [
        "Esta enviando 300 requests, cuando el limite permitido es 100. El lote no se procesara."]
    assert mixed["error"] == "S" and [item_["error"] for item_ in mixed["response"]] == ["N", "S", "N"]
    assert mixed["response"][1]["errores"][0].startswith("El request enviado en el orden 1 (comenzando en 0)")
    assert mixed["response"][0]["comprobante_nro"] == f"{pdv.pdv.pto_vta:05d}-00000000"
    wait_until(lambda: sorted((h["evento"], h["external_reference"]) for h in staged(r, pdv.id)) == [
        ("encolado", "lote-0"), ("encolado", "lote-2"), ("error", "mal%")], message="each item's own hook")


def test_seed_003_and_the_queue_methods_not_found_answers(web, pdv):
    creds = pdv.credentials
    not_found = {"error": "S", "errores": ["No se han encontrado comprobantes."]}
    assert web.call("facturacion/reenviar_encolado", {**creds, "external_reference": "mi_ext_rf"}) == not_found
    redated = web.call("facturacion/cambiar_fecha_encolado", {**creds, "external_reference": "mi_ext_rf",
                                                             "fecha": "01/01/2031", "vencimiento": "01/02/2031"})
    deleted = web.call("facturacion/eliminar_encolado", {**creds, "external_reference": "mi_ext_rf",
                                                        "fecha": "01/01/2031"})
    assert redated == not_found
    assert deleted == {**not_found, "procesados_cant": 0, "procesados": []}
