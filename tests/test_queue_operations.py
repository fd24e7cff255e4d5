"""The queue's operations through the Python API, on the real stack: reenviar, cambiar fecha, eliminar,
consultas, the instant `nuevo`, and abonos."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from comprobantes.abonos import add_months
from comprobantes.instant import outcome_key
from comprobantes.store import lane_key
from config import clock
from config.settings import get_settings
from emission.lane_lock import LaneLock
from producers import operations
from producers import (cambiar_fecha_encolado, consulta, consulta_avanzada, eliminar_encolado, enqueue, nuevo,
                       reenviar_encolado)
from producers.operations import INSTANT_WAIT_SECONDS
from tests.support.bodies import ddmmyyyy, item
from tests.support.processes import wait_until
from tests.support.records import every_record, one, wait_state


def submit(pdv, ref, fecha, **kwargs):
    answer = enqueue(pdv.body(item(ref, fecha, pto_vta=pdv.pdv.pto_vta, **kwargs)))
    assert answer["error"] == "N", answer
    return answer


def events(stack, pdv, ref):
    """The comprobante's events in the order encola raised them: delivery runs in parallel and promises no
    order (docs/webhooks.md), while hook ids are ordered by their creation time."""
    hooks = sorted((h for h in stack.hooks(pdv) if h["external_reference"] == ref), key=lambda h: h["hook_id"])
    return [h["evento"] for h in hooks]


def test_factura_3_fails_with_a_clear_date_message_and_a_date_change_sends_it_again(stack, pdv, r):
    # given a comprobante emitted today, and one dated yesterday that arrives after it (TusFacturas' legacy lotes page)
    today = clock.today_ar()
    submit(pdv, "f1", today)
    wait_state(r, pdv, "f1", "emitido")
    submit(pdv, "f3", today - timedelta(days=1))

    # then it fails before reaching AFIP, telling the client to change its date
    failed = wait_state(r, pdv, "f3", "error")
    assert "Cambiá la fecha del comprobante" in failed.last_error[0]
    assert ddmmyyyy(today) in failed.last_error[0]
    wait_until(lambda: events(stack, pdv, "f3") == ["encolado", "error"], message="encolado and error hooks")

    # when the client sends it to reprocess unchanged, it fails the same way
    assert reenviar_encolado({**pdv.credentials, "external_reference": "f3"}) == {"error": "N", "errores": []}
    wait_until(lambda: events(stack, pdv, "f3") == ["encolado", "error", "encolado", "error"],
               message="the second error")

    # when it changes the date to today, it is emitted with the next number
    answer = cambiar_fecha_encolado({**pdv.credentials, "external_reference": "f3", "fecha": ddmmyyyy(today),
                                     "vencimiento": ddmmyyyy(today + timedelta(days=10))})
    assert answer == {"error": "N", "errores": []}
    emitted = wait_state(r, pdv, "f3", "emitido")
    assert emitted.numero == 2 and emitted.vencimiento == today + timedelta(days=10)
    # (the emitido hook is delivered after the comprobante is emitted, not with it)
    wait_until(lambda: events(stack, pdv, "f3")[-2:] == ["cambio_fecha", "emitido"], message="the emitido hook")


def test_operations_on_unknown_references_answer_not_found(pdv):
    creds = pdv.credentials
    assert reenviar_encolado({**creds, "external_reference": "nada"}) == {
        "error": "S", "errores": ["No se han encontrado comprobantes."]}
    assert cambiar_fecha_encolado({**creds, "external_reference": "nada", "fecha": "01/01/2030"})["errores"] == [
        "No se han encontrado comprobantes."]
    assert eliminar_encolado({**creds, "external_reference": "nada"}) == {
        "error": "S", "errores": ["No se han encontrado comprobantes."], "procesados_cant": 0, "procesados": []}
    bad = cambiar_fecha_encolado({**creds, "fecha": "2030-01-01"})
    assert bad["error"] == "S" and len(bad["errores"]) == 2
    assert reenviar_encolado({**creds, "apitoken": "x", "external_reference": "nada"})["errores"] == [
        "Las credenciales de acceso enviadas no son validas."]


def test_a_queued_comprobante_is_deleted_and_an_emitted_one_never(stack, r):
    pdv = stack.new_pdv(idempotent_submission=False)
    today = clock.today_ar()
    submit(pdv, "dup", today)
    wait_state(r, pdv, "dup", "emitido")
    submit(pdv, "dup", today + timedelta(days=3))

    answer = eliminar_encolado({**pdv.credentials, "external_reference": "dup"})

    assert answer["error"] == "PARCIAL" and answer["procesados_cant"] == 1
    assert answer["procesados"] == [f"El comprobante FACTURA B {pdv.pdv.pto_vta:05d}-00000000 se ha eliminado correctamente. "]
    assert "ya fue emitido" in answer["errores"][0]
    states = sorted(rec.state for rec in every_record(r, pdv))
    assert states == ["eliminado", "emitido"]
    wait_until(lambda: events(stack, pdv, "dup").count("eliminado") == 1, message="the eliminado hook")
    # a deleted reference can be submitted again
    assert eliminar_encolado({**pdv.credentials, "external_reference": "dup"})["error"] == "S"


def test_consulta_avanzada_finds_queued_and_emitted_comprobantes_newest_first(stack, pdv, r):
    today = clock.today_ar()
    submit(pdv, "c-1", today)
    wait_state(r, pdv, "c-1", "emitido")
    submit(pdv, "c-2", today + timedelta(days=2))
    creds = pdv.credentials

    by_ref = consulta_avanzada({**creds, "busqueda_tipo": "EXT_REF", "comprobante": {"external_reference": "c-2"}})
    assert by_ref["rta"] == "OK" and by_ref["total"] == 1
    queued = by_ref["comprobantes"][0]["comprobante"]
    assert queued["status"] == f"APROBADO Y EN COLA. SE EMITE EL {ddmmyyyy(today + timedelta(days=2))}"
    assert queued["numero"] == 0 and queued["cae"] == " "

    by_date = consulta_avanzada({**creds, "busqueda_tipo": "F", "comprobante": {"fecha": ddmmyyyy(today)}})
    emitted = by_date["comprobantes"][0]["comprobante"]
    assert by_date["total"] == 1 and emitted["status"] == "EMITIDO" and emitted["numero"] == 1
    assert re.fullmatch(r"\d{14} ", emitted["cae"]) and emitted["afip_qr"].startswith("https://www.afip.gob.ar/fe/qr/?p=")

    by_number = consulta_avanzada({**creds, "busqueda_tipo": "TN", "comprobante": {
        "tipo": "FACTURA B", "punto_venta": pdv.pdv.pto_vta, "numero_desde": 1, "numero_hasta": 5}})
    assert [c["comprobante"]["external_reference"] for c in by_number["comprobantes"]] == ["c-1"]

    paged = consulta_avanzada({**creds, "busqueda_tipo": "EXT_REF", "pagina": 1, "limite": 1,
                               "comprobante": {"external_reference": "c-1"}})
    assert paged["total"] == 1 and paged["comprobantes"] == []
    assert consulta_avanzada({**creds, "busqueda_tipo": "X", "limite": 5000})["errores"] == [
        "El campo busqueda_tipo debe ser EXT_REF, F o TN.", "El campo limite debe ser un numero entero entre 0 y 1000."]

    simple = consulta({**creds, "comprobante": {"tipo": "FACTURA B", "operacion": "V",
                                                "punto_venta": pdv.pdv.pto_vta, "numero": 1}})
    assert simple["error"] == "N" and simple["comprobante"]["external_reference"] == "c-1"
    assert simple["cliente"]["documento_nro"] == "23456789"
    assert consulta({**creds, "comprobante": {"tipo": "FACTURA B", "numero": 9}})["errores"] == [
        "No se han encontrado comprobantes."]


def test_newest_first_orders_by_fecha_then_arrival(stack, pdv):
    today = clock.today_ar()
    for ref, days in (("o-1", 5), ("o-2", 3), ("o-3", 5)):
        submit(pdv, ref, today + timedelta(days=days))
    found = consulta_avanzada({**pdv.credentials, "busqueda_tipo": "F",
                               "comprobante": {"fecha": ddmmyyyy(today + timedelta(days=5))}})
    assert [c["comprobante"]["external_reference"] for c in found["comprobantes"]] == ["o-3", "o-1"]


def test_instant_nuevo_emits_now_and_is_refused_while_the_queue_has_comprobantes(stack, r):
    pdv = stack.new_pdv()
    today = clock.today_ar()

    answer = nuevo(pdv.body(item("inst-1", today, pto_vta=pdv.pdv.pto_vta)))

    assert answer["error"] == "N", answer
    assert answer["comprobante_nro"] == f"{pdv.pdv.pto_vta:05d}-00000001"
    assert re.fullmatch(r"\d{14} ", answer["cae"]) and answer["afip_qr"].startswith("https://www.afip.gob.ar/fe/qr/")
    assert one(r, pdv, "inst-1").state == "emitido"

    submit(pdv, "queued", today + timedelta(days=1))
    refused = nuevo(pdv.body(item("inst-2", today, pto_vta=pdv.pdv.pto_vta)))
    assert refused["error"] == "S" and "cola de procesamiento" in refused["errores"][0]
    assert one(r, pdv, "inst-2") is None


def test_an_instant_nuevo_afip_does_not_answer_gets_the_time_out_and_is_emitted_later(stack, r, faults):
    faults(down="refuse")
    pdv = stack.new_pdv()

    answer = nuevo(pdv.body(item("inst-down", clock.today_ar(), pto_vta=pdv.pdv.pto_vta)))

    assert answer == {"error": "S", "external_reference": "inst-down", "errores": [
        "AFIP no respondió a tiempo. El comprobante quedó en la cola de procesamiento y se emitirá cuando AFIP "
        "responda; recibirás un webhook con el resultado."]}
    record = one(r, pdv, "inst-down")
    assert not r.exists(outcome_key(record.id))
    faults(down=None)
    assert wait_state(r, pdv, "inst-down", "emitido", timeout=60).numero == 1


@pytest.mark.parametrize("wait_seconds", [1.0, INSTANT_WAIT_SECONDS])
def test_an_instant_nuevo_whose_emitter_died_waits_for_the_lane_to_be_reclaimed(stack, r, monkeypatch, wait_seconds):
    # given a lane whose emitter died holding its lock: the lease lapses, and the sweeps publish it again
    pdv = stack.new_pdv()
    assert LaneLock(r, lane_key(pdv.pdv.cuit, pdv.pdv.pto_vta, 6), get_settings().lane_lease_seconds).acquire()
    monkeypatch.setattr(operations, "INSTANT_WAIT_SECONDS", wait_seconds)

    answer = nuevo(pdv.body(item("inst-dead", clock.today_ar(), pto_vta=pdv.pdv.pto_vta)))

    record = one(r, pdv, "inst-dead")
    if wait_seconds < get_settings().lane_lease_seconds:  # the request's deadline comes first
        assert answer["error"] == "S" and answer["errores"][0].startswith("AFIP no respondió a tiempo.")
    else:
        assert answer["error"] == "N" and answer["cae"].strip() == record.cae, answer
    assert not r.exists(outcome_key(record.id))
    assert wait_state(r, pdv, "inst-dead", "emitido").numero == 1


def test_an_abono_queues_its_next_occurrence_after_each_emission(stack, r, move_clock):
    # given a monthly abono whose last month is next month
    pdv = stack.new_pdv(cuit=stack.new_cuit())
    today = clock.today_ar()
    second = add_months(today, 1)
    body = item("alquiler", today, pto_vta=pdv.pdv.pto_vta)
    body["comprobante"].update(abono="S", abono_frecuencia=1, abono_hasta=second.strftime("%m/%Y"))
    assert enqueue(pdv.body(body))["error"] == "N"

    # when the first one is emitted, the next occurrence is queued for next month with its own reference
    wait_state(r, pdv, "alquiler", "emitido")
    ref2 = f"alquiler-{second:%Y%m}"
    assert wait_state(r, pdv, ref2, "encolado").fecha == second
    wait_until(lambda: events(stack, pdv, ref2) == ["encolado"], message="the occurrence's encolado hook")

    # when its day comes it is emitted with the next number and its own webhooks, and the abono ends there
    move_clock(clock.start_of_day_ar(second) + 60)
    emitted = wait_state(r, pdv, ref2, "emitido", timeout=40)
    assert emitted.numero == 2
    wait_until(lambda: events(stack, pdv, ref2) == ["encolado", "emitido"], message="the second emitido hook")
    assert one(r, pdv, f"alquiler-{add_months(today, 2):%Y%m}") is None


def test_an_abono_whose_next_occurrence_is_no_longer_valid_ends_with_an_error_webhook(stack, r):
    from accounts.points_of_sale import update_point_of_sale
    from comprobantes.store import lane_key
    from emission.schedule import kick_if_due, lane_key_meta

    pdv = stack.new_pdv()
    lane = lane_key(pdv.pdv.cuit, pdv.pdv.pto_vta, 6)
    r.hset(lane_key_meta(lane), "retry_at", clock.timestamp() + 3600)
    today = clock.today_ar()
    body = item("cuota", today, pto_vta=pdv.pdv.pto_vta)
    body["comprobante"].update(abono="S", abono_frecuencia=1, abono_hasta=add_months(today, 6).strftime("%m/%Y"))
    assert enqueue(pdv.body(body))["error"] == "N"
    # the point of sale now bills services: the next occurrence would need a billed period it lacks
    update_point_of_sale(r, pdv.id, concepto=2)
    r.hset(lane_key_meta(lane), "retry_at", 0)
    kick_if_due(r, lane, 0, lease=5)

    wait_state(r, pdv, "cuota", "emitido")
    ref2 = f"cuota-{add_months(today, 1):%Y%m}"
    hook = wait_until(lambda: next((h for h in stack.hooks(pdv) if h["external_reference"] == ref2), None),
                      message="the error hook of the next occurrence")
    assert hook["evento"] == "error" and "el abono termina aqui" in hook["msg"][0]
    assert any("periodo" in message for message in hook["msg"][1:])
    assert one(r, pdv, ref2) is None
