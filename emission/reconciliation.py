"""Settling what an unclear outcome left: batches in flight (a timeout, a dropped connection, an error
answer, a crash, AFIP's 10016) against what AFIP holds, and comprobantes claimed by an emitter that
died before sending them. Nothing is sent in a lane again before this is done (docs/queue.md, "Lanes")."""

from __future__ import annotations

import json
import logging

from afip.failures import AuthError, SequenceError, TransientError
from comprobantes.emission_messages import AFTER_REJECTED, ORPHANED, RENUMBERED, UNANSWERED, afip_messages
from comprobantes.lifecycle import State
from comprobantes.store import state_key
from config import clock
from config.keys import key
from emission import inflight
from emission.backoff import Backoff, backoff_after
from emission.inflight import InFlight
from emission.lane_context import LaneContext
from emission.matching import same_comprobante

log = logging.getLogger("encola.emission")


def recover_orphans(ctx: LaneContext) -> None:
    """Comprobantes left `procesando` without an in-flight record: their emitter died after claiming
    them and before recording the call, so AFIP never saw them. Holding the lock, give them back."""
    in_flight = {entry.batch for entry in inflight.entries(ctx.r, ctx.lane)}
    processing = ctx.store.get_many(ctx.r.zrange(state_key(ctx.pdv.id, State.PROCESANDO), 0, -1))
    orphans: dict[str, list[str]] = {}
    for rec in processing:
        if rec.lane == ctx.lane and rec.batch not in in_flight:
            orphans.setdefault(rec.batch, []).append(rec.id)
    for batch_id, rids in orphans.items():
        log.warning("lane %s: %d comprobantes of batch %s were never sent; back to the queue",
                    ctx.lane, len(rids), batch_id)
        ctx.release(rids, batch_id, ORPHANED, count_attempt=False)


def reconcile(ctx: LaneContext, *, count_attempt: bool) -> None:
    """Settle every batch in flight against what AFIP holds, before anything is sent again."""
    entries = inflight.entries(ctx.r, ctx.lane)
    if not entries:
        return
    try:
        afip_last = ctx.client.ultimo_autorizado(ctx.state.pto_vta, ctx.state.cbte_tipo)
        # Learnt before any entry leaves the in-flight record: a number AFIP holds must always be
        # below the lane's last number or in an entry, or a crash in between would let the next
        # batch be numbered from a stale last number.
        ctx.state.learn_last(ctx.r, afip_last)
        for entry in entries:
            _settle(ctx, entry, afip_last, count_attempt)
        ctx.state.learn_last(ctx.r, afip_last, ctx.afip_fecha(afip_last))
    except (TransientError, AuthError) as exc:
        raise backoff_after(ctx.r, ctx.state, exc) from exc


def after_sequence_error(ctx: LaneContext, batch_id: str, exc: SequenceError, *, give_up: bool) -> None:
    """10016 for the whole batch: our idea of the last number or date was stale. Reconcile, learn
    AFIP's last number and date, and let the date guard speak if the date was the problem. Given up,
    the batch's first comprobante fails with AFIP's answer and the rest go back to the queue."""
    entry = inflight.find(ctx.r, ctx.lane, batch_id)
    if give_up and entry:
        inflight.drop(ctx.r, ctx.lane, batch_id)
        first, rest = entry.rids[0], entry.rids[1:]
        ctx.fail(batch_id, {first: afip_messages(exc.codes)}, codes={first: exc.codes})
        ctx.release(rest, batch_id, AFTER_REJECTED, count_attempt=False)
        return
    reconcile(ctx, count_attempt=False)


def _settle(ctx: LaneContext, entry: InFlight, afip_last: int, count_attempt: bool) -> None:
    """Adopt each number AFIP holds for the comprobante sent with it; release the rest."""
    emitted, released = {}, []
    for (rid, numero), detail in zip(entry.items, entry.details):
        # AFIP refused the whole request (10016), so whatever it holds at these numbers belongs to
        # other comprobantes, even ones identical in every field AFIP keeps.
        adopted = None if entry.refused else _adopted(ctx, entry, rid, numero, detail, afip_last)
        if adopted:
            emitted[rid] = adopted
        else:
            released.append(rid)
    if emitted:
        ctx.store_emitted(entry.batch, emitted)
    if released:
        ctx.release(released, entry.batch, RENUMBERED if entry.refused else UNANSWERED, count_attempt=count_attempt)
    inflight.drop(ctx.r, ctx.lane, entry.batch)


def _adopted(ctx: LaneContext, entry: InFlight, rid: str, numero: int, detail: dict, afip_last: int) -> dict | None:
    """The emission to store for `rid` if AFIP holds `numero` for it, None if it goes back to the queue."""
    if numero <= afip_last:
        return _held(ctx, rid, numero, detail)
    settle_until = entry.sent_at + ctx.settings.afip_read_timeout
    if not entry.answered and clock.timestamp() < settle_until:
        # No answer came and AFIP may still be processing it: decide only once that is implausible.
        raise Backoff(settle_until, "esperando para confirmar un envío sin respuesta")
    return None


def _held(ctx: LaneContext, rid: str, numero: int, detail: dict) -> dict | None:
    authorised = ctx.consultar(numero)
    if authorised and same_comprobante(authorised, detail):
        return {"numero": numero, "cae": str(authorised.get("CodAutorizacion") or ""),
                "cae_vto": str(authorised.get("FchVto") or ""), "observaciones": [], "reconciled": True}
    log.warning("lane %s: number %s is held at AFIP by another comprobante; %s will get a new one",
                ctx.lane, numero, rid)
    ctx.r.rpush(key("lane", ctx.lane, "anomalies"), json.dumps(
        {"at": clock.timestamp(), "numero": numero, "comprobante": rid, "afip": authorised}, default=str))
    return None
