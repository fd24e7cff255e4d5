"""The queue's system of record in Redis: each comprobante, its state, attempts and audit trail, with
indices by external_reference, state (and state and tipo, while it is in the queue), fecha and lane.

A comprobante is one value (`cbte:<id>`): its fields and its audit trail, compressed
(comprobantes/record_codec.py). Each index is ordered the way its listings read it, so a listing reads
one page of it by score (config.score_pages), never the whole index: a state index of the queue
(encolado, procesando, error) by the queue's order (fecha, then arrival: the pending score), the emitted
one by emission time, the others and the fecha index by arrival, the numbers' index by number; one index
of every finished comprobante by when it finished, for retention. The index by reference is bucketed
(comprobantes/references.py).

States and the transitions between them: comprobantes/lifecycle.py. Every transition is one MULTI/EXEC
that rewrites the record and also stages its webhook event, so a state change and its notification are
committed together or not at all. Every write of a record raises its `version`, which its stored value
starts with: a record read earlier is still the stored one while its version is, which lets the emitter
carry a batch's records from claim to outcome and read each one whole once (Store.current).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from redis.client import NEVER_DECODE

from accounts.points_of_sale import PointOfSale
from accounts.points_of_sale import pdv_id as point_of_sale_id
from comprobantes import layout, record_codec, references
from comprobantes.dates import ddmmyyyy
from comprobantes.instant import stage_outcome
from comprobantes.lifecycle import FINISHED, IN_QUEUE, INITIAL, INITIAL_EVENT, Conflict, State, check_transition
from comprobantes.lote_hooks import lote_fields
from comprobantes.mail_request import MailRequest, decide
from comprobantes.validation import Accepted
from config import clock
from config.keys import key
from config.lua import execute
from config.metrics import count
from config.one_call import Writes
from config.settings import get_settings
from webhook_dispatch import outbox
from webhook_dispatch.events import Event, build_event

log = logging.getLogger("encola.store")

LANES_DUE = key("lanes", "due")
# Every finished comprobante (emitido, eliminado) by when it finished: what the retention sweep reads
# (comprobantes.retention).
FINISHED_KEY = key("finished")
DAY = 10**9  # pending score = fecha ordinal * DAY + arrival sequence: (fecha, arrival) order


def lane_key(cuit: int, pto_vta: int, cbte_tipo: int) -> str:
    return f"{cuit}:{pto_vta}:{cbte_tipo}"


def pending_score(fecha: date, seq: int) -> int:
    return fecha.toordinal() * DAY + seq


def fecha_scores(desde: date | None, hasta: date | None) -> tuple[int, int]:
    """The pending scores of the comprobantes of fecha `desde` to `hasta` (either open)."""
    return (desde or date.min).toordinal() * DAY, due_score_bound(hasta or date.max) - 1


def due_score_bound(today: date) -> int:
    """Pending scores below this are due: fecha on or before `today`."""
    return (today.toordinal() + 1) * DAY


def cbte_key(rid: str) -> str:
    return key("cbte", rid)


def pending_key(lane: str) -> str:
    return key("lane", lane, "pending")


def state_key(pdv_id: str, state: str) -> str:
    return key("pdv", pdv_id, "state", state)


def queue_tipo_key(pdv_id: str, state: str, cbte_tipo: int) -> str:
    """A state index of the queue (IN_QUEUE) for one tipo of comprobante. The `encolado` one is the lane's
    pending set, which holds exactly those comprobantes, by the same score (pending_score): one sorted set
    serves both, and every write of either writes the same."""
    if state == State.ENCOLADO:
        cuit, pto_vta = pdv_id.split("-")
        return pending_key(lane_key(int(cuit), int(pto_vta), cbte_tipo))
    return key("pdv", pdv_id, "state", state, "tipo", cbte_tipo)


def state_score(state: str, record: "Record", fields: dict) -> float:
    """A comprobante's score in the index of `state` once `fields` are written (module docstring)."""
    if state in IN_QUEUE:
        return pending_score(date.fromisoformat(fields["fecha"]) if "fecha" in fields else record.fecha, record.seq)
    if state == State.EMITIDO:
        return float(fields["emitted_at"])
    return record.seq


def fecha_key(pdv_id: str, fecha: str) -> str:
    return key("pdv", pdv_id, "fecha", fecha)


