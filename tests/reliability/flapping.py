"""Webhook receivers that misbehave while their comprobantes are emitted: one answers 500 twice per hook
before accepting it, one hangs past the read timeout once per hook, one is slow but in time, one
answers 410 Gone, one is healthy. Emission must not wait for any of them, and every hook must end as
docs/webhooks.md's "Answers and retries" says.

`ENCOLA_CHAOS_SCALE=full` (what `make chaos` sets) sends a hundred comprobantes to each endpoint; the
default is a short run for `make test`.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

from devtools.webhook_receiver import Behaviour, Delivery
from comprobantes.store import Store
from config import clock
from producers import enqueue
from tests.reliability.chaos import Counts, at_scale, verify
from tests.support.bodies import item
from tests.support.processes import wait_until
from webhook_dispatch import endpoints
from webhook_dispatch.hook_log import hooks_for_pdv

# Inside the tests' ENCOLA_WEBHOOK_READ_TIMEOUT (2 s), and past it.
SLOW_SECONDS = 1.0
HANG_SECONDS = 3.5


class FailFirst:
    """Answers `first` to the first `times` deliveries of each hook (by webhook-id), then 200."""

    def __init__(self, first: Behaviour, times: int):
        self.first, self.times = first, times
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, delivery: Delivery) -> Behaviour:
        with self.lock:
            self.seen[delivery.headers["webhook-id"]] += 1
            return self.first if self.seen[delivery.headers["webhook-id"]] <= self.times else Behaviour(200)


@dataclass(frozen=True)
class Endpoint:
    name: str
    behaviour: object
    final_state: str  # what every hook of this endpoint must end as
    statuses: tuple  # the statuses of its automatic attempts, None for no answer


ENDPOINTS = (
    Endpoint("healthy", Behaviour(200), "entregado", (200,)),
    Endpoint("slow", Behaviour(200, delay=SLOW_SECONDS), "entregado", (200,)),
    Endpoint("flapping", FailFirst(Behaviour(500), 2), "entregado", (500, 500, 200)),
    Endpoint("hanging", FailFirst(Behaviour(200, delay=HANG_SECONDS), 1), "entregado", (None, 200)),
    Endpoint("gone", Behaviour(410), "fallido", (410,)),
)


def per_endpoint() -> int:
    return at_scale(100, 8)


@dataclass
class EndpointReport:
    name: str
    hooks: int
    states: Counter
    attempts: int
    unexpected: list[str]
    disabled: bool


def run(stack, r, move_clock) -> tuple[Counts, list[EndpointReport], int]:
    """Returns the emission counts, one report per endpoint, and how many hooks were still pending on
    the misbehaving endpoints when the last comprobante had been emitted."""
    n = per_endpoint()
    pdvs = {}
    for endpoint in ENDPOINTS:
        pdvs[endpoint.name] = stack.new_pdv()
        stack.receiver.behaviours[pdvs[endpoint.name].hook_path] = endpoint.behaviour
    refs = {pdv.id: [f"flap-{name}-{i}" for i in range(n)] for name, pdv in pdvs.items()}
    counts = Counts()
    today = clock.today_ar()
    for pdv in pdvs.values():
        for ref in refs[pdv.id]:
            counts.accepted += enqueue(pdv.body(item(ref, today, pto_vta=pdv.pdv.pto_vta)))["error"] == "N"
    wait_until(lambda: all(rec.state == "emitido" for pdv in pdvs.values() for rec in _records(r, pdv, refs)),
               timeout=60 + n, interval=0.25, message="every comprobante emitted")
    pending_when_emitted = sum(
        1 for name in ("flapping", "gone", "hanging") for h in hooks_for_pdv(r, pdvs[name].id, limit=10 * n)
        if h.state == "pendiente")
    # The flapping endpoint's third attempt is due 35 s after its first: let the clock get there.
    for _ in range(4):
        if _settled(r, pdvs.values(), 2 * n):
            break
        # Every endpoint here is one origin (the test's receiver): its four slots are shared, and the
        # hanging endpoint holds one for the read timeout on each of its hooks' first attempts.
        wait_until(lambda: _quiet(r, pdvs.values(), 2 * n), timeout=60 + 3 * n, interval=0.25,
                   message="every due attempt made")
        move_clock(clock.timestamp() + 60)
    wait_until(lambda: _settled(r, pdvs.values(), 2 * n), timeout=60 + 3 * n, interval=0.25,
               message="every hook entregado or fallido")
    reports = [_report(r, endpoint, pdvs[endpoint.name], n) for endpoint in ENDPOINTS]
    # Every endpoint but the gone one must have received each comprobante's final hook.
    verify(stack, r, [pdv for name, pdv in pdvs.items() if name != "gone"], refs, counts)
    gone = verify(stack, r, [pdvs["gone"]], refs, Counts())
    for name in ("emitted", "errors", "duplicates", "gaps", "lost"):
        setattr(counts, name, getattr(counts, name) + getattr(gone, name))
    counts.notes += gone.notes
    return counts, reports, pending_when_emitted


def _records(r, pdv, refs):
    store = Store(r)
    return [rec for ref in refs[pdv.id] for rec in store.by_reference(pdv.id, ref)]


def _hooks(r, pdv, expected: int):
    # A little over what is expected, so that a hook too many shows.
    return hooks_for_pdv(r, pdv.id, limit=expected + 10)


def _settled(r, pdvs, expected: int) -> bool:
    return all(len(hooks) == expected and all(h.state != "pendiente" for h in hooks)
               for hooks in (_hooks(r, pdv, expected) for pdv in pdvs))


def _quiet(r, pdvs, expected: int) -> bool:
    """No hook has an attempt due now: what is left waits for a later time."""
    now = clock.timestamp()
    return all(h.state != "pendiente" or (h.next_at or 0) > now
               for pdv in pdvs for h in _hooks(r, pdv, expected))


def _report(r, endpoint: Endpoint, pdv, n: int) -> EndpointReport:
    hooks = _hooks(r, pdv, 2 * n)
    unexpected = []
    attempts = 0
    for hook in hooks:
        automatic = [a for a in hook.attempts if a["trigger"] == "automatic"]
        attempts += len(automatic)
        statuses = tuple(a["status"] for a in automatic)
        # Once a 410 has disabled the endpoint, the hooks still waiting fail without being sent.
        allowed = {endpoint.statuses, ()} if endpoint.name == "gone" else {endpoint.statuses}
        if hook.state != endpoint.final_state or statuses not in allowed:
            unexpected.append(f"{hook.hook_id} {hook.evento}: {hook.state} after {statuses}")
    return EndpointReport(endpoint.name, len(hooks), Counter(h.state for h in hooks), attempts, unexpected,
                          endpoints.status(r, pdv.id)["disabled"])


def table(reports: list[EndpointReport]) -> str:
    lines = [f"  {'endpoint':<9} {'hooks':>5} {'entregado':>9} {'fallido':>7} {'pendiente':>9} {'attempts':>8}"
             f"  disabled"]
    for rep in reports:
        lines.append(f"  {rep.name:<9} {rep.hooks:>5} {rep.states['entregado']:>9} {rep.states['fallido']:>7} "
                     f"{rep.states['pendiente']:>9} {rep.attempts:>8}  {'yes' if rep.disabled else 'no'}")
    return "\n".join(lines)
