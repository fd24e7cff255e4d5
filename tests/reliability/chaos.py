"""Chaos runs on the real stack: many comprobantes over several lanes and days while emission workers
are SIGKILLed, AFIP drops answers after committing them, and AFIP goes down for a while; then the
counts that must be zero (duplicates, gaps, lost) and the ones that must add up.

`ENCOLA_CHAOS_SCALE=full` (what `make chaos` sets) runs thousands; the default is a short run for
`make test`.
"""

from __future__ import annotations

import os
import random
import threading
import time
from dataclasses import dataclass, field, fields
from datetime import timedelta

from comprobantes.store import Store
from config import clock
from producers import enqueue
from tests.support.bodies import item
from tests.support.processes import wait_until
from webhook_dispatch.hook_log import hooks_for_pdv


def at_scale(full, short):
    """`full` when ENCOLA_CHAOS_SCALE=full (`make chaos`), else `short` (`make test`)."""
    return full if os.environ.get("ENCOLA_CHAOS_SCALE") == "full" else short


@dataclass
class Scale:
    comprobantes: int
    points_of_sale: int
    days: int
    kills: int
    drop_probability: float
    outage_seconds: float

    @classmethod
    def from_env(cls) -> "Scale":
        return at_scale(
            cls(comprobantes=3000, points_of_sale=3, days=3, kills=8, drop_probability=0.05, outage_seconds=20),
            cls(comprobantes=240, points_of_sale=2, days=2, kills=2, drop_probability=0.05, outage_seconds=6))


