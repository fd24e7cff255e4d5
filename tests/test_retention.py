"""Retention (docs/retention.md): finished comprobantes leave Redis with every key and index entry they
had, their mails and finished hooks, a bounded chunk at a time, once ENCOLA_RETENTION_DAYS have passed
since they finished; nothing in the queue ever does. `encola export` writes the emitted ones as JSON
Lines first, and a consulta that finds nothing says when what it asked for may be past retention.

Most of it on a database of the run's Redis that no process of the stack works in (quiet_db); the beat
sweep, the numbering after a removal and the command line on the real stack with its clock moved.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from cli.export import write_export
from cli.main import main
from comprobantes import retention
from comprobantes.export import emitted_since, export_line
from comprobantes.lifecycle import State
from comprobantes.queue_changes import eliminate
from comprobantes.store import FINISHED_KEY, Store, cbte_key, state_key
from config import clock
from config.settings import ConfigurationError, get_settings
from emission import outcomes
from mailing import outbox as mail_outbox
from producers import consulta, consulta_avanzada, enqueue
from producers.queue_bodies import NOT_FOUND
from tests.support.bodies import ddmmyyyy, item
from tests.support.processes import wait_until
from tests.support.records import wait_state
from tests.support.stored import accept, emit, new_pdv
from webhook_dispatch import outbox
from webhook_dispatch.events import build_event
from webhook_dispatch.hook_log import hooks_for_reference

DAY = 86400


def indexed(r, members: list[str]) -> list[str]:
    """Every sorted set (every index) that holds one of `members`."""
    return [name for name in r.keys("*") if r.type(name) == "zset" and set(r.zrange(name, 0, -1)) & set(members)]


def stage_hook(r, record, state: str) -> str:
    """A hook about `record` as the outbox stores it, then marked `state` as a delivery would leave it."""
    event = build_event(pdv_id=record.pdv, evento="emitido", external_reference=record.external_reference,
                        intento=1, msg=[], comprobante_id=record.id)
    pipe = r.pipeline()
    outbox.stage(pipe, event)
    pipe.execute()
    r.hset(outbox.hook_key(event.hook_id), "state", state)
    r.rpush(outbox.attempts_key(event.hook_id), "{}")
    return event.hook_id


def test_finished_comprobantes_past_retention_leave_with_every_trace_and_the_queue_stays(quiet_db):
    r, store = quiet_db, Store(quiet_db)
    pdv = new_pdv(r)
    queued = accept(r, pdv, [("q-0", 2, "FACTURA B"), ("x-0", 0, "FACTURA B"), ("p-0", 0, "FACTURA B")])
    store.transition([queued[1].id], outcomes.failed(None, {queued[1].id: ["rechazado"]}))
    store.transition([queued[2].id], outcomes.claim("batch-2"))
    emitted = accept(r, pdv, [("e-0", 0, "FACTURA B"), ("e-1", 0, "FACTURA A")])
    emit(r, emitted)
    deleted = accept(r, pdv, [("d-0", 1, "FACTURA B")])
    store.transition([deleted[0].id], eliminate())
    delivered, waiting = stage_hook(r, emitted[0], "entregado"), stage_hook(r, emitted[0], "pendiente")
    r.hset(mail_outbox.mail_key(emitted[1].id), mapping={"id": emitted[1].id, "state": "enviado"})
    r.rpush(mail_outbox.mail_key(emitted[1].id, "attempts"), "{}")
    finished = [record.id for record in [*emitted, *deleted]]

    def forget(now: float) -> int:
        return retention.forget_finished(r, before=retention.cutoff(now), also=(mail_outbox.stage_forget,))

    # within retention, nothing goes
    assert forget(clock.timestamp() + 89 * DAY) == 0
    assert all(store.get(rid) for rid in finished)

    # past it, the finished ones go with their audit, indices, mail and finished hook
    assert forget(clock.timestamp() + 91 * DAY) == 3
    gone = [*finished, delivered]
    assert indexed(r, gone) == []
    assert not r.exists(*[key for rid in finished for key in (cbte_key(rid), mail_outbox.mail_key(rid),
                                                                mail_outbox.mail_key(rid, "attempts"))])
    assert not r.exists(outbox.hook_key(delivered), outbox.attempts_key(delivered))
    # the hook still to be delivered stays, listed as before
    assert r.exists(outbox.hook_key(waiting), outbox.attempts_key(waiting)) == 2
    assert [e.hook_id for e in hooks_for_reference(r, pdv.id, "e-0")] == [waiting]
    assert [(rec.state, len(store.audit(rec.id))) for rec in store.get_many([q.id for q in queued])] == [
        (State.ENCOLADO, 1), (State.ERROR, 2), (State.PROCESANDO, 2)]
    assert forget(clock.timestamp() + 400 * DAY) == 0


def test_the_sweep_removes_a_bounded_chunk_the_oldest_first(quiet_db, environment):
    r = quiet_db
    pdv = new_pdv(r)
    records = accept(r, pdv, [(f"c-{n}", 0, "FACTURA B") for n in range(7)])
    for n, record in enumerate(records):
        emit(r, [record], first_numero=n + 1)
    environment(ENCOLA_RETENTION_DAYS="7")
    before = retention.cutoff(clock.timestamp() + 8 * DAY)

    removed = [retention.forget_finished(r, before=before, limit=3) for _ in range(4)]

    assert removed == [3, 3, 1, 0]
    assert r.zcard(FINISHED_KEY) == 0 and r.zcard(state_key(pdv.id, State.EMITIDO)) == 0


def test_retention_is_a_week_at_least(environment):
    environment(ENCOLA_RETENTION_DAYS="6")
    with pytest.raises(ConfigurationError, match="ENCOLA_RETENTION_DAYS must be at least 7"):
        get_settings()
    environment(ENCOLA_RETENTION_DAYS=None)
    assert get_settings().retention_days == 90


def test_the_export_streams_every_emitted_comprobante_since_a_day(quiet_db, tmp_path):
    r = quiet_db
    pdv = new_pdv(r)
    records = accept(r, pdv, [(f"x-{n}", 0, "FACTURA B") for n in range(5)])
    emit(r, records)
    accept(r, pdv, [("queued", 1, "FACTURA B")])
    # Ties at one score across chunk boundaries: each comprobante comes once all the same.
    r.zadd(state_key(pdv.id, State.EMITIDO), {record.id: 1e9 for record in records[1:4]})
    r.zadd(state_key(pdv.id, State.EMITIDO), {records[0].id: 1e9 - 1, records[4].id: 1e9 + 1})

    assert [rec.external_reference for rec in emitted_since(r, pdv.id, 0, chunk=2)] == [
        "x-0", "x-1", "x-2", "x-3", "x-4"]
    assert [rec.external_reference for rec in emitted_since(r, pdv.id, 1e9 + 1, chunk=2)] == ["x-4"]

    output = tmp_path / "export.jsonl"
    assert write_export(r, [pdv], 0, str(output)) == 5
    first = json.loads(output.read_text(encoding="utf-8").splitlines()[0])
    stored = Store(r).get(records[0].id)
    assert first == {
        "punto_de_venta_id": pdv.id, "external_reference": "x-0", "tipo": "FACTURA B", "punto_venta": 7,
        "numero": 1, "comprobante_nro": "00007-00000001", "fecha": ddmmyyyy(clock.today_ar()), "total": records[0].total,
        "cae": "7" * 14, "vencimiento_cae": "31/12/2099", "afip_qr": stored.afip_qr,
        "emitido": clock.wall_clock_ar(stored.emitted_at),
    }
    assert stored.afip_qr.startswith("https://www.afip.gob.ar/fe/qr/?p=")
    assert export_line(stored) == first


def test_a_search_by_a_fecha_before_retention_says_why_it_finds_nothing(quiet_db):
    r = quiet_db
    pdv = new_pdv(r)
    old, recent = clock.today_ar() - timedelta(days=91), clock.today_ar() - timedelta(days=10)

    def search(day):
        return consulta_avanzada.as_operator(r, pdv, {"busqueda_tipo": "F", "comprobante": {"fecha": ddmmyyyy(day)},
                                                      "limite": 10})

    assert search(old)["errores"] == [
        NOT_FOUND, f"Los comprobantes emitidos se conservan 90 días; los anteriores al "
                   f"{ddmmyyyy(clock.today_ar() - timedelta(days=90))} ya no están en encola: consultalos en tu "
                   f"exportación o en AFIP."]
    assert search(old)["error"] == "S" and search(old)["comprobantes"] == []
    assert search(recent) == {"rta": "OK", "error": "N", "total": 0, "errores": [], "comprobantes": []}


def test_after_removal_numbering_goes_on_and_consultas_and_the_export_say_what_they_can(stack, pdv, r,
                                                                                      move_clock, tmp_path):
    today = clock.today_ar()
    answer = enqueue(pdv.body(item("kept-1", today, pto_vta=pdv.pdv.pto_vta)))
    assert answer["error"] == "N", answer
    first = wait_state(r, pdv, "kept-1", "emitido")
    output = tmp_path / "export.jsonl"
    assert main(["export", "--since", ddmmyyyy(today), "--pdv", f"{pdv.pdv.cuit}-{pdv.pdv.pto_vta:05d}",
                 "-o", str(output)]) == 0
    assert [json.loads(line)["cae"] for line in output.read_text(encoding="utf-8").splitlines()] == [first.cae]

    later = today + timedelta(days=91)
    move_clock(clock.start_of_day_ar(later) + 3600)
    wait_until(lambda: Store(r).get(first.id) is None, timeout=30, message="the beat sweep to remove it")
    by_number = {"tipo": first.tipo, "punto_venta": first.pto_vta, "numero": first.numero}
    note = retention.retention_note(later)
    assert consulta({**pdv.credentials, "comprobante": by_number}) == {"error": "S", "errores": [NOT_FOUND, note]}
    ranged = consulta_avanzada({**pdv.credentials, "busqueda_tipo": "TN", "comprobante": {
        "tipo": first.tipo, "numero_desde": first.numero, "numero_hasta": first.numero}})
    assert ranged["errores"] == [NOT_FOUND, note]

    answer = enqueue(pdv.body(item("kept-2", later, pto_vta=pdv.pdv.pto_vta)))
    assert answer["error"] == "N", answer
    assert wait_state(r, pdv, "kept-2", "emitido").numero == first.numero + 1


def test_comprobantes_finished_before_the_upgrade_are_indexed_a_chunk_at_a_time_and_leave_too(quiet_db):
    r, store = quiet_db, Store(quiet_db)
    pdv = new_pdv(r)
    emitted = accept(r, pdv, [(f"viejo-{n}", 0, "FACTURA B") for n in range(5)])
    emit(r, emitted)
    deleted = accept(r, pdv, [("borrado", 1, "FACTURA B")])
    store.transition([deleted[0].id], eliminate())
    queued = accept(r, pdv, [("en-cola", 3, "FACTURA B")])
    finished = {record.id for record in [*emitted, *deleted]}
    r.delete(FINISHED_KEY)  # as a store written before retention existed holds them

    reads = []
    while read := retention.index_finished_before_upgrade(r, limit=2):
        reads.append(read)
        # meanwhile the sweep removes what is already indexed, and the reading is not thrown off
        retention.forget_finished(r, before=clock.timestamp() - DAY)
    assert reads == [2, 2, 1, 1] and set(r.zrange(FINISHED_KEY, 0, -1)) == finished
    assert r.zscore(FINISHED_KEY, deleted[0].id) == store.get(deleted[0].id).updated
    assert retention.index_finished_before_upgrade(r) == 0  # done, and it stays done

    assert retention.forget_finished(r, before=retention.cutoff(clock.timestamp() + 91 * DAY)) == len(finished)
    assert not any(store.get(rid) for rid in finished) and store.get(queued[0].id).state == State.ENCOLADO
