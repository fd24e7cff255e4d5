"""Retention: a finished comprobante (emitido, eliminado) leaves Redis ENCOLA_RETENTION_DAYS after it
finished, with its audit trail, every index entry and its finished hooks (docs/retention.md).

beat's retention sweep removes at most CHUNK of them per run, in one MULTI, so a run never holds Redis
for long and a crash leaves no record half removed. Nothing in the queue (encolado, procesando, error)
is ever touched, and the lanes' meta keeps their last number, so numbering goes on as before.
"""

from __future__ import annotations

from datetime import date, timedelta

from accounts.points_of_sale import list_points_of_sale
from comprobantes import references
from comprobantes.dates import ddmmyyyy
from comprobantes.instant import outcome_key
from comprobantes.lifecycle import FINISHED, State
from comprobantes.store import (
    FINISHED_KEY, Record, Store, cbte_key, fecha_key, numero_key, pending_key, state_key,
)
from config.keys import key
from config.settings import get_settings
from webhook_dispatch import outbox

CHUNK = 500
DAY_SECONDS = 86400
# How far the comprobantes that finished before FINISHED_KEY existed are indexed: per state index, the
# score up to which it was read, or "done"; and "all" once every point of sale's are.
BACKFILL = key("finished", "backfill")
DONE = "done"


def cutoff(now: float) -> float:
    """Comprobantes finished before this epoch time are past their retention."""
    return now - get_settings().retention_days * DAY_SECONDS


def kept_since(today: date) -> date:
    """The first day whose finished comprobantes are still all kept."""
    return today - timedelta(days=get_settings().retention_days)


def forget_finished(r, *, before: float, limit: int = CHUNK, also=()) -> int:
    """Remove up to `limit` comprobantes finished before `before`, the oldest first; each function of
    `also` stages the removal of something more of a record (its mail) in the same MULTI. Returns how
    many left the index."""
    rids = r.zrangebyscore(FINISHED_KEY, "-inf", f"({before!r}", start=0, num=limit)
    if not rids:
        return 0
    # Only a finished record may be in the index; the state is checked anyway, as what is not finished
    # must never be removed.
    records = [record for record in Store(r).get_many(rids) if record.state in FINISHED]
    hooks = outbox.finished_hooks(r, [(record.pdv, record.external_reference, record.id) for record in records])
    pipe = r.pipeline(transaction=True)
    for record in records:
        _stage_forget(pipe, record)
        outbox.stage_forget(pipe, record.pdv, record.external_reference, hooks[record.id])
        for stage in also:
            stage(pipe, record)
    pipe.zrem(FINISHED_KEY, *rids)
    pipe.execute()
    return len(rids)


def index_finished_before_upgrade(r, *, limit: int = CHUNK) -> int:
    """Index by when they finished, at most `limit` a run, the comprobantes that finished before
    FINISHED_KEY existed (a store written by a version without retention), so that they leave too.
    Idempotent: a time already recorded is kept. Returns how many it read."""
    if r.hget(BACKFILL, "all") == DONE:
        return 0
    for pdv in list_points_of_sale(r):
        for state in FINISHED:
            read = _index_chunk(r, state_key(pdv.id, state), state, limit)
            if read:
                return read
    r.hset(BACKFILL, "all", DONE)
    return 0


def _index_chunk(r, source: str, state: str, limit: int) -> int:
    after = r.hget(BACKFILL, source)
    if after == DONE:
        return 0
    # Read by score, not by rank: the sweep removes entries meanwhile, which would shift ranks.
    entries = r.zrangebyscore(source, f"({after}" if after else "-inf", "+inf", start=0, num=limit, withscores=True)
    if entries:
        # An emitted comprobante's score is when it was emitted; an eliminated one's is its arrival, so
        # its last change is read from the record.
        finished_at = (dict(entries) if state == State.EMITIDO else
                       {record.id: record.updated for record in Store(r).get_many([rid for rid, _ in entries])})
        r.zadd(FINISHED_KEY, finished_at, nx=True)
    r.hset(BACKFILL, source, DONE if len(entries) < limit else repr(entries[-1][1]))
    return len(entries)


def _stage_forget(pipe, record: Record) -> None:
    pipe.delete(cbte_key(record.id), outcome_key(record.id))
    pipe.zrem(state_key(record.pdv, record.state), record.id)
    references.stage_remove(pipe, record.pdv, record.external_reference, record.id)
    for index in (fecha_key(record.pdv, record.fecha.isoformat()), numero_key(record.pdv, record.cbte_tipo),
                  pending_key(record.lane)):
        pipe.zrem(index, record.id)


def retention_note(today: date) -> str:
    """What a search that found nothing says when what it asked for may be past retention."""
    return (f"Los comprobantes emitidos se conservan {get_settings().retention_days} días; los anteriores al "
            f"{ddmmyyyy(kept_since(today))} ya no están en encola: consultalos en tu exportación o en AFIP.")
