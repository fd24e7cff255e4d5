"""One batch of a lane, from claim to stored outcome: claim the due comprobantes in (fecha, arrival)
order, fail at once those dated before the lane's last or whose part of the request cannot be written
as XML, number the rest, write out FECAESolicitar, record the batch in flight, send it, and store every
outcome; a call whose outcome is unclear is left to reconciliation (docs/queue.md, "Lanes")."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from afip.failures import AfipError, AmbiguousError, AuthError, SequenceError, TransientError
from comprobantes.emission_messages import (OVER_REG_X_REQ, UNBUILDABLE, UNCONFIRMED, afip_messages,
                                            date_guard_message)
from comprobantes.store import Record, due_score_bound, pending_key
from comprobantes.wsfe_mapping import numbered
from config import clock, durability
from config.metrics import count
from emission import inflight
from emission.afip_caches import afip_healthy, reg_x_req
from emission.answer import apply_answer
from emission.backoff import AfipDown, Backoff, attempt_label, backoff_after
from emission.inflight import InFlight
from emission.lane_context import LaneContext
from emission.reconciliation import reconcile

log = logging.getLogger("encola.emission")


@dataclass
class Batch:
    id: str  # written on each comprobante claimed, the fence against a stale emitter's late answer
    records: list[Record]


def claim(ctx: LaneContext, limit: int) -> Batch | None:
    """Claim up to `limit` comprobantes due today, in (fecha, arrival) order; None when none was claimed."""
    bound = due_score_bound(clock.today_ar())
    rids = ctx.r.zrangebyscore(pending_key(ctx.lane), "-inf", f"({bound}", start=0, num=limit)
    if not rids:
        return None
    batch_id = f"b{secrets.token_hex(8)}"
    claimed = ctx.claim(rids, batch_id)
    return Batch(batch_id, sorted(claimed, key=lambda rec: (rec.fecha, rec.seq))) if claimed else None


def emit(ctx: LaneContext, batch: Batch, gate: durability.Gate) -> None:
    """Send the batch and store its outcome. Raises Backoff when the lane must wait, and SequenceError
    when AFIP refused the whole request with 10016 (the caller reconciles)."""
    records = _fail_unbuildable(ctx, batch.id, _date_guard(ctx, batch.id, batch.records))
    if not records:
        return
    try:
        if ctx.state.probe_first and not afip_healthy(ctx.r, ctx.client):
            raise AfipDown("AFIP no responde (FEDummy)")
        records = _fit_to_reg_x_req(ctx, batch.id, records)
        if ctx.state.last_numero is None:
            numero = ctx.client.ultimo_autorizado(ctx.state.pto_vta, ctx.state.cbte_tipo)
            ctx.state.learn_last(ctx.r, numero, ctx.afip_fecha(numero))
        numbers = list(range(ctx.state.last_numero + 1, ctx.state.last_numero + 1 + len(records)))
        details = [numbered(rec.detail, n) for rec, n in zip(records, numbers)]
        # Written out before the in-flight record, so what cannot be built never looks like a call
        # AFIP may have seen. Every part was built alone above: only a bug can fail here, and then
        # drain's handler backs the lane off and the next emitter gives the batch back unsent.
        request = ctx.client.cae_request(ctx.state.pto_vta, ctx.state.cbte_tipo, details)
    except AfipError as exc:
        # Nothing was sent. A data error here (e.g. 11002, the point of sale is not enabled for web
        # services) is a configuration problem: retried with backoff, counted, until it is fixed.
        ctx.release([rec.id for rec in records], batch.id, "; ".join(exc.messages()), count_attempt=True)
        raise backoff_after(ctx.r, ctx.state, exc) from exc
    entry = InFlight(batch.id, [(rec.id, n) for rec, n in zip(records, numbers)], details, clock.timestamp())
    if not inflight.record(ctx.r, ctx.lane, entry, gate):
        ctx.release(entry.rids, batch.id, UNCONFIRMED, count_attempt=False)
        raise Backoff(clock.timestamp() + durability.CACHE_SECONDS, "Redis did not confirm the in-flight record")
    try:
        result = ctx.client.send_cae(request)
    except AfipError as exc:
        count(ctx.r, "encola_emission_attempts", outcome=attempt_label(exc))
        _settle_failed_call(ctx, entry, exc)
        return
    count(ctx.r, "encola_emission_attempts",
          outcome={"A": "approved", "P": "partial"}.get(result.resultado, "rejected"))
    apply_answer(ctx, entry, records, result)
    inflight.drop(ctx.r, ctx.lane, batch.id)


def _settle_failed_call(ctx: LaneContext, entry: InFlight, exc: AfipError) -> None:
    """What a FECAESolicitar that raised means for its batch, by failure class (the order matters:
    a SequenceError is a DataError, an AmbiguousError a TransientError)."""
    if isinstance(exc, SequenceError):
        inflight.mark_answered(ctx.r, ctx.lane, entry, refused=True)
        raise exc
    if isinstance(exc, AmbiguousError):
        if exc.answered:
            inflight.mark_answered(ctx.r, ctx.lane, entry)
        ctx.state.note_failure(ctx.r)
        reconcile(ctx, count_attempt=True)
        return
    inflight.drop(ctx.r, ctx.lane, entry.batch)
    if isinstance(exc, (TransientError, AuthError)):
        ctx.release(entry.rids, entry.batch, "; ".join(exc.messages()), count_attempt=True)
        raise backoff_after(ctx.r, ctx.state, exc) from exc
    messages = afip_messages(exc.codes)
    ctx.fail(entry.batch, {rid: messages for rid in entry.rids}, {rid: exc.codes for rid in entry.rids})


def _fit_to_reg_x_req(ctx: LaneContext, batch_id: str, records: list[Record]) -> list[Record]:
    """A batch claimed before AFIP's RegXReq was known gives back its surplus."""
    if ctx.pdv.batch_size:
        return records
    limit = reg_x_req(ctx.r, ctx.client)
    if len(records) > limit:
        ctx.release([rec.id for rec in records[limit:]], batch_id, OVER_REG_X_REQ, count_attempt=False)
    return records[:limit]


def _fail_unbuildable(ctx: LaneContext, batch_id: str, records: list[Record]) -> list[Record]:
    """A comprobante whose part of the request cannot be written as XML (text stored before
    submissions were checked for it, or a bug) fails alone and at once, as a data error: AFIP never
    sees it, it takes no number, and the rest of the batch goes on. Never retried: the same data
    fails the same way."""
    problems = {rec.id: problem for rec in records if (problem := ctx.client.detail_problem(rec.detail))}
    for rid, problem in problems.items():
        log.error("comprobante %s cannot be written into the request to AFIP: %s", rid, problem,
                  extra={"comprobante": rid, "lane": ctx.lane})
    if problems:
        ctx.fail(batch_id, {rid: [UNBUILDABLE] for rid in problems})
    return [rec for rec in records if rec.id not in problems]


def _date_guard(ctx: LaneContext, batch_id: str, records: list[Record]) -> list[Record]:
    """A comprobante dated before the lane's last one would get AFIP's bare 10016: fail it clearly."""
    last_fecha = ctx.state.last_fecha
    if not last_fecha:
        return records
    late = [rec for rec in records if rec.fecha.strftime("%Y%m%d") < last_fecha]
    if late:
        earliest = datetime.strptime(last_fecha, "%Y%m%d").date()
        ctx.fail(batch_id, {rec.id: [date_guard_message(rec.fecha.strftime("%Y%m%d"), last_fecha)] for rec in late},
                 earliest={rec.id: earliest for rec in late})
    return [rec for rec in records if rec not in late]
