"""TusFacturas' methods over HTTP, through the real `web` process, under both /app/api/v2/ and /api/v2/:
each answers what the Python API answers, with HTTP 200, and the queue behind it really moves."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

from comprobantes.instant import outcome_key
from comprobantes.store import Store
from config import clock
from tests.support.bodies import ddmmyyyy, item
from tests.support.processes import wait_until
from tests.support.records import one, wait_state
from tests.support.staged_hooks import staged_events
from tests.support.web import Web


def queue(web, pdv, ref, fecha, **kwargs):
    answer = web.call("facturacion/nuevo_encola", pdv.body(item(ref, fecha, pto_vta=pdv.pdv.pto_vta, **kwargs)))
    assert answer["error"] == "N", answer
    return answer


def events(r, pdv, ref):
    """The events of a comprobante in the order they were created (deliveries may arrive in any order)."""
    return [evento for evento, reference in staged_events(r, pdv.id) if reference == ref]


def test_a_comprobante_queued_over_http_is_emitted_and_read_back_under_both_prefixes(web, pdv, r):
    today = clock.today_ar()
    body = pdv.body(item("h-1", today, pto_vta=pdv.pdv.pto_vta))

    answer = web.call("facturacion/nuevo_encola", body, prefix="/app/api/v2")

    assert answer["error"] == "N" and answer["external_reference"] == "h-1"
    assert answer["comprobante_nro"] == f"{pdv.pdv.pto_vta:05d}-00000000" and answer["cae"] == " "
    wait_state(r, pdv, "h-1", "emitido")
    wait_until(lambda: events(r, pdv, "h-1") == ["encolado", "emitido"], message="encolado and emitido hooks")
    for prefix in ("/app/api/v2", "/api/v2"):
        found = web.call("facturacion/consulta_avanzada", {**pdv.credentials, "busqueda_tipo": "EXT_REF",
                                                           "comprobante": {"external_reference": "h-1"}}, prefix=prefix)
        assert found["total"] == 1 and found["comprobantes"][0]["comprobante"]["status"] == "EMITIDO"
        simple = web.call("facturacion/consulta", {**pdv.credentials, "comprobante": {
            "tipo": "FACTURA B", "operacion": "V", "punto_venta": pdv.pdv.pto_vta, "numero": 1}}, prefix=prefix)
        assert simple["error"] == "N" and re.fullmatch(r"\d{14} ", simple["comprobante"]["cae"])


def test_a_failed_comprobante_is_sent_again_redated_and_deleted_over_http(web, pdv, r):
    # given one emitted today, and one dated yesterday that AFIP's order refuses (the factura 3 of TusFacturas'
    # legacy lotes page)
    today = clock.today_ar()
    queue(web, pdv, "first", today)
    wait_state(r, pdv, "first", "emitido")
    queue(web, pdv, "late", today - timedelta(days=1))
    wait_state(r, pdv, "late", "error")
    creds = pdv.credentials

    assert web.call("facturacion/reenviar_encolado", {**creds, "external_reference": "late"}) == {
        "error": "N", "errores": []}
    wait_until(lambda: events(r, pdv, "late") == ["encolado", "error", "encolado", "error"],
               message="the second error")
    redated = web.call("facturacion/cambiar_fecha_encolado", {**creds, "external_reference": "late",
                                                             "fecha": ddmmyyyy(today + timedelta(days=2))})
    assert redated == {"error": "N", "errores": []}
    assert wait_state(r, pdv, "late", "encolado").fecha == today + timedelta(days=2)

    deleted = web.call("facturacion/eliminar_encolado", {**creds, "external_reference": "late"})

    assert deleted["error"] == "N" and deleted["procesados_cant"] == 1
    assert one(r, pdv, "late") is None
    wait_until(lambda: events(r, pdv, "late")[-2:] == ["cambio_fecha", "eliminado"], message="the last hooks")
    assert web.call("facturacion/reenviar_encolado", {**creds, "external_reference": "late"}) == {
        "error": "S", "errores": ["No se han encontrado comprobantes."]}


def test_the_instant_nuevo_answers_with_the_cae(web, stack):
    pdv = stack.new_pdv()

    answer = web.call("facturacion/nuevo", pdv.body(item("ya", clock.today_ar(), pto_vta=pdv.pdv.pto_vta)))

    assert answer["error"] == "N", answer
    assert answer["comprobante_nro"] == f"{pdv.pdv.pto_vta:05d}-00000001" and re.fullmatch(r"\d{14} ", answer["cae"])


def test_the_instant_nuevo_is_emitted_by_a_worker_not_by_the_web_process(stack, r):
    # given a web process with no route to AFIP: were it to call AFIP itself, the answer would be the time-out
    nowhere = Web("web-no-afip", stack.env, stack.base_dir, ENCOLA_AFIP_WSAA_URL="https://127.0.0.1:9/wsaa",
                  ENCOLA_AFIP_WSFE_URL="https://127.0.0.1:9/wsfev1")
    try:
        pdv = stack.new_pdv()
        answer = nowhere.call("facturacion/nuevo", pdv.body(item("lejos", clock.today_ar(), pto_vta=pdv.pdv.pto_vta)))
    finally:
        nowhere.stop()

    assert answer["error"] == "N", answer
    assert answer["comprobante_nro"] == f"{pdv.pdv.pto_vta:05d}-00000001" and re.fullmatch(r"\d{14} ", answer["cae"])
    # and the list it waited on is gone with the answer
    assert not r.exists(outcome_key(one(r, pdv, "lejos").id))


def test_amounts_written_as_json_numbers_are_kept_digit_for_digit(web, pdv, r):
    # 139.000000000000000001 is not a float: read as one, it would be stored as 139.0
    sent = item("exact", clock.today_ar() + timedelta(days=5), pto_vta=pdv.pdv.pto_vta)
    sent["comprobante"]["total"] = "TOTAL"
    raw = json.dumps(pdv.body(sent)).replace('"TOTAL"', "139.000000000000000001")

    answer = web.post("facturacion/nuevo_encola", data=raw.encode(), headers={"Content-Type": "application/json"})

    assert answer.status_code == 200 and answer.json()["error"] == "N", answer.text
    stored = Store(r).by_reference(pdv.id, "exact")[0].body["comprobante"]["total"]
    assert Decimal(stored) == Decimal("139.000000000000000001")


def test_wrong_credentials_get_the_error_shape_without_saying_which_part_failed(web, pdv):
    fecha = clock.today_ar()
    answers = [web.call("facturacion/nuevo_encola", {**pdv.body(item("x", fecha)), name: "wrong"})
               for name in ("apikey", "apitoken", "usertoken")]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["error"] == "S"
    assert answers[0]["errores"] == ["Las credenciales de acceso enviadas no son validas."]
