"""Redis SIGKILLed and restarted from its append-only file while clients submit and workers emit: every
comprobante whose acceptance was answered must still be there afterwards and be emitted once, and the
workers, beat and the clients must carry on by themselves.

The clients behave like careful integrators: a call that gets no answer is sent again with the same
external_reference (idempotent submission makes that safe). `ENCOLA_CHAOS_SCALE=full` (what `make chaos`
sets) runs thousands with three restarts; the default is a short run for `make test`.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass

from config import clock
from config.celery_app import app
from producers import enqueue
from tests.reliability.chaos import (
    Counts, at_scale, verify, wait_drained, wait_final_hooks, wait_hooks_settled,
)
from tests.support.bodies import item
from tests.support.processes import wait_until

# How long a client waits before sending a call again that got no answer.
CLIENT_RETRY_SECONDS = 0.3


@dataclass
class Scale:
    comprobantes: int
    points_of_sale: int
    restarts: int
    downtime_seconds: float

    @classmethod
    def from_env(cls) -> "Scale":
        return at_scale(cls(comprobantes=2000, points_of_sale=2, restarts=3, downtime_seconds=8),
                        cls(comprobantes=200, points_of_sale=2, restarts=1, downtime_seconds=3))

    def __str__(self) -> str:
        return (f"{self.comprobantes} comprobantes, {self.points_of_sale} points of sale, "
                f"{self.restarts} restarts of {self.downtime_seconds:g} s")


class Client(threading.Thread):
    """Submits one point of sale's comprobantes in order, each until it is answered."""

    def __init__(self, pdv, refs: list[str]):
        super().__init__(name=f"client-{pdv.id}", daemon=True)
        self.pdv, self.refs = pdv, refs
        self.answered: list[str] = []
        self.refused: list[tuple[str, dict]] = []
        self.unanswered = 0
        self.failures: Counter[str] = Counter()

    def run(self) -> None:
        today = clock.today_ar()
        for ref in self.refs:
            while True:
                try:
                    answer = enqueue(self.pdv.body(item(ref, today, pto_vta=self.pdv.pdv.pto_vta)))
                except Exception as exc:  # what a client sees as no answer (HTTP 503 or a dropped call)
                    self.unanswered += 1
                    self.failures[type(exc).__name__] += 1
                    time.sleep(CLIENT_RETRY_SECONDS)
                    continue
                if answer["error"] == "N":
                    self.answered.append(ref)
                else:
                    self.refused.append((ref, answer))
                break


def run(stack, r, redis_server, move_clock) -> tuple[Counts, Counter, float]:
    """Returns the counts, by exception type the calls clients saw fail while Redis was down, and the time
    to heal: seconds from the end of the last restart to the last comprobante emitted."""
    scale = Scale.from_env()
    pdvs = [stack.new_pdv(batch_size=25) for _ in range(scale.points_of_sale)]
    per_pdv = scale.comprobantes // scale.points_of_sale
    refs = {pdv.id: [f"aof-{pdv.pdv.pto_vta}-{n}" for n in range(per_pdv)] for pdv in pdvs}
    clients = [Client(pdv, refs[pdv.id]) for pdv in pdvs]
    counts = Counts()
    _append_only(r, True)
    try:
        for client in clients:
            client.start()
        for restart in range(scale.restarts):
            # Restarts spread over the submission, while emission and deliveries are under way.
            target = (restart + 1) * scale.comprobantes // (scale.restarts + 1)
            while sum(len(c.answered) for c in clients) < target and any(c.is_alive() for c in clients):
                time.sleep(0.05)
            redis_server.kill()
            time.sleep(scale.downtime_seconds)
            redis_server.appendonly = True
            redis_server.start()
            last_fault_end = time.monotonic()
            counts.redis_restarts += 1
            # A Celery worker may exit when its broker connection drops under tasks in flight
            # (docs/production.md: run each process under a supervisor); encola must not care.
            time.sleep(2)
            counts.processes_restarted += len(stack.supervise())
        for client in clients:
            client.join(timeout=300)
        counts.processes_restarted += len(stack.supervise())
        counts.accepted = sum(len(c.answered) for c in clients)
        counts.unanswered_submissions = sum(c.unanswered for c in clients)
        counts.notes += [f"{ref} refused: {answer}" for c in clients for ref, answer in c.refused]
        wait_drained(r, pdvs, refs, clock.today_ar(), timeout=120 + scale.comprobantes / 10)
        heal = time.monotonic() - last_fault_end
        # Deliveries whose publish was lost with Redis are published again when their lease runs out.
        move_clock(clock.timestamp() + 180)
        wait_final_hooks(stack, pdvs, refs)
        wait_hooks_settled(r, pdvs)
    finally:
        _append_only(r, False)
        # This process's pooled broker connections died with Redis: publishing retries on a new one,
        # Celery's remote control (ping, inspect) does not.
        app.pool.force_close_all(close_pool=False)
        stack.supervise()  # whatever happened, the tests after this one find their processes running
    failures = sum((client.failures for client in clients), Counter())
    counts.notes += [f"{child.name} exited" for child in stack.children
                     if not child.alive() and not child.ended_on_purpose]
    return verify(stack, r, pdvs, refs, counts), failures, heal


def _append_only(r, on: bool) -> None:
    """Turn the run's Redis AOF on (waiting for the rewrite that starts it) or off again. With fsync
    `always`: under `everysec` Redis answers writes it has not written yet while an fsync is running, and
    a SIGKILL then loses answered acceptances (docs/production.md)."""
    r.config_set("appendfsync", "always" if on else "everysec")
    r.config_set("appendonly", "yes" if on else "no")

    def written() -> bool:
        info = r.info("persistence")
        return info["aof_enabled"] and not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]

    if on:
        wait_until(written, timeout=30, message="Redis to turn AOF on")
