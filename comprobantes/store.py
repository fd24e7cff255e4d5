"""The queue's system of record in Redis: each comprobante, its state, attempts and audit trail, with
indices by external_reference, state, fecha and lane.

States (DESIGN.md): encolado → procesando → emitido | error; encolado/error → eliminado;
error → encolado. Every transition is one MULTI/EXEC that also stages its webhook event, so a state
change and its notification are committed together or not at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from redis.exceptions import WatchError

from accounts.points_of_sale import PointOfSale
from comprobantes.lote_hooks import lote_fields
from comprobantes.validation import Accepted
from config import clock
from config.keys import key
from webhook_dispatch import outbox
from webhook_dispatch.events import Event, build_event

STATES = ("encolado", "procesando", "emitido", "error", "eliminado")
LANES_DUE = key("lanes", "due")
DAY = 10**9  # pending score = fecha ordinal * DAY + arrival sequence: (fecha, arrival) order


def lane_key(cuit: int, pto_vta: int, cbte_tipo: int) -> str:
    return f"{cuit}:{pto_vta}:{cbte_tipo}"


def pending_score(fecha: date, seq: int) -> int:
    return fecha.toordinal() * DAY + seq


def due_score_bound(today: date) -> int:
    """Pending scores below this are due: fecha on or before `today`."""
    return (today.toordinal() + 1) * DAY


def cbte_key(rid: str) -> str:
    return key("cbte", rid)


def audit_key(rid: str) -> str:
    return key("cbte", rid, "audit")


def pending_key(lane: str) -> str:
    return key("lane", lane, "pending")


def ref_key(pdv_id: str, external_reference: str) -> str:
    return key("pdv", pdv_id, "ref", external_reference)


def state_key(pdv_id: str, state: str) -> str:
    return key("pdv", pdv_id, "state", state)


def fecha_key(pdv_id: str, fecha: str) -> str:
    return key("pdv", pdv_id, "fecha", fecha)


def all_key(pdv_id: str) -> str:
    return key("pdv", pdv_id, "all")


def numero_key(pdv_id: str, cbte_tipo: int) -> str:
    return key("pdv", pdv_id, "numero", cbte_tipo)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=lambda v: str(v) if isinstance(v, Decimal) else repr(v))


@dataclass
class Record:
    id: str
    pdv: str
    lane: str
    state: str
    version: int
    external_reference: str
    tipo: str
    cbte_tipo: int
    pto_vta: int
    cuit: int
    fecha: date
    vencimiento: date | None
    seq: int
    attempts: int
    created: float
    updated: float
    body: dict
    detail: dict
    total: str
    batch: str = ""
    numero: int = 0
    cae: str = ""
    cae_vto: str = ""
    afip_qr: str = ""
    observaciones: list = field(default_factory=list)
    last_error: list = field(default_factory=list)
    emitted_at: float = 0.0
    lote_ref: str = ""

    @classmethod
    def from_redis(cls, raw: dict[str, str]) -> "Record":
        return cls(
            id=raw["id"],
            pdv=raw["pdv"],
            lane=raw["lane"],
            state=raw["state"],
            version=int(raw["version"]),
            external_reference=raw["external_reference"],
            tipo=raw["tipo"],
            cbte_tipo=int(raw["cbte_tipo"]),
            pto_vta=int(raw["pto_vta"]),
            cuit=int(raw["cuit"]),
            fecha=date.fromisoformat(raw["fecha"]),
            vencimiento=date.fromisoformat(raw["vencimiento"]) if raw.get("vencimiento") else None,
            seq=int(raw["seq"]),
            attempts=int(raw["attempts"]),
            created=float(raw["created"]),
            updated=float(raw["updated"]),
            body=json.loads(raw["body"]),
            detail=json.loads(raw["detail"]),
            total=raw["total"],
            batch=raw.get("batch", ""),
            numero=int(raw.get("numero") or 0),
            cae=raw.get("cae", ""),
            cae_vto=raw.get("cae_vto", ""),
            afip_qr=raw.get("afip_qr", ""),
            observaciones=json.loads(raw.get("observaciones") or "[]"),
            last_error=json.loads(raw.get("last_error") or "[]"),
            emitted_at=float(raw.get("emitted_at") or 0),
            lote_ref=raw.get("lote_ref", ""),
        )

    @property
    def due_at(self) -> float:
        return clock.start_of_day_ar(self.fecha)


class Conflict(Exception):
    """The comprobante is not in a state that allows the change."""


class Store:
    def __init__(self, r):
        self.r = r

    # Reading

    def get(self, rid: str) -> Record | None:
        raw = self.r.hgetall(cbte_key(rid))
        return Record.from_redis(raw) if raw else None

    def get_many(self, rids: list[str]) -> list[Record]:
        pipe = self.r.pipeline(transaction=False)
        for rid in rids:
            pipe.hgetall(cbte_key(rid))
        return [Record.from_redis(raw) for raw in pipe.execute() if raw]

    def by_reference(self, pdv_id: str, external_reference: str) -> list[Record]:
        """Live (not eliminated) comprobantes with that reference, first arrived first."""
        return self.get_many(self.r.zrange(ref_key(pdv_id, external_reference), 0, -1))

    def audit(self, rid: str) -> list[dict]:
        return [json.loads(entry) for entry in self.r.lrange(audit_key(rid), 0, -1)]

    # Acceptance

    def accept(self, pdv: PointOfSale, accepted: Accepted, *, lote_ref: str = "") -> tuple[Record, Event | None]:
        """Store a validated comprobante as `encolado`, scheduled in its lane.

        With the point of sale's idempotent submission on, a reference it already holds is not queued
        again: the existing comprobante comes back with no event.
        """
        seq = self.r.incr(key("seq", "cbte"))
        rid = str(seq)
        now = clock.timestamp()
        lane = lane_key(pdv.cuit, pdv.pto_vta, accepted.tipo.cbte_tipo)
        fecha_iso = accepted.fecha.isoformat()
        event = build_event(
            pdv_id=pdv.id, evento="encolado", external_reference=accepted.external_reference,
            intento=1, msg=[], comprobante_id=rid,
        )
        raw = {
            "id": rid, "pdv": pdv.id, "lane": lane, "state": "encolado", "version": 1,
            "external_reference": accepted.external_reference, "tipo": accepted.tipo.nombre,
            "cbte_tipo": accepted.tipo.cbte_tipo, "pto_vta": pdv.pto_vta, "cuit": pdv.cuit,
            "fecha": fecha_iso, "vencimiento": accepted.vencimiento.isoformat() if accepted.vencimiento else "",
            "seq": seq, "attempts": 0, "created": repr(now), "updated": repr(now),
            "body": _json(accepted.body), "detail": _json(accepted.detail), "total": str(accepted.total),
            "lote_ref": lote_ref,
        }
        reference = ref_key(pdv.id, accepted.external_reference)
        with self.r.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(reference)
                    if pdv.idempotent_submission:
                        existing = pipe.zrange(reference, 0, 0)
                        if existing:
                            pipe.unwatch()
                            return self.get(existing[0]), None
                    pipe.multi()
                    pipe.hset(cbte_key(rid), mapping=raw)
                    pipe.rpush(audit_key(rid), _json({"at": now, "evento": "aceptado", "estado": "encolado"}))
                    pipe.zadd(reference, {rid: seq})
                    pipe.zadd(state_key(pdv.id, "encolado"), {rid: seq})
                    pipe.zadd(fecha_key(pdv.id, fecha_iso), {rid: seq})
                    pipe.zadd(all_key(pdv.id), {rid: seq})
                    pipe.zadd(pending_key(lane), {rid: pending_score(accepted.fecha, seq)})
                    pipe.hset(key("lane", lane), mapping={"pdv": pdv.id, "cuit": pdv.cuit, "pto_vta": pdv.pto_vta,
                                                           "cbte_tipo": accepted.tipo.cbte_tipo})
                    pipe.zadd(LANES_DUE, {lane: clock.start_of_day_ar(accepted.fecha)}, lt=True)
                    outbox.stage(pipe, event)
                    pipe.execute()
                    break
                except WatchError:
                    continue
        outbox.publish([event.hook_id])
        return self.get(rid), event

    # Transitions used by the emitter

    def transition(self, rids: list[str], change) -> list[Event]:
        """Apply `change(pipe, record) -> Event | None` to each record in one MULTI, after WATCHing them.

        `change` reads the record as it is inside the WATCH and either stages writes (and returns the
        event to stage) or raises Conflict to skip that record. After the commit the events' deliveries
        are published; returns the events.
        """
        keys = [cbte_key(rid) for rid in rids]
        with self.r.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(*keys)
                    # Read through another connection in one round trip; the WATCH still guards them.
                    records = self.get_many(rids)
                    pipe.multi()
                    events = []
                    for record in records:
                        try:
                            event = change(pipe, record)
                        except Conflict:
                            continue
                        if event is not None:
                            outbox.stage(pipe, event)
                            events.append(event)
                    pipe.execute()
                    break
                except WatchError:
                    continue
        outbox.publish([event.hook_id for event in events])
        return events

    @staticmethod
    def stage_state(pipe, record: Record, new_state: str, fields: dict, audit: dict) -> None:
        """Writes common to every transition: state, version, state index and audit entry."""
        now = clock.timestamp()
        pipe.hset(cbte_key(record.id), mapping={**fields, "state": new_state, "version": record.version + 1,
                                                "updated": repr(now)})
        if new_state != record.state:
            pipe.zrem(state_key(record.pdv, record.state), record.id)
            pipe.zadd(state_key(record.pdv, new_state), {record.id: record.seq})
        pipe.rpush(audit_key(record.id), _json({"at": now, "estado": new_state, **audit}))


def event_for(record: Record, evento: str, *, intento: int, msg: list[str], extra: dict | None = None) -> Event:
    """The comprobante's event; one that came through the legacy `lotes` endpoint gets seed 002's keys too."""
    if record.lote_ref:
        extra = lote_fields(
            evento=evento, lote_ref=record.lote_ref, tipo=record.tipo, pto_vta=record.pto_vta,
            vencimiento_pago=record.vencimiento.strftime("%d/%m/%Y") if record.vencimiento else "",
            msg=msg, extra=extra,
        )
    return build_event(
        pdv_id=record.pdv, evento=evento, external_reference=record.external_reference,
        intento=intento, msg=msg, comprobante_id=record.id, extra=extra,
    )