def numero_key(pdv_id: str, cbte_tipo: int) -> str:
    return key("pdv", pdv_id, "numero", cbte_tipo)


def _plain(value) -> str:
    return str(value) if isinstance(value, Decimal) else repr(value)


# One encoder for every call: json.dumps builds a new one whenever it is given an option, such as `default`.
to_json = json.JSONEncoder(ensure_ascii=False, default=_plain).encode


# The record's fields kept as the JSON text they were read from (Record.text_of).
_KEPT_TEXTS = ("body", "detail")


def _parsed(raw: dict, name: str, before: "Record | None"):
    """`raw[name]` parsed, or `before`'s object when `raw[name]` is the very text `before` was read from."""
    text = raw[name]
    read = getattr(before, "read_texts", {}).get(name) if before is not None else None
    return read[0] if read is not None and read[1] is text else json.loads(text)


@dataclass
class Record:
    id: str
    pdv: str
    lane: str
    state: State
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
    abono_base: str = ""
    notify: bool = True  # False for instant comprobantes of a point of sale without a webhook URL
    instant: bool = False  # accepted by the instant `nuevo`, whose request waits for it (comprobantes.instant)
    mail: str = ""  # whether it is e-mailed, decided at acceptance (comprobantes.mail_request)
    # The earliest fecha its lane accepts, set when the date guard (emission/batch.py) stopped it: only a
    # new date can make it go through, so the page offers that and not a resend.
    fecha_minima: date | None = None

    # The comprobante's history: one entry per change, as Store.audit returns it.
    audit: list = field(default_factory=list)

    @classmethod
    def from_fields(cls, raw: dict, *, before: "Record | None" = None) -> "Record":
        """The record from its stored fields (to_fields' form, or a hash of the layout before issue 19).
        `before`, the record these fields were made from (Record.changed), lends its body and detail where
        their text is the one it was read from, instead of parsing them again."""
        cuit, pto_vta, cbte_tipo = int(raw["cuit"]), int(raw["pto_vta"]), int(raw["cbte_tipo"])
        record = cls(
            id=raw["id"],
            # Derived from other fields, so not stored since issue 19 (to_fields); a hash of before has them.
            pdv=raw.get("pdv") or point_of_sale_id(cuit, pto_vta),
            lane=raw.get("lane") or lane_key(cuit, pto_vta, cbte_tipo),
            state=State(raw["state"]),
            version=int(raw["version"]),
            external_reference=raw["external_reference"],
            tipo=raw["tipo"],
            cbte_tipo=cbte_tipo,
            pto_vta=pto_vta,
            cuit=cuit,
            fecha=date.fromisoformat(raw["fecha"]),
            vencimiento=date.fromisoformat(raw["vencimiento"]) if raw.get("vencimiento") else None,
            seq=int(raw.get("seq") or raw["id"]),
            attempts=int(raw["attempts"]),
            created=float(raw["created"]),
            updated=float(raw["updated"]),
            body=_parsed(raw, "body", before),
            detail=_parsed(raw, "detail", before),
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
            abono_base=raw.get("abono_base", ""),
            notify=raw.get("notify", "1") == "1",
            instant=raw.get("instant") == "1",
            mail=raw.get("mail", ""),
            fecha_minima=date.fromisoformat(raw["fecha_minima"]) if raw.get("fecha_minima") else None,
            audit=raw.get("audit") or [],
        )
        record.read_texts = {name: (getattr(record, name), raw[name]) for name in _KEPT_TEXTS}
        return record

    def text_of(self, name: str) -> str:
        """The JSON text of `body` or `detail`: the text it was read from while it is still the object read
        (a record's body and detail are replaced, never changed in place), else dumped anew. Each
        transition writes the whole record, and dumping and parsing them took a third of it."""
        value = getattr(self, name)
        read = getattr(self, "read_texts", {}).get(name)
        return read[1] if read is not None and read[0] is value else to_json(value)

    def to_fields(self) -> dict:
        """The record's stored fields, as text (from_fields reads them back); empty ones left out."""
        optional = {
            "vencimiento": self.vencimiento.isoformat() if self.vencimiento else "", "batch": self.batch,
            "numero": str(self.numero or ""), "cae": self.cae, "cae_vto": self.cae_vto, "afip_qr": self.afip_qr,
            "observaciones": to_json(self.observaciones) if self.observaciones else "",
            "last_error": to_json(self.last_error) if self.last_error else "",
            "emitted_at": repr(self.emitted_at) if self.emitted_at else "", "lote_ref": self.lote_ref,
            "abono_base": self.abono_base, "notify": "" if self.notify else "0", "instant": "1" if self.instant else "",
            "mail": self.mail, "fecha_minima": self.fecha_minima.isoformat() if self.fecha_minima else "",
        }
        return {
            "id": self.id, "state": str(self.state), "version": str(self.version),
            "external_reference": self.external_reference, "tipo": self.tipo, "cbte_tipo": str(self.cbte_tipo),
            "pto_vta": str(self.pto_vta), "cuit": str(self.cuit), "fecha": self.fecha.isoformat(),
            "attempts": str(self.attempts), "created": repr(self.created),
            "updated": repr(self.updated), "body": self.text_of("body"), "detail": self.text_of("detail"),
            "total": self.total, **{name: value for name, value in optional.items() if value},
        }

    def stored(self) -> bytes:
        """The record's value in Redis (comprobantes/record_codec.py)."""
        return record_codec.encode({**self.to_fields(), "audit": self.audit})

    @property
    def mail_request(self) -> MailRequest:
        return MailRequest.of(self.mail, self.body)

    @property
    def due_at(self) -> float:
        return clock.start_of_day_ar(self.fecha)

    def changed(self, new_state: State, fields: dict, audit: dict, now: float) -> "Record":
        """The record as a transition to `new_state` at `now` leaves it: `fields` written over its own (as
        text, the way Store.stage_state takes them) and `audit` added to its history. Exactly what a later
        read returns, so a caller may carry it on instead of reading it back (Store.current)."""
        written = {name: repr(value) if isinstance(value, float) else str(value) for name, value in fields.items()}
        entry = json.loads(to_json({"at": now, "estado": new_state, **audit}))
        return Record.from_fields({**self.to_fields(), **written, "state": str(new_state),
                                   "version": str(self.version + 1), "updated": repr(now),
                                   "audit": [*self.audit, entry]}, before=self)


