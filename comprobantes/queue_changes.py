"""The client's changes to queued comprobantes, as `Store.transition` change functions: send again
after an error, change the date, delete. Each starts only from its from-states in
comprobantes/lifecycle.py and stages its webhook event with the change."""

from __future__ import annotations

from comprobantes.store import (
    LANES_DUE, Record, Store, to_json, event_for, fecha_key, pending_key, pending_score,
)
from comprobantes import references
from comprobantes.lifecycle import State, event, require
from comprobantes.validation import Accepted
from config import clock


def _schedule(pipe, record: Record, fecha) -> None:
    pipe.zadd(pending_key(record.lane), {record.id: pending_score(fecha, record.seq)})
    pipe.zadd(LANES_DUE, {record.lane: clock.start_of_day_ar(fecha)}, lt=True)


def requeue():
    """reenviar_encolado: error → encolado with a fresh attempt budget (TusFacturas' queue FAQ: an `error` is only
    tried again when the client sends it to reprocess)."""

    def change(pipe, record: Record):
        require("requeue", record.id, record.state)
        Store.stage_state(pipe, record, State.ENCOLADO, {"attempts": 0, "last_error": "[]"}, {"motivo": "reenviado"})
        _schedule(pipe, record, record.fecha)
        return event_for(record, event("requeue", State.ENCOLADO), intento=1, msg=[])

    return change


def change_date(revalidated: Accepted):
    """cambiar_fecha_encolado: new fecha, vencimiento and the detail computed for them; an `error`
    comprobante goes back to the queue with it (TusFacturas' queue FAQ: changing the date sends it to reprocess)."""

    def change(pipe, record: Record):
        require("change_date", record.id, record.state)
        fields = {
            "fecha": revalidated.fecha.isoformat(),
            "vencimiento": revalidated.vencimiento.isoformat() if revalidated.vencimiento else "",
            "body": to_json(revalidated.body),
            "detail": to_json(revalidated.detail),
        }
        attempts = record.attempts
        if record.state == State.ERROR:
            attempts = 0
            fields.update(attempts=0, last_error="[]")
        audit = {"motivo": "cambio de fecha", "fecha_anterior": record.fecha.isoformat(), "fecha": fields["fecha"]}
        Store.stage_state(pipe, record, State.ENCOLADO, fields, audit)
        pipe.zrem(fecha_key(record.pdv, record.fecha.isoformat()), record.id)
        pipe.zadd(fecha_key(record.pdv, fields["fecha"]), {record.id: record.seq})
        _schedule(pipe, record, revalidated.fecha)
        return event_for(record, event("change_date", State.ENCOLADO), intento=attempts + 1, msg=[])

    return change


def eliminate():
    """eliminar_encolado: only what AFIP has not authorised (encolado or error) can be deleted."""

    def change(pipe, record: Record):
        require("eliminate", record.id, record.state)
        Store.stage_state(pipe, record, State.ELIMINADO, {}, {"motivo": "eliminado por el cliente"})
        pipe.zrem(pending_key(record.lane), record.id)
        references.stage_remove(pipe, record.pdv, record.external_reference, record.id)
        pipe.zrem(fecha_key(record.pdv, record.fecha.isoformat()), record.id)
        return event_for(record, event("eliminate", State.ELIMINADO), intento=record.attempts + 1, msg=[])

    return change