@dataclass
class Counts:
    accepted: int = 0
    emitted: int = 0
    errors: int = 0
    duplicates: int = 0
    gaps: int = 0
    lost: int = 0
    final_webhooks: int = 0
    missing_final_webhooks: int = 0
    kills: int = 0
    # The Redis scenario's: submissions a client had to send again because no answer came back.
    unanswered_submissions: int = 0
    redis_restarts: int = 0
    processes_restarted: int = 0  # by the scenario acting as a process supervisor
    notes: list[str] = field(default_factory=list)

    def table(self, title: str) -> str:
        rows = [(f.name, getattr(self, f.name)) for f in fields(self) if f.type == "int"]
        width = max(len(name) for name, _ in rows)
        lines = [title] + [f"  {name:<{width}}  {value}" for name, value in rows] + [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


class Killer(threading.Thread):
    """SIGKILLs a random emission worker at random moments and starts a replacement."""

    def __init__(self, stack, workers: list, kills: int, seed: int):
        super().__init__(name="chaos-killer", daemon=True)
        self.stack, self.workers, self.kills = stack, workers, kills
        self.rng = random.Random(seed)
        self.done = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while self.done < self.kills and not self.stop.wait(self.rng.uniform(1.5, 4.0)):
            victim = self.rng.choice([w for w in self.workers if w.alive()])
            victim.kill()
            self.workers.remove(victim)
            self.workers.append(self.stack.start_worker("emision", concurrency=2))
            self.done += 1


def submit_all(pdvs, refs_per_pdv: dict, scale: Scale, rng: random.Random) -> int:
    accepted = 0
    today = clock.today_ar()
    for pdv in pdvs:
        for n, ref in enumerate(refs_per_pdv[pdv.id]):
            tipo = "FACTURA C" if n % 3 == 0 else "FACTURA B"
            kwargs = {"precio": "121.00", "total": "121.00"} if tipo == "FACTURA C" else {}
            fecha = today + timedelta(days=rng.randrange(scale.days))
            answer = enqueue(pdv.body(item(ref, fecha, tipo=tipo, pto_vta=pdv.pdv.pto_vta, **kwargs)))
            accepted += answer["error"] == "N"
    return accepted


def verify(stack, r, pdvs, refs_per_pdv: dict, counts: Counts) -> Counts:
    """Compare the store, AFIP's ground truth at the simulator and the webhooks received."""
    store = Store(r)
    authorised = stack.authorised()
    for pdv in pdvs:
        refs = refs_per_pdv[pdv.id]
        records = {ref: store.by_reference(pdv.id, ref) for ref in refs}
        counts.lost += sum(1 for found in records.values() if not found or found[0].state not in ("emitido", "error"))
        flat = [rec for found in records.values() for rec in found]
        counts.emitted += sum(rec.state == "emitido" for rec in flat)
        counts.errors += sum(rec.state == "error" for rec in flat)
        finals: dict[str, int] = {}
        for hook in stack.hooks(pdv):
            if hook["evento"] in ("emitido", "error"):
                finals[hook["external_reference"]] = finals.get(hook["external_reference"], 0) + 1
        counts.final_webhooks += sum(finals.values())
        counts.missing_final_webhooks += sum(1 for ref in refs if finals.get(ref, 0) == 0)
        for cbte_tipo in (6, 11):
            numbers = [n for cuit, pv, tipo, n, _ in authorised
                       if (cuit, pv, tipo) == (pdv.pdv.cuit, pdv.pdv.pto_vta, cbte_tipo)]
            counts.duplicates += len(numbers) - len(set(numbers))
            if numbers:
                counts.gaps += max(numbers) - len(set(numbers))
            ours = sorted(rec.numero for rec in flat if rec.state == "emitido" and rec.cbte_tipo == cbte_tipo)
            # two comprobantes holding one number: one of them carries another's CAE
            counts.duplicates += len(ours) - len(set(ours))
            if ours != sorted(set(numbers)):
                counts.notes.append(f"{pdv.id} tipo {cbte_tipo}: the store and AFIP disagree on the numbers")
        # a comprobante emitted twice would show two CAEs for one reference
        counts.duplicates += sum(max(0, sum(rec.state == "emitido" for rec in found) - 1) for found in records.values())
    return counts


def run(stack, r, move_clock, faults, *, seed: int = 20261121) -> Counts:
    scale = Scale.from_env()
    rng = random.Random(seed)
    pdvs = [stack.new_pdv(cuit=stack.new_cuit(), batch_size=rng.choice((5, 10, 25)))
            for _ in range(scale.points_of_sale)]
    per_pdv = scale.comprobantes // scale.points_of_sale
    refs = {pdv.id: [f"chaos-{pdv.pdv.pto_vta}-{n}" for n in range(per_pdv)] for pdv in pdvs}
    counts = Counts()
    session_worker = stack.worker("emision1")
    workers = [stack.start_worker("emision", concurrency=2) for _ in range(2)]
    stack.set_consuming(session_worker, "emision", False)
    killer = Killer(stack, workers, scale.kills, seed)
    try:
        faults(drop_probability=scale.drop_probability, latency_ms=150)
        killer.start()
        counts.accepted = submit_all(pdvs, refs, scale, rng)
        today = clock.today_ar()
        for day in range(scale.days):
            if day:
                move_clock(clock.start_of_day_ar(today + timedelta(days=day)) + 60)
            if day == scale.days - 1:
                faults(down="503")
                time.sleep(scale.outage_seconds)
                faults(down=None)
            wait_drained(r, pdvs, refs, today + timedelta(days=day), timeout=120 + scale.comprobantes / 10)
        killer.join(timeout=120)
        counts.kills = killer.done
    finally:
        killer.stop.set()
        faults(drop_probability=0.0, latency_ms=0, down=None)
        stack.set_consuming(session_worker, "emision", True)
        for worker in workers:
            worker.stop()
    wait_final_hooks(stack, pdvs, refs)
    wait_hooks_settled(r, pdvs)
    return verify(stack, r, pdvs, refs, counts)


def wait_drained(r, pdvs, refs, day, timeout: float) -> None:
    store = Store(r)
    wait_until(lambda: not any(rec.fecha <= day and rec.state not in ("emitido", "error")
                               for pdv in pdvs for ref in refs[pdv.id] for rec in store.by_reference(pdv.id, ref)),
               timeout=timeout, interval=0.5, message=f"comprobantes dated up to {day} emitted or failed")


def wait_final_hooks(stack, pdvs, refs, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        finals = {h["external_reference"] for pdv in pdvs for h in stack.hooks(pdv) if h["evento"] in ("emitido", "error")}
        if all(ref in finals for pdv in pdvs for ref in refs[pdv.id]):
            return
        time.sleep(0.5)


def wait_hooks_settled(r, pdvs, timeout: float = 180) -> None:
    """Wait until no hook of these points of sale is still pending. A scenario that moved the clock
    forward must end so: when the clock goes back after it, a hook still waiting in its origin's line
    would be due days later and hold every hook behind it to the same receiver."""
    wait_until(lambda: not any(hooks_for_pdv(r, pdv.id, state="pendiente", limit=1) for pdv in pdvs),
               timeout=timeout, message="every hook of the scenario entregado or fallido")
