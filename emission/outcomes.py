"""The state changes of emission, as `Store.transition` change functions.

Each one starts only from its from-states in comprobantes/lifecycle.py and checks that the comprobante
is still where this emitter left it (state and batch id: the fence on our side, as AFIP's 10016 is on
AFIP's), so a stale emitter's late answer changes nothing.
"""

from __future__ import annotations

import json
from datetime import date

from comprobantes.answers import comprobante_nro
from comprobantes.document_links import NO_LINKS, DocumentLinks
from comprobantes.lifecycle import Conflict, State, event, require
from comprobantes.qr import afip_qr_url
from comprobantes.store import NewRecord, Record, Store, event_for, numero_key, pending_key, pending_score
from comprobantes.views import yyyymmdd_to_ddmmyyyy
from config import clock
from mailing import outbox as mail_outbox
from webhook_dispatch.events import Event


def _owned(change: str, record: Record, batch_id: str) -> None:
    require(change, record.id, record.state)
    if record.batch != batch_id:
        raise Conflict(record.id)


def claim(batch_id: str, written: dict[str, Record] | None = None):
    """Take comprobantes into a batch; `written`, when given, gets each record as the claim wrote it (by
    id), for a caller that carries them on."""

    def change(pipe, record: Record):
        pipe.zrem(pending_key(record.lane), record.id)
        require("claim", record.id, record.state)
        claimed = Store.stage_state(pipe, record, State.PROCESANDO, {"batch": batch_id}, {"lote": batch_id})
        if written is not None:
            written[record.id] = claimed
        return None

    return change


def emitted(batch_id: str, results: dict[str, dict], continuations: dict[str, NewRecord | Event] | None = None, *,
            links: DocumentLinks | None = None):
    """`results[rid]`: numero, cae, cae_vto (yyyymmdd), observaciones [(code, msg)], reconciled (bool).
    `links` signs the links to its documents that the `emitido` hook carries.

    `continuations[rid]`: an abono's next occurrence, created in the same transaction so that a crash
    can never leave an emitted abono without its successor, or the `error` event saying why it ends.
    """

    def change(pipe, record: Record):
        _owned("emitted", record, batch_id)
        result = results[record.id]
        detail = record.detail
        qr = afip_qr_url(
            fecha=record.fecha, cuit=record.cuit, pto_vta=record.pto_vta, cbte_tipo=record.cbte_tipo,
            numero=result["numero"], importe=detail["ImpTotal"], moneda=detail["MonId"],
            cotizacion=detail["MonCotiz"], doc_tipo=detail["DocTipo"], doc_nro=detail["DocNro"], cae=result["cae"],
        )
        attempts = record.attempts + 1
        observaciones = [f"{code} - {msg}" for code, msg in result["observaciones"]]
        Store.stage_state(
            pipe, record, State.EMITIDO,
            {"numero": result["numero"], "cae": result["cae"], "cae_vto": result["cae_vto"], "afip_qr": qr,
             "observaciones": _dumps(observaciones), "attempts": attempts, "emitted_at": repr(clock.timestamp()),
             "batch": "", "last_error": "[]"},
            {"numero": result["numero"], "cae": result["cae"], "intento": attempts,
             "reconciliado": result.get("reconciled", False), "observaciones": observaciones},
        )
        pipe.zadd(numero_key(record.pdv, record.cbte_tipo), {record.id: result["numero"]})
        mail = mail_outbox.stage(pipe, record)
        events = []
        following = (continuations or {}).get(record.id)
        if isinstance(following, NewRecord):
            Store.stage_new(pipe, following)
            events.append(following.event)  # None when it notifies no one; the store skips it
        elif following is not None:  # the event saying why the abono could not go on
            events.append(following)
        return [event_for(
            record, event("emitted", State.EMITIDO), intento=attempts, msg=[*observaciones, *mail.notices()],
            extra={
                "cae": result["cae"],
                "vencimiento_cae": yyyymmdd_to_ddmmyyyy(result["cae_vto"]),
                "comprobante_nro": comprobante_nro(record.pto_vta, result["numero"]),
                "comprobante_tipo": record.tipo,
                "afip_qr": qr,
                **mail.answer_fields(),
                **(links.for_emitted(record.pdv, record.id) if links else NO_LINKS),
            },
        ), *events]

    return change


def failed(batch_id: str | None, messages: dict[str, list[str]], *, codes: dict[str, list] | None = None,
           earliest: dict[str, date] | None = None):
    """To `error` with the messages the client reads; `batch_id` None for comprobantes not yet claimed;
    `earliest` the first fecha the lane accepts for those the date guard stopped (cleared for the rest)."""

    name = "failed_unclaimed" if batch_id is None else "failed"

    def change(pipe, record: Record):
        if batch_id is None:
            require(name, record.id, record.state)
            pipe.zrem(pending_key(record.lane), record.id)
        else:
            _owned(name, record, batch_id)
        attempts = record.attempts + 1
        msg = messages[record.id]
        fecha_minima = (earliest or {}).get(record.id)
        Store.stage_state(
            pipe, record, State.ERROR, {"attempts": attempts, "last_error": _dumps(msg), "batch": "",
                                        "fecha_minima": fecha_minima.isoformat() if fecha_minima else ""},
            {"intento": attempts, "errores": msg, "codigos": (codes or {}).get(record.id, []),
             # the page words the date guard's failure its own way, in the history too
             **({"fecha": record.fecha.isoformat(), "fecha_minima": fecha_minima.isoformat()} if fecha_minima else {})},
        )
        return event_for(record, event(name, State.ERROR), intento=attempts, msg=msg)

    return change


def released(batch_id: str, *, count_attempt: bool, reason: str, max_attempts: int, exhausted_message: str):
    """Back to `encolado` in its lane; a counted failure that spends the last attempt goes to `error`."""

    def change(pipe, record: Record):
        _owned("released", record, batch_id)
        attempts = record.attempts + (1 if count_attempt else 0)
        if count_attempt and attempts >= max_attempts:
            msg = [exhausted_message, reason]
            Store.stage_state(
                pipe, record, State.ERROR, {"attempts": attempts, "last_error": _dumps(msg), "batch": "",
                                            "fecha_minima": ""},
                {"intento": attempts, "errores": msg},
            )
            return event_for(record, event("released", State.ERROR), intento=attempts, msg=msg)
        fields = {"attempts": attempts, "batch": ""}
        if count_attempt:
            fields["last_error"] = _dumps([reason])
        Store.stage_state(pipe, record, State.ENCOLADO, fields, {"intento": attempts, "motivo": reason})
        pipe.zadd(pending_key(record.lane), {record.id: pending_score(record.fecha, record.seq)})
        return None

    return change


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)
