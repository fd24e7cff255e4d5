"""Liveness scenarios on the real stack: while clients submit comprobantes over several lanes, a process
or a broker message is lost (beat SIGKILLed, the leading beat of two SIGKILLed, emission and webhook
workers SIGKILLed mid-batch, published tasks dropped from the broker, the receiver failing for a
while), alone or all together. Whatever is lost, every accepted comprobante must end `emitido` exactly
once, each lane's numbers must run 1..last at AFIP, every final hook must be delivered, and the run
prints its **time to heal**: seconds from the end of the last fault to the last comprobante emitted and
to the last final hook delivered.

`ENCOLA_CHAOS_SCALE=full` (what `make chaos` sets) runs larger; the default is a short run for
`make test`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from devtools.webhook_receiver import Behaviour
from comprobantes.store import Store
from config import clock
from config.celery_app import EMISION_QUEUE, WEBHOOKS_QUEUE
from config.liveness import beat_leader
from producers import enqueue
from tests.reliability.chaos import Counts, at_scale, verify
from tests.support.bodies import item
from tests.support.processes import wait_until

EMITTED_TIMEOUT = 180.0
HOOKS_TIMEOUT = 180.0


@dataclass
class Scale:
    comprobantes: int
    points_of_sale: int

    @classmethod
    def from_env(cls) -> "Scale":
        return at_scale(cls(comprobantes=1500, points_of_sale=3), cls(comprobantes=150, points_of_sale=3))

    def __str__(self) -> str:
        return f"{self.comprobantes} comprobantes over {self.points_of_sale} lanes"


@dataclass
class Run:
    """One scenario's state: its points of sale and references, and when its last fault ended."""

    stack: object
    r: object
    pdvs: list
    refs: dict
    last_fault_end: float = 0.0
    faults: list[str] = field(default_factory=list)

    def fault_ended(self, what: str) -> None:
        self.faults.append(what)
        self.last_fault_end = time.monotonic()


class Submitter(threading.Thread):
    """Submits every point of sale's comprobantes for today, interleaved across lanes."""

    def __init__(self, run: Run):
        super().__init__(name="liveness-submitter", daemon=True)
        self.run_ = run
        self.accepted = 0
        self.refused: list[dict] = []

    @property
    def answered(self) -> int:
        return self.accepted + len(self.refused)

    def run(self) -> None:
        today = clock.today_ar()
        longest = max(len(refs) for refs in self.run_.refs.values())
        for n in range(longest):
            for pdv in self.run_.pdvs:
                refs = self.run_.refs[pdv.id]
                if n < len(refs):
                    answer = enqueue(pdv.body(item(refs[n], today, pto_vta=pdv.pdv.pto_vta)))
                    if answer["error"] == "N":
                        self.accepted += 1
                    else:
                        self.refused.append(answer)


# Faults: each takes the run and returns once the fault is over (the process started again, the
# receiver healthy), calling run.fault_ended.

def kill_beat(run: Run) -> None:
    beat = run.stack.worker("beat")
    beat.kill()
    drop_published(run, note=False)  # what beat would have swept again is lost with it
    time.sleep(3)
    beat.respawn()
    run.fault_ended("beat SIGKILLed, the published tasks dropped, beat started again")


def kill_leading_beat(run: Run) -> None:
    """Two beats (a standby is started if none runs yet); the leader is SIGKILLed and not started
    again: the standby must take over."""
    beats = [child for child in run.stack.children if child.name.startswith("beat") and child.alive()]
    if len(beats) < 2:
        beats.append(run.stack.start_beat("beat-standby"))
    victim = wait_until(lambda: _leading(run.r, beats), timeout=30, message="one of the beats to lead")
    victim.kill()
    drop_published(run, note=False)
    wait_until(lambda: _leading(run.r, beats) not in (None, victim), timeout=30, message="the standby beat to lead")
    run.fault_ended(f"the leading beat ({victim.name}) SIGKILLed, the standby leads")


def _leading(r, beats: list):
    """The beat among `beats` that leads now, by the host:pid it records (None while the record names a
    beat that died, until its lock lapses)."""
    leader = beat_leader(r) or ""
    return next((child for child in beats if child.alive() and leader.endswith(f":{child.pid}")), None)