@dataclass
class NewRecord:
    """A comprobante about to be accepted: its record as it will be stored, its point of sale and its
    `encolado` event (None when it notifies no one)."""

    record: Record
    pdv: PointOfSale
    event: Event | None = None

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def lane(self) -> str:
        return self.record.lane

    @property
    def fecha(self) -> date:
        return self.record.fecha


class Store:
    def __init__(self, r):
        self.r = r

    # Reading

    def get(self, rid: str) -> Record | None:
        found = self.get_many([rid])
        return found[0] if found else None

    def get_many(self, rids: list[str]) -> list[Record]:
        pipe = self.r.pipeline(transaction=False)
        for rid in rids:
            pipe.execute_command("GET", cbte_key(rid), **{NEVER_DECODE: True})
        return [Record.from_fields(record_codec.decode(value)) for value in pipe.execute() if value]

    def by_reference(self, pdv_id: str, external_reference: str) -> list[Record]:
        """Live (not eliminated) comprobantes with that reference, first arrived first."""
        return self.get_many(references.of(self.r, pdv_id, external_reference))

    def audit(self, rid: str) -> list[dict]:
        record = self.get(rid)
        return record.audit if record else []

    # Acceptance

    def accept(self, pdv: PointOfSale, accepted: Accepted, *, lote_ref: str = "",
               notify: bool = True, instant: bool = False) -> tuple[Record, bool]:
        """Store a validated comprobante as `encolado`, scheduled in its lane; returns it and whether
        it is new (see accept_many)."""
        return self.accept_many(pdv, [(accepted, lote_ref)], notify=notify, instant=instant)[0]

    def accept_many(self, pdv: PointOfSale, items: list[tuple[Accepted, str]], *,
                    notify: bool = True, instant: bool = False) -> list[tuple[Record, bool]]:
        """Store validated comprobantes (each with its lote reference, or "") in one transaction;
        returns, in order, each one's record and whether it is new.

        With the point of sale's idempotent submission on, a reference it already holds (or that an
        earlier item of the same call takes) is not queued again: that comprobante comes back, not new,
        and nothing is notified.
        """
        news = self.prepare_many(pdv, items, notify=notify, instant=instant)
        held_references = list(dict.fromkeys(new.record.external_reference for new in news))

        def stage(pipe):
            held = self._holders(pdv.id, held_references) if pdv.idempotent_submission else {}
            writes = Writes()
            chosen = self._stage_news(writes, news, held, idempotent=pdv.idempotent_submission)
            pipe.multi()
            writes.send(pipe)
            return chosen

        watched = {references.bucket_key(pdv.id, reference) for reference in held_references}
        chosen = self.r.transaction(stage, *watched, value_from_callable=True)
        created = {new.id: new for new in news}
        fresh = [created[rid] for rid, is_new in chosen if is_new]
        outbox.publish_new(self.r, [new.event for new in fresh if new.event], urls=urls_of(fresh))
        log_accepted(fresh)
        existing = {rec.id: rec for rec in self.get_many([rid for rid, is_new in chosen if not is_new])}
        return [(created[rid].record if is_new else existing[rid], is_new) for rid, is_new in chosen]

    @classmethod
    def _stage_news(cls, pipe, news: list["NewRecord"], held: dict[str, str], *,
                    idempotent: bool) -> list[tuple[str, bool]]:
        """Stage each new comprobante whose reference no live one holds; (its id or the holder's, is new)."""
        chosen, stored, fresh = [], {}, []
        for new in news:
            reference = new.record.external_reference
            holder = held.get(reference) or stored.get(reference)
            if holder:
                chosen.append((holder, False))
                continue
            if idempotent:
                stored[reference] = new.id
            chosen.append((new.id, True))
            fresh.append(new)
        cls.stage_news(pipe, fresh)
        return chosen

    def _holders(self, pdv_id: str, held_references: list[str]) -> dict[str, str]:
        """external_reference → the live comprobante holding it. Read through another connection in one
        round trip; the caller's WATCH still guards the index."""
        pipe = self.r.pipeline(transaction=False)
        references.read(pipe, pdv_id, held_references)
        found = references.holders(execute(pipe)[0], len(held_references))
        return {reference: ids[0] for reference, ids in zip(held_references, found) if ids}

    def prepare_many(self, pdv: PointOfSale, items: list[tuple[Accepted, str]], *, notify: bool = True,
                     instant: bool = False) -> list["NewRecord"]:
        """prepare() for each (accepted, lote reference), their ids taken in one round trip."""
        if not items:
            return []
        first_seq = layout.take_ids(self.r, len(items))
        return [self.prepare(pdv, accepted, lote_ref=lote_ref, notify=notify, instant=instant, seq=first_seq + n)
                for n, (accepted, lote_ref) in enumerate(items)]

    def prepare(self, pdv: PointOfSale, accepted: Accepted, *, lote_ref: str = "", origin: str = "",
                abono_base: str = "", notify: bool = True, instant: bool = False,
                seq: int | None = None) -> "NewRecord":
        """Everything a new comprobante writes, ready to be staged in a transaction."""
        seq = seq or layout.take_ids(self.r, 1)
        now = clock.timestamp()
        texts = {"body": to_json(accepted.body), "detail": to_json(accepted.detail)}
        # Built as Record.from_fields would read it back, without writing its fields out and parsing them:
        # its body parsed from the text stored, so a caller's later change to what it submitted (or a Decimal
        # in it) is not in the record. The detail is this code's own, of JSON's types only, which nothing
        # changes in place: it is the object the text was written from.
        record = Record(
            id=str(seq), pdv=pdv.id, lane=lane_key(pdv.cuit, pdv.pto_vta, accepted.tipo.cbte_tipo), state=INITIAL,
            version=1, external_reference=accepted.external_reference, tipo=accepted.tipo.nombre,
            cbte_tipo=accepted.tipo.cbte_tipo, pto_vta=pdv.pto_vta, cuit=pdv.cuit, fecha=accepted.fecha,
            vencimiento=accepted.vencimiento, seq=seq, attempts=0, created=now, updated=now,
            body=json.loads(texts["body"]), detail=accepted.detail, total=str(accepted.total),
            lote_ref=lote_ref, abono_base=abono_base, notify=notify, instant=instant,
            mail=decide(accepted.body, mail_server=get_settings().smtp is not None),
            audit=[{"at": now, "evento": "aceptado", "estado": str(INITIAL), **({"origen": origin} if origin else {})}],
        )
        record.read_texts = {name: (getattr(record, name), text) for name, text in texts.items()}
        # Built from the new record itself, so its first event is built like all its later ones.
        return NewRecord(record, pdv, event_for(record, INITIAL_EVENT, intento=1, msg=[]))

    @classmethod
    def stage_new(cls, pipe, new: "NewRecord") -> None:
        cls.stage_news(pipe, [new])

    @staticmethod
    def stage_news(pipe, news: list["NewRecord"]) -> None:
        """Stage new comprobantes: each one's record, and one command per index they go into (most are
        shared by a batch: its point of sale's, its lane's, its reference buckets'), then their `encolado`
        hooks."""
        # Grouped first: the index keys are the same for every comprobante of a group, and building them for
        # each comprobante took 4 % of a batch's acceptance (py-spy).
        groups: dict[tuple, list[Record]] = {}
        for new in news:
            record = new.record
            groups.setdefault((record.pdv, record.cbte_tipo, record.fecha, record.lane), []).append(record)
        if news:  # one command for every record: a SET each cost a batch a hundred calls in Redis and here
            pipe.mset({cbte_key(new.record.id): new.record.stored() for new in news})
        indices: dict[str, dict[str, int]] = {}
        lanes: dict[str, Record] = {}
        accepted: dict[str, list[Record]] = {}
        for (pdv_id, cbte_tipo, fecha, lane), records in groups.items():
            queued = {record.id: pending_score(fecha, record.seq) for record in records}
            by_arrival = {record.id: record.seq for record in records}
            for index, members in ((state_key(pdv_id, INITIAL), queued), (pending_key(lane), queued),
                                   (queue_tipo_key(pdv_id, INITIAL, cbte_tipo), queued),
                                   (fecha_key(pdv_id, fecha.isoformat()), by_arrival)):
                indices.setdefault(index, {}).update(members)
            if lane not in lanes or fecha < lanes[lane].fecha:
                lanes[lane] = records[0]
            accepted.setdefault(pdv_id, []).extend(records)
        for index, members in indices.items():
            pipe.zadd(index, members)
        for lane, record in lanes.items():
            pipe.hset(key("lane", lane), mapping={"pdv": record.pdv, "cuit": record.cuit, "pto_vta": record.pto_vta,
                                                  "cbte_tipo": record.cbte_tipo})
            pipe.zadd(LANES_DUE, {lane: clock.start_of_day_ar(record.fecha)}, lt=True)
        for pdv_id, records in accepted.items():
            references.stage_add(pipe, pdv_id, [(record.external_reference, record.id) for record in records])
            count(pipe, "encola_comprobantes_accepted", len(records), pdv=pdv_id)
        outbox.stage_many(pipe, [new.event for new in news if new.event is not None], urls=urls_of(news))

    # Transitions used by the emitter

    def transition(self, rids: list[str], change, *, known: dict[str, Record] | None = None) -> list[str]:
        """Apply `change(pipe, record)` to each record in one MULTI, after WATCHing them; returns the ids
        that changed (see transitioned)."""
        return [record.id for record in self.transitioned(rids, change, known=known)]

    def transitioned(self, rids: list[str], change, *, known: dict[str, Record] | None = None) -> list[Record]:
        """Apply `change(pipe, record)` to each record in one MULTI, after WATCHing them.

        `change` reads the record as it is inside the WATCH and either stages writes and returns the
        events to stage (an Event, a list of them, or None), or raises Conflict to skip that record.
        `known` holds records the caller already read (by id): one still at its stored version is used
        as it is instead of being read again (see current). After the commit the events' deliveries are
        published; returns the records that changed, as the change read them.
        """
        if not rids:
            return []

        def stage(pipe):
            records = self.current(rids, known or {})
            # Sent as one Lua call (config/one_call.py): a batch of 250 stages thousands of commands.
            writes = Writes()
            staged = _stage_changes(writes, records, change)
            pipe.multi()
            writes.send(pipe)
            return staged

        changed, events = self.r.transaction(stage, *(cbte_key(rid) for rid in rids), value_from_callable=True)
        outbox.publish_new(self.r, events)
        return changed

    def current(self, rids: list[str], known: dict[str, Record]) -> list[Record]:
        """The records of `rids` as stored now, in that order, those that no longer exist left out.

        Every write of a record raises its version (stage_new writes 1, stage_state adds one), so a
        `known` record whose version is still the stored one is the stored record: only its version is
        read, the rest are read whole. Read through another connection, one round trip each; a caller's
        WATCH still guards them.
        """
        carried = [rid for rid in rids if rid in known]
        pipe = self.r.pipeline(transaction=False)
        for rid in carried:
            pipe.execute_command("GETRANGE", cbte_key(rid), 0, record_codec.PREFIX_BYTES - 1, **{NEVER_DECODE: True})
        stored = [record_codec.version_of(prefix) for prefix in pipe.execute()] if carried else []
        records = {rid: known[rid] for rid, version in zip(carried, stored) if version == str(known[rid].version)}
        records.update((record.id, record) for record in self.get_many([rid for rid in rids if rid not in records]))
        return [records[rid] for rid in rids if rid in records]

    @staticmethod
    def stage_state(pipe, record: Record, new_state: State, fields: dict, audit: dict) -> Record:
        """Writes common to every transition: the record as Record.changed leaves it (state, version,
        `fields`, the audit entry), and its state indices; returns that record. The new state's indices
        are written even when the state stays, as a new fecha moves it in the queue. A transition the
        lifecycle's table does not hold is refused (Conflict) before this stages anything."""
        check_transition(record.id, record.state, new_state)
        now = clock.timestamp()
        written = record.changed(new_state, fields, audit, now)
        pipe.set(cbte_key(record.id), written.stored())
        if new_state != record.state:
            pipe.zrem(state_key(record.pdv, record.state), record.id)
            if record.state in IN_QUEUE:
                pipe.zrem(queue_tipo_key(record.pdv, record.state, record.cbte_tipo), record.id)
            count(pipe, "encola_comprobante_transitions", pdv=record.pdv, state=new_state)
        score = state_score(new_state, record, fields)
        pipe.zadd(state_key(record.pdv, new_state), {record.id: score})
        if new_state in IN_QUEUE:
            pipe.zadd(queue_tipo_key(record.pdv, new_state, record.cbte_tipo), {record.id: score})
        if new_state in FINISHED:
            pipe.zadd(FINISHED_KEY, {record.id: now})
        stage_outcome(pipe, record, new_state)
        return written


