"""Draining one lane: under the lane's lock, settle what earlier emitters left unclear, then send its due
comprobantes batch after batch (emission/batch.py) until none is due, the budget is spent or the lock
is lost.

Exactly-once rests on three things: one emitter per lane (the lock, for efficiency), the in-flight
record written before each call (so a crash is always followed by reconciliation, never by a blind
resend), and AFIP's 10016 (a stale emitter can never authorise a number twice).
"""

from __future__ import annotations

import logging
import time

from accounts.points_of_sale import get_point_of_sale
from afip.failures import SequenceError
from comprobantes.store import Store
from config import clock, durability
from config.metrics import count
from config.retry_policy import emission_backoff
from config.settings import get_settings
from emission import inflight
from emission.afip_access import wsfe_for
from emission.afip_caches import claim_size
from emission.backoff import Backoff
from emission.batch import claim, emit
from emission.lane_context import LaneContext
from emission.lane_lock import LaneLock
from emission.lane_state import LaneState, save_lane
from emission.reconciliation import after_sequence_error, reconcile, recover_orphans
from emission.schedule import LOST, MORE_WORK, YIELDED, finish, kicked_key, publish_drain

log = logging.getLogger("encola.emission")

DRAIN_BUDGET_SECONDS = 30.0  # then the lane yields, so other lanes get the workers too
MAX_SEQUENCE_RETRIES = 2


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

    def drain(self) -> str:
        """Work the lane while work is due and the budget lasts: "busy" (another emitter holds it),
        "done", "yielded" (a new drain is published) or "lost" (the lock lapsed)."""
        # Started: the next kick publishes a drain of its own, as this one may have read the lane before
        # the kick's work was written (emission.schedule._KICK).
        self.r.delete(kicked_key(self.lane))
        lock = LaneLock(self.r, self.lane, self.settings.lane_lease_seconds)
        if not lock.acquire():
            return "busy"
        with lock.heartbeat():
            deadline = time.monotonic() + self.budget
            while True:
                try:
                    self._work(deadline, lock)
                except Exception:  # a bug must not hot-loop the lane: log it, back off, release
                    log.exception("lane %s: unexpected failure while emitting", self.lane)
                    save_lane(self.r, self.lane, retry_at=clock.timestamp() + emission_backoff(1))
                outcome = finish(self.r, self.lane, lock.token, yield_lane=time.monotonic() >= deadline,
                                 lease=self.settings.lane_lease_seconds)
                if outcome == MORE_WORK:
                    continue
                if outcome == YIELDED:
                    publish_drain([self.lane])
                return {YIELDED: "yielded", LOST: "lost"}.get(outcome, "done")

    def _work(self, deadline: float, lock: LaneLock) -> None:
        state = LaneState.load(self.r, self.lane)
        if state.retry_at > clock.timestamp():
            return
        pdv = get_point_of_sale(self.r, state.pdv)
        ctx = LaneContext(self.r, self.store, self.settings, state, pdv, self.client_factory(self.r, pdv))
        try:
            recover_orphans(ctx)
            if inflight.any_in_flight(self.r, self.lane):
                reconcile(ctx, count_attempt=True)
            gate = self._gate()
            self._emit_due(ctx, gate, deadline, lock)
        except Backoff as stop:
            save_lane(self.r, self.lane, retry_at=stop.until)
            log.info("lane %s waits until %s: %s", self.lane, stop.until, stop)

    def _gate(self) -> durability.Gate:
        """The durability gate; a lane it refuses waits, its comprobantes unclaimed."""
        gate = durability.gate_for_emitting(self.r, self.settings, self.verdict_of)
        if gate.refuses:
            count(self.r, "encola_emission_refusals", reason="not_durable")
            log.error("lane %s: not emitting, Redis could lose the in-flight record: %s", self.lane,
                      gate.summary(), extra={"lane": self.lane})
            raise Backoff(clock.timestamp() + durability.CACHE_SECONDS, "Redis could lose an acknowledged write")
        return gate

    def _emit_due(self, ctx: LaneContext, gate: durability.Gate, deadline: float, lock: LaneLock) -> None:
        """Batch after batch while any is due; a batch refused with 10016 is reconciled and claimed
        again, and after MAX_SEQUENCE_RETRIES refusals in a row its first comprobante fails."""
        sequence_retries = 0
        while time.monotonic() < deadline and not lock.lost.is_set():
            batch = claim(ctx, claim_size(self.r, ctx.pdv))
            if batch is None:
                return
            try:
                emit(ctx, batch, gate)
                sequence_retries = 0
            except SequenceError as exc:
                sequence_retries += 1
                after_sequence_error(ctx, batch.id, exc, give_up=sequence_retries > MAX_SEQUENCE_RETRIES)