def kill_workers(run: Run) -> None:
    workers = [run.stack.worker("emision1"), run.stack.worker("webhooks2")]
    for worker in workers:
        worker.kill()
    time.sleep(2)
    for worker in workers:
        run.stack.restart(worker)
    run.fault_ended("the emision and webhooks workers SIGKILLed mid-batch, then started again")


def drop_published(run: Run, *, note: bool = True) -> None:
    """Lose every task published and not yet taken: what a publish lost after its commit leaves."""
    for queue in (EMISION_QUEUE, WEBHOOKS_QUEUE):
        run.r.delete(*([queue] + run.r.keys(f"{queue}\x06\x16*")))
    if note:
        run.fault_ended("the broker's published tasks dropped")


def receiver_failing(run: Run, seconds: float = 4.0) -> None:
    """The receiver answers 500 to every hook for a while, then 200."""
    for pdv in run.pdvs:
        run.stack.receiver.behaviours[pdv.hook_path] = Behaviour(500)
    time.sleep(seconds)
    for pdv in run.pdvs:
        run.stack.receiver.behaviours.pop(pdv.hook_path, None)
    run.fault_ended(f"the receiver answered 500 for {seconds:g} s")


@dataclass
class Heal:
    emitted_seconds: float
    hooks_seconds: float

    def __str__(self) -> str:
        return (f"time to heal: {self.emitted_seconds:.1f} s to the last comprobante emitted, "
                f"{self.hooks_seconds:.1f} s to the last final hook delivered")


def run(stack, r, name: str, faults, *, schedule: tuple[float, ...] = ()) -> tuple[Counts, Heal, Run]:
    """Submit while `faults` happen in turn, each once `schedule`'s share of the comprobantes is in
    (spread evenly by default); then wait for every comprobante and final hook, and verify."""
    scale = Scale.from_env()
    pdvs = [stack.new_pdv(batch_size=10) for _ in range(scale.points_of_sale)]
    per_pdv = scale.comprobantes // scale.points_of_sale
    refs = {pdv.id: [f"{name}-{pdv.pdv.pto_vta}-{n}" for n in range(per_pdv)] for pdv in pdvs}
    state = Run(stack, r, pdvs, refs)
    submitter = Submitter(state)
    schedule = schedule or tuple((i + 1) / (len(faults) + 1) for i in range(len(faults)))
    try:
        submitter.start()
        for fault, share in zip(faults, schedule):
            wait_until(lambda: submitter.answered >= share * scale.comprobantes or not submitter.is_alive(),
                       timeout=120, interval=0.05, message=f"{share:.0%} of the comprobantes submitted")
            fault(state)
        submitter.join(timeout=300)
    finally:
        for pdv in pdvs:
            stack.receiver.behaviours.pop(pdv.hook_path, None)
    counts = Counts(accepted=submitter.accepted)
    counts.notes += [f"refused: {answer}" for answer in submitter.refused]
    heal = Heal(_seconds_until(lambda: _all_emitted(r, pdvs, refs), state.last_fault_end, EMITTED_TIMEOUT),
                _seconds_until(lambda: _all_final_hooks(stack, pdvs, refs), state.last_fault_end, HOOKS_TIMEOUT))
    return verify(stack, r, pdvs, refs, counts), heal, state


def _seconds_until(predicate, since: float, timeout: float) -> float:
    """Seconds from `since` (a monotonic time) until `predicate` holds; inf if it never did in time."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return float("inf")
        time.sleep(0.2)
    return time.monotonic() - since


def _all_emitted(r, pdvs, refs) -> bool:
    store = Store(r)
    return all(any(rec.state in ("emitido", "error") for rec in store.by_reference(pdv.id, ref))
               for pdv in pdvs for ref in refs[pdv.id])


def _all_final_hooks(stack, pdvs, refs) -> bool:
    for pdv in pdvs:
        finals = {h["external_reference"] for h in stack.hooks(pdv) if h["evento"] in ("emitido", "error")}
        if any(ref not in finals for ref in refs[pdv.id]):
            return False
    return True