def urls_of(news: list[NewRecord]) -> dict[str, str]:
    """The webhook URLs of the points of sale of new comprobantes, which stage_news puts their hooks in
    the lines of (outbox.stage_many): what publishing them after the commit is to be given."""
    return {new.pdv.id: new.pdv.webhook_url for new in news}


def log_accepted(news: list[NewRecord]) -> None:
    """Log each comprobante a committed transaction accepted."""
    for new in news:
        record = new.record
        log.info("comprobante %s accepted (%s) in lane %s, due %s", record.id, record.external_reference,
                 record.lane, record.fecha, extra={"comprobante": record.id, "pdv": record.pdv, "lane": record.lane,
                                                   "external_reference": record.external_reference})


def _stage_changes(pipe, records: list[Record], change) -> tuple[list[Record], list[Event]]:
    """Stage `change` for each record that it does not refuse with Conflict, and the events it returns."""
    changed, events = [], []
    for record in records:
        try:
            staged = change(pipe, record)
        except Conflict:
            continue
        changed.append(record)
        events.extend(_events(staged))
    outbox.stage_many(pipe, events)
    return changed, events


def _events(staged) -> list[Event]:
    return [event for event in (staged if isinstance(staged, list) else [staged]) if event is not None]


def event_for(record: Record, evento: str, *, intento: int, msg: list[str], extra: dict | None = None) -> Event | None:
    """The comprobante's event, None for one that notifies nobody; one that came through the legacy
    `lotes` endpoint gets the keys of TusFacturas' legacy lotes page too."""
    if not record.notify:
        return None
    if record.lote_ref:
        extra = lote_fields(
            evento=evento, lote_ref=record.lote_ref, tipo=record.tipo, pto_vta=record.pto_vta,
            vencimiento_pago=ddmmyyyy(record.vencimiento),
            msg=msg, extra=extra,
        )
    return build_event(
        pdv_id=record.pdv, evento=evento, external_reference=record.external_reference,
        intento=intento, msg=msg, comprobante_id=record.id, extra=extra,
    )
