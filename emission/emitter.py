"""Draining one lane: claim due comprobantes in (fecha, arrival) order, fail at once any whose part of
the request cannot be written as XML, number the rest, write out FECAESolicitar, record the batch in
flight, send it, store every outcome; reconcile whatever AFIP's answer left unclear.

Exactly-once rests on three things: one emitter per lane (the lock, for efficiency), the in-flight
record written before each call (so a crash is always followed by reconciliation, never by a blind
resend), and AFIP's 10016 (a stale emitter can never authorise a number twice).
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass

from accounts.points_of_sale import get_point_of_sale
from afip.failures import AfipError, AmbiguousError, AuthError, LoginInProgress, SequenceError, TransientError
from comprobantes.abonos import base_reference, next_occurrence
from comprobantes.lifecycle import State
from comprobantes.store import Record, Store, due_score_bound, pending_key, state_key
from comprobantes.views import yyyymmdd_to_ddmmyyyy
from comprobantes.wsfe_mapping import numbered
from config import clock, durability
from config.keys import key
from config.retry_policy import emission_backoff
from config.settings import get_settings
from emission import outcomes
from emission.afip_access import wsfe_for
from emission.lane_lock import LaneLock
from emission.matching import same_comprobante
from emission.schedule import LOST, MORE_WORK, YIELDED, finish, inflight_key, lane_key_meta, publish_drain
from config.metrics import count
from webhook_dispatch.events import build_event

log = logging.getLogger("encola.emission")

DRAIN_BUDGET_SECONDS = 30.0  # then the lane yields, so other lanes get the workers too
HEALTH_KEY = key("afip", "health")
HEALTH_TTL_SECONDS = 10  # one FEDummy answer serves every lane for this long
MAX_SEQUENCE_RETRIES = 2
REG_X_REQ_KEY = key("afip", "regxreq")
_OUTCOMES = {SequenceError: "sequence", AmbiguousError: "ambiguous", TransientError: "transient", AuthError: "auth"}
DEFAULT_REG_X_REQ = 250  # homologación's RegXReq (WSFEv1 manual), until AFIP tells its own
UNANSWERED = "AFIP no respondió al pedido de CAE; se reintentará."
RENUMBERED = "AFIP no aceptó la numeración del lote (10016); se reintentará con el número siguiente."
UNCONFIRMED = ("Redis no confirmó que el registro del envío quedara en disco; no se envió a AFIP y se "
               "reintentará.")
UNBUILDABLE = ("El comprobante tiene datos que no pueden enviarse a AFIP (caracteres de control u otros que XML no "
               "admite) y no se envió ni se reintentará. Corregí los datos y envialo como un comprobante nuevo.")
EXHAUSTED = "Se alcanzó el máximo de {n} intentos de emisión. Revisá el error y enviá el comprobante a reprocesar."


def afip_messages(pairs) -> list[str]:
    return [f"AFIP Factura electronica, informa el siguiente error: Cod. Error: {code} - {msg}" for code, msg in pairs]


def date_guard_message(fecha: str, last: str) -> str:
    return (
        f"La fecha del comprobante ({yyyymmdd_to_ddmmyyyy(fecha)}) es anterior a la del último comprobante emitido con este "
        f"punto de venta y tipo ({yyyymmdd_to_ddmmyyyy(last)}), y AFIP no lo aceptará. Cambiá la fecha del comprobante a "
        f"{yyyymmdd_to_ddmmyyyy(last)} o posterior con cambiar_fecha_encolado y se volverá a procesar."
    )


class _AfipDown(TransientError):
    """FEDummy said (now, or within the last HEALTH_TTL_SECONDS) that AFIP is not OK."""


class _Backoff(Exception):
    """Stop working the lane until `until` (epoch seconds)."""

    def __init__(self, until: float, reason: str):
        super().__init__(reason)
        self.until = until


@dataclass
class LaneState:
    pdv: str
    cuit: int
    pto_vta: int
    cbte_tipo: int
    last_numero: int | None
    last_fecha: str  # yyyymmdd of the last comprobante AFIP holds for the lane, "" if unknown
    retry_at: float
    failures: int
    probe_first: bool

    @classmethod
    def load(cls, r, lane: str) -> "LaneState":
        raw = r.hgetall(lane_key_meta(lane))
        return cls(
            pdv=raw["pdv"], cuit=int(raw["cuit"]), pto_vta=int(raw["pto_vta"]), cbte_tipo=int(raw["cbte_tipo"]),
            last_numero=int(raw["last_numero"]) if raw.get("last_numero") else None,
            last_fecha=raw.get("last_fecha", ""), retry_at=float(raw.get("retry_at") or 0),
            failures=int(raw.get("failures") or 0), probe_first=raw.get("probe_first") == "1",
        )


class LaneEmitter:
    def __init__(self, r, lane: str, *, client_factory=wsfe_for, budget_seconds: float = DRAIN_BUDGET_SECONDS,
                 verdict_of=durability.verdict):
        self.r = r
        self.lane = lane
        self.store = Store(r)
        self.settings = get_settings()
        self.client_factory = client_factory
        self.budget = budget_seconds
        self.verdict_of = verdict_of

    # Entry point

    def drain(self) -> str:
        lock = LaneLock(self.r, self.lane, self.settings.lane_lease_seconds)
        if not lock.acquire():
            return "busy"
        self.lock = lock
        with lock.heartbeat():
            deadline = time.monotonic() + self.budget
            while True:
                try:
                    self._work(deadline)
                except Exception:  # a bug must not hot-loop the lane: log it, back off, release
                    log.exception("lane %s: unexpected failure while emitting", self.lane)
                    self._set_lane(retry_at=clock.timestamp() + emission_backoff(1))
                outcome = finish(self.r, self.lane, lock.token, yield_lane=time.monotonic() >= deadline,
                                 lease=self.settings.lane_lease_seconds)
                if outcome == MORE_WORK:
                    continue
                if outcome == YIELDED:
                    publish_drain([self.lane])
                return {YIELDED: "yielded", LOST: "lost"}.get(outcome, "done")

    def _work(self, deadline: float) -> None:
        state = LaneState.load(self.r, self.lane)
        if state.retry_at > clock.timestamp():
            return
        pdv = self.pdv = get_point_of_sale(self.r, state.pdv)
        client = self.client_factory(self.r, pdv)
        sequence_retries = 0
        try:
            self._recover_orphans()
            if self.r.hlen(inflight_key(self.lane)):
                self._reconcile(client, state, count_attempt=True)
            self.gate = durability.gate_for_emitting(self.r, self.settings, self.verdict_of)
            if self.gate.refuses:
                count(self.r, "encola_emission_refusals", reason="not_durable")
                log.error("lane %s: not emitting, Redis could lose the in-flight record: %s", self.lane,
                          self.gate.summary(), extra={"lane": self.lane})
                raise _Backoff(clock.timestamp() + durability.CACHE_SECONDS, "Redis could lose an acknowledged write")
            while time.monotonic() < deadline and not self.lock.lost.is_set():
                batch = self._claim(pdv.batch_size or self._cached_reg_x_req() or DEFAULT_REG_X_REQ)
                if not batch:
                    return
                try:
                    self._emit(client, state, batch)
                    sequence_retries = 0
                except SequenceError as exc:
                    sequence_retries += 1
                    self._after_sequence_error(client, state, exc, give_up=sequence_retries > MAX_SEQUENCE_RETRIES)
        except _Backoff as stop:
            self._set_lane(retry_at=stop.until)
            log.info("lane %s waits until %s: %s", self.lane, stop.until, stop)

    # Claiming and emitting

    def _cached_reg_x_req(self) -> int | None:
        cached = self.r.get(REG_X_REQ_KEY)
        return int(cached) if cached else None

    def _fit_to_reg_x_req(self, client, batch: list[Record], batch_id: str) -> list[Record]:
        """Learn AFIP's RegXReq once a day; a batch claimed before it was known gives back its surplus."""
        if self.pdv.batch_size:
            return batch
        limit = self._cached_reg_x_req()
        if limit is None:
            limit = client.tot_x_request()
            self.r.set(REG_X_REQ_KEY, limit, ex=86400)
        if len(batch) > limit:
            self.store.transition([rec.id for rec in batch[limit:]], outcomes.released(
                batch_id, count_attempt=False, reason="Excede la cantidad de comprobantes por pedido de AFIP.",
                max_attempts=self.settings.max_attempts, exhausted_message=self._exhausted()))
        return batch[:limit]

    def _claim(self, limit: int) -> list[Record]:
        bound = due_score_bound(clock.today_ar())
        rids = self.r.zrangebyscore(pending_key(self.lane), "-inf", f"({bound}", start=0, num=limit)
        if not rids:
            return []
        self.batch_id = f"b{secrets.token_hex(8)}"
        self.store.transition(rids, outcomes.claim(self.batch_id))
        claimed = [rec for rec in self.store.get_many(rids) if rec.state == State.PROCESANDO and rec.batch == self.batch_id]
        return sorted(claimed, key=lambda rec: (rec.fecha, rec.seq))

    def _emit(self, client, state: LaneState, batch: list[Record]) -> None:
        batch_id = self.batch_id
        batch = self._fail_unbuildable(client, self._date_guard(state, batch, batch_id), batch_id)
        if not batch:
            return
        try:
            if state.probe_first and not self._afip_healthy(client):
                raise _AfipDown("AFIP no responde (FEDummy)")
            batch = self._fit_to_reg_x_req(client, batch, batch_id)
            if state.last_numero is None:
                self._learn_last(client, state, client.ultimo_autorizado(state.pto_vta, state.cbte_tipo))
            numbers = list(range(state.last_numero + 1, state.last_numero + 1 + len(batch)))
            details = [numbered(rec.detail, n) for rec, n in zip(batch, numbers)]
            # Written out before the in-flight record, so what cannot be built never looks like a call
            # AFIP may have seen. Every part was built alone above: only a bug can fail here, and then
            # drain's handler backs the lane off and the next emitter gives the batch back unsent.
            request = client.cae_request(state.pto_vta, state.cbte_tipo, details)
        except AfipError as exc:
            # Nothing was sent. A data error here (e.g. 11002, the point of sale is not enabled for web
            # services) is a configuration problem: retried with backoff, counted, until it is fixed.
            self._release(batch, batch_id, "; ".join(exc.messages()), count_attempt=True)
            raise self._backoff(state, exc) from exc
        entry = {"batch": batch_id, "items": [[rec.id, n] for rec, n in zip(batch, numbers)],
                 "details": details, "sent_at": clock.timestamp(), "answered": False}
        if not self._record_in_flight(entry):
            self._release(batch, batch_id, UNCONFIRMED, count_attempt=False)
            raise _Backoff(clock.timestamp() + durability.CACHE_SECONDS, "Redis did not confirm the in-flight record")
        try:
            result = client.send_cae(request)
        except AfipError as exc:
            count(self.r, "encola_emission_attempts", outcome=_OUTCOMES.get(type(exc), "data"))
            self._settle_failed_call(client, state, batch, batch_id, entry, exc)
            return
        count(self.r, "encola_emission_attempts", outcome={"A": "approved", "P": "partial"}.get(result.resultado, "rejected"))
        self._apply(state, batch, numbers, details, result)
        self.r.hdel(inflight_key(self.lane), batch_id)

    def _settle_failed_call(self, client, state: LaneState, batch: list[Record], batch_id: str, entry: dict,
                            exc: AfipError) -> None:
        """What a FECAESolicitar that raised means for its batch, by failure class (the order matters:
        a SequenceError is a DataError, an AmbiguousError a TransientError)."""
        if isinstance(exc, SequenceError):
            self._mark_answered(entry, refused=True)
            raise exc
        if isinstance(exc, AmbiguousError):
            if exc.answered:
                self._mark_answered(entry)
            self._note_failure(state)
            self._reconcile(client, state, count_attempt=True)
            return
        self.r.hdel(inflight_key(self.lane), batch_id)
        if isinstance(exc, (TransientError, AuthError)):
            self._release(batch, batch_id, "; ".join(exc.messages()), count_attempt=True)
            raise self._backoff(state, exc) from exc
        messages = afip_messages(exc.codes)
        self.store.transition([rec.id for rec in batch], outcomes.failed(
            batch_id, {rec.id: messages for rec in batch}, codes={rec.id: exc.codes for rec in batch}))

    def _apply(self, state: LaneState, batch: list[Record], numbers: list[int], details: list[dict], result) -> None:
        emitted, failed, unprocessed = {}, {}, []
        codes = {}
        rejected = False
        for index, rec in enumerate(batch):
            det = result.details[index] if index < len(result.details) else None
            if det is not None and det.resultado == "A" and not rejected:
                emitted[rec.id] = {"numero": numbers[index], "cae": det.cae, "cae_vto": det.cae_vto,
                                   "observaciones": det.observaciones}
            elif det is not None and not rejected:
                rejected = True
                pairs = det.observaciones + result.errors
                failed[rec.id] = afip_messages(pairs) or ["AFIP rechazó el comprobante sin informar el motivo."]
                codes[rec.id] = pairs
            else:
                unprocessed.append(rec.id)
        log.info("lane %s batch %s: %d emitted, %d rejected, %d back to the queue", self.lane, self.batch_id,
                 len(emitted), len(failed), len(unprocessed),
                 extra={"lane": self.lane, "batch": self.batch_id, "emitted": list(emitted), "rejected": list(failed),
                        "numbers": [numbers[0], numbers[-1]]})
        for rid, messages in failed.items():
            log.info("comprobante %s rejected by AFIP: %s", rid, " | ".join(messages),
                     extra={"comprobante": rid, "lane": self.lane})
        if emitted:
            self._store_emitted(self.batch_id, emitted)
            last = max(emitted.values(), key=lambda e: e["numero"])
            self._learn_last(None, state, last["numero"], details[numbers.index(last["numero"])]["CbteFch"])
        if failed:
            self.store.transition(list(failed), outcomes.failed(self.batch_id, failed, codes=codes))
        if unprocessed:
            self.store.transition(unprocessed, outcomes.released(
                self.batch_id, count_attempt=False, reason="No procesado por AFIP tras un comprobante rechazado.",
                max_attempts=self.settings.max_attempts, exhausted_message=self._exhausted()))
        self._set_lane(failures=0, probe_first="0")
        state.failures, state.probe_first = 0, False

    def _fail_unbuildable(self, client, batch: list[Record], batch_id: str) -> list[Record]:
        """A comprobante whose part of the request cannot be written as XML (text stored before
        submissions were checked for it, or a bug) fails alone and at once, as a data error: AFIP never
        sees it, it takes no number, and the rest of the batch goes on. Never retried: the same data
        fails the same way."""
        problems = {rec.id: problem for rec in batch if (problem := client.detail_problem(rec.detail))}
        for rid, problem in problems.items():
            log.error("comprobante %s cannot be written into the request to AFIP: %s", rid, problem,
                      extra={"comprobante": rid, "lane": self.lane})
        if problems:
            self.store.transition(list(problems), outcomes.failed(batch_id, {rid: [UNBUILDABLE] for rid in problems}))
        return [rec for rec in batch if rec.id not in problems]

    def _date_guard(self, state: LaneState, batch: list[Record], batch_id: str) -> list[Record]:
        """A comprobante dated before the lane's last one would get AFIP's bare 10016: fail it clearly."""
        if not state.last_fecha:
            return batch
        late = [rec for rec in batch if rec.fecha.strftime("%Y%m%d") < state.last_fecha]
        if late:
            messages = {rec.id: [date_guard_message(rec.fecha.strftime("%Y%m%d"), state.last_fecha)] for rec in late}
            self.store.transition([rec.id for rec in late], outcomes.failed(batch_id, messages))
        return [rec for rec in batch if rec not in late]

    # Unclear outcomes

    def _recover_orphans(self) -> None:
        """Comprobantes left `procesando` without an in-flight record: their emitter died after claiming
        them and before recording the call, so AFIP never saw them. Holding the lock, give them back."""
        inflight = {json.loads(v)["batch"] for v in self.r.hvals(inflight_key(self.lane))}
        processing = self.store.get_many(self.r.zrange(state_key(self.pdv.id, State.PROCESANDO), 0, -1))
        orphans: dict[str, list[str]] = {}
        for rec in processing:
            if rec.lane == self.lane and rec.batch not in inflight:
                orphans.setdefault(rec.batch, []).append(rec.id)
        for batch_id, rids in orphans.items():
            log.warning("lane %s: %d comprobantes of batch %s were never sent; back to the queue",
                        self.lane, len(rids), batch_id)
            self.store.transition(rids, outcomes.released(
                batch_id, count_attempt=False, reason="Recuperado tras la caída de un emisor antes del envío.",
                max_attempts=self.settings.max_attempts, exhausted_message=self._exhausted()))

    def _reconcile(self, client, state: LaneState, *, count_attempt: bool) -> None:
        """Settle every batch in flight against what AFIP holds, before anything is sent again."""
        raw_entries = self.r.hgetall(inflight_key(self.lane))
        if not raw_entries:
            return
        try:
            afip_last = client.ultimo_autorizado(state.pto_vta, state.cbte_tipo)
            # Learnt before any entry leaves the in-flight record: a number AFIP holds must always be
            # below the lane's last number or in an entry, or a crash in between would let the next
            # batch be numbered from a stale last number.
            self._learn_last(None, state, afip_last)
            entries = sorted((json.loads(v) for v in raw_entries.values()), key=lambda e: e["items"][0][1])
            for entry in entries:
                self._reconcile_entry(client, entry, afip_last, count_attempt)
            last_fecha = ""
            if afip_last:
                authorised = client.consultar(state.pto_vta, state.cbte_tipo, afip_last)
                last_fecha = (authorised or {}).get("CbteFch") or ""
            self._learn_last(None, state, afip_last, last_fecha)
        except (TransientError, AuthError) as exc:
            raise self._backoff(state, exc) from exc

    def _reconcile_entry(self, client, entry: dict, afip_last: int, count_attempt: bool) -> None:
        settle = self.settings.afip_read_timeout
        # AFIP refused the whole request (10016), so whatever it holds at these numbers belongs to other
        # comprobantes, even ones identical in every field AFIP keeps.
        refused = entry.get("refused", False)
        emitted, released = {}, []
        for (rid, numero), detail in zip(entry["items"], entry["details"]):
            if refused:
                released.append(rid)
            elif numero <= afip_last:
                authorised = client.consultar(self._pto_vta(), self._cbte_tipo(), numero)
                if authorised and same_comprobante(authorised, detail):
                    emitted[rid] = {"numero": numero, "cae": str(authorised.get("CodAutorizacion") or ""),
                                    "cae_vto": str(authorised.get("FchVto") or ""), "observaciones": [],
                                    "reconciled": True}
                    continue
                log.warning("lane %s: number %s is held at AFIP by another comprobante; %s will get a new one",
                            self.lane, numero, rid)
                self.r.rpush(key("lane", self.lane, "anomalies"), json.dumps(
                    {"at": clock.timestamp(), "numero": numero, "comprobante": rid, "afip": authorised}, default=str))
                released.append(rid)
            elif not entry["answered"] and clock.timestamp() < entry["sent_at"] + settle:
                # No answer came and AFIP may still be processing it: decide only once that is implausible.
                raise _Backoff(entry["sent_at"] + settle, "esperando para confirmar un envío sin respuesta")
            else:
                released.append(rid)
        batch_id = entry["batch"]
        if emitted:
            self._store_emitted(batch_id, emitted)
        if released:
            self.store.transition(released, outcomes.released(
                batch_id, count_attempt=count_attempt, reason=RENUMBERED if refused else UNANSWERED,
                max_attempts=self.settings.max_attempts, exhausted_message=self._exhausted()))
        self.r.hdel(inflight_key(self.lane), batch_id)

    def _after_sequence_error(self, client, state: LaneState, exc: SequenceError, *, give_up: bool) -> None:
        """10016 for the whole batch: our idea of the last number or date was stale. Reconcile, learn
        AFIP's last number and date, and let the date guard speak if the date was the problem."""
        entry_raw = self.r.hget(inflight_key(self.lane), self.batch_id)
        if give_up and entry_raw:
            entry = json.loads(entry_raw)
            self.r.hdel(inflight_key(self.lane), self.batch_id)
            rids = [rid for rid, _ in entry["items"]]
            self.store.transition(rids[:1], outcomes.failed(self.batch_id, {rids[0]: afip_messages(exc.codes)},
                                                            codes={rids[0]: exc.codes}))
            self.store.transition(rids[1:], outcomes.released(
                self.batch_id, count_attempt=False, reason="No procesado por AFIP tras un comprobante rechazado.",
                max_attempts=self.settings.max_attempts, exhausted_message=self._exhausted()))
            return
        self._reconcile(client, state, count_attempt=False)

    def _store_emitted(self, batch_id: str, emitted: dict[str, dict]) -> None:
        continuations = {}
        for record in self.store.get_many(list(emitted)):
            following = next_occurrence(record, self.pdv)
            if following is None:
                continue
            if following.accepted is not None:
                continuations[record.id] = self.store.prepare(
                    self.pdv, following.accepted, origin=f"abono tras {record.id}", abono_base=base_reference(record))
            elif record.notify:
                continuations[record.id] = build_event(
                    pdv_id=record.pdv, evento="error", external_reference=following.external_reference, intento=1,
                    msg=["La siguiente emision del abono no pudo encolarse y el abono termina aqui:",
                         *(p.text for p in following.problems)])
        self.store.transition(list(emitted), outcomes.emitted(batch_id, emitted, continuations))

    # Helpers

    def _pto_vta(self) -> int:
        return int(self.lane.split(":")[1])

    def _cbte_tipo(self) -> int:
        return int(self.lane.split(":")[2])

    def _exhausted(self) -> str:
        return EXHAUSTED.format(n=self.settings.max_attempts)

    def _mark_answered(self, entry: dict, *, refused: bool = False) -> None:
        entry["answered"] = True
        entry["refused"] = refused
        self.r.hset(inflight_key(self.lane), entry["batch"], json.dumps(entry))

    def _record_in_flight(self, entry: dict) -> bool:
        """Write the batch's in-flight record; where Redis has WAITAOF, wait until it is on disk. False
        (the record dropped again) when Redis did not confirm it and the gate enforces durability."""
        if not self.gate.verdict.waitaof:
            self.r.hset(inflight_key(self.lane), entry["batch"], json.dumps(entry))
            return True
        if durability.write_confirmed(self.r, inflight_key(self.lane), entry["batch"], json.dumps(entry)):
            return True
        # A master that stopped confirming may be a new one after a failover: read its settings again.
        durability.forget(self.r)
        if self.gate.policy != "enforced":
            log.warning("lane %s: Redis did not confirm the in-flight record of batch %s; sending anyway (%s)",
                        self.lane, entry["batch"], self.gate.policy,
                        extra={"lane": self.lane, "batch": entry["batch"]})
            return True
        self.r.hdel(inflight_key(self.lane), entry["batch"])
        count(self.r, "encola_emission_refusals", reason="unconfirmed")
        log.error("lane %s: Redis did not confirm the in-flight record of batch %s within %d ms; not sending it",
                  self.lane, entry["batch"], durability.WAITAOF_TIMEOUT_MS,
                  extra={"lane": self.lane, "batch": entry["batch"]})
        return False

    def _release(self, batch: list[Record], batch_id: str, reason: str, *, count_attempt: bool) -> None:
        self.store.transition([rec.id for rec in batch], outcomes.released(
            batch_id, count_attempt=count_attempt, reason=reason, max_attempts=self.settings.max_attempts,
            exhausted_message=self._exhausted()))

    def _afip_healthy(self, client) -> bool:
        cached = self.r.get(HEALTH_KEY)
        if cached is None:
            cached = "ok" if client.healthy() else "down"
            self.r.set(HEALTH_KEY, cached, ex=HEALTH_TTL_SECONDS)
        return cached == "ok"

    def _note_failure(self, state: LaneState) -> None:
        state.failures += 1
        state.probe_first = True
        self._set_lane(failures=state.failures, probe_first="1")

    def _backoff(self, state: LaneState, exc: AfipError) -> _Backoff:
        self._note_failure(state)
        count(self.r, "encola_emission_retries", reason=_OUTCOMES.get(type(exc), type(exc).__name__.lower()))
        # A real call that failed (not a wait for another process's login) tells every lane to probe
        # first; the probe caches its own answer, and must not prolong it, or lanes retrying in turn
        # would keep AFIP "down" for ever.
        if isinstance(exc, TransientError) and not isinstance(exc, (AmbiguousError, _AfipDown, LoginInProgress)):
            self.r.set(HEALTH_KEY, "down", ex=HEALTH_TTL_SECONDS)
        delay = emission_backoff(state.failures)
        if isinstance(exc, AuthError) and exc.retry_after:
            delay = max(delay, exc.retry_after)
        return _Backoff(clock.timestamp() + delay, "; ".join(exc.messages()))

    def _learn_last(self, client, state: LaneState, numero: int, fecha: str = "") -> None:
        if client is not None and numero and not fecha:
            fecha = (client.consultar(state.pto_vta, state.cbte_tipo, numero) or {}).get("CbteFch") or ""
        state.last_numero = numero
        state.last_fecha = max(state.last_fecha, fecha) if fecha else state.last_fecha
        self._set_lane(last_numero=numero, last_fecha=state.last_fecha)

    def _set_lane(self, **fields) -> None:
        self.r.hset(lane_key_meta(self.lane), mapping={k: str(v) for k, v in fields.items()})
