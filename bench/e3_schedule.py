"""E3 schedule scale: a million comprobantes dated next month. Acceptance rate through the Python API's
batch path, Redis bytes per comprobante, emission-worker memory before and after (future work must not
reach the workers nor the broker), then the clock moves to that day: promotion and emission rates.

    python -m bench.e3_schedule [--comprobantes N] [--lanes N] [--latency-ms MS] [--accept-only]

`--accept-only` stops after acceptance and its memory figures (bench.compare runs it before and after).

No webhook worker runs: the `encolado` and `emitido` deliveries are counted and measured, then dropped
from the broker (E4 measures webhooks). Beat does not run either: the benchmark promotes the lanes
itself when the clock reaches the day, which is what beat would do, timed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from datetime import timedelta

from bench.harness import BenchStack, rss_mib, save, table, wait_for

BATCH = 100  # lotes_encola's limit
SUBMITTERS = 2


def _submit_lanes(args: tuple) -> int:
    """Submit every comprobante of some points of sale through enqueue_batch, in its own process."""
    jobs, per_lane, fecha_text = args
    from datetime import datetime

    import producers
    from tests.support.bodies import item

    fecha = datetime.strptime(fecha_text, "%Y-%m-%d").date()
    accepted = 0
    for credentials, pto_vta in jobs:
        for start in range(0, per_lane, BATCH):
            requests = [item(f"e3-{pto_vta}-{n}", fecha, pto_vta=pto_vta) for n in range(start, min(start + BATCH, per_lane))]
            answer = producers.enqueue_batch({**credentials, "requests": requests})
            accepted += sum(entry["error"] == "N" for entry in answer["response"])
    return accepted


def run(bench: BenchStack, *, comprobantes: int, lanes: int, latency_ms: int, accept_only: bool = False) -> dict:
    from comprobantes.store import state_key
    from config import clock
    from config.celery_app import WEBHOOKS_QUEUE
    from config.redis_client import get_redis
    from config.settings import get_settings
    from emission import schedule

    r, stack = get_redis(), bench.stack
    stack.faults(latency_ms=latency_ms)
    per_lane = comprobantes // lanes
    bench.hold_waiting(per_lane)
    workers = bench.workers("emision", processes=2, concurrency=8)
    pdvs = [stack.new_pdv() for _ in range(lanes)]
    day = clock.today_ar().replace(day=1) + timedelta(days=32)
    day = day.replace(day=15)
    memory_before = r.info("memory")["used_memory"]
    rss_before = [rss_mib(w.pid) for w in workers]

    jobs = [[(pdv.credentials, pdv.pdv.pto_vta) for pdv in pdvs[n::SUBMITTERS]] for n in range(SUBMITTERS)]
    started = time.time()
    with multiprocessing.get_context("spawn").Pool(SUBMITTERS) as pool:
        accepted = sum(pool.map(_submit_lanes, [(job, per_lane, day.isoformat()) for job in jobs]))
    accept_seconds = time.time() - started
    assert accepted == per_lane * lanes, f"only {accepted:,} of {per_lane * lanes:,} accepted"
    time.sleep(2)  # let the workers settle, then look at them
    rss_after = [rss_mib(w.pid) for w in workers]
    memory = r.info("memory")["used_memory"]
    broker_hooks = r.llen(WEBHOOKS_QUEUE)
    broker_hooks_bytes = (r.memory_usage(WEBHOOKS_QUEUE) or 0) if broker_hooks else 0
    emision_broker = r.llen("emision")
    r.delete(WEBHOOKS_QUEUE)  # no webhook worker in this benchmark
    figures = {
        "comprobantes": accepted, "lanes": lanes, "due_day": day.isoformat(), "latency_ms": latency_ms,
        "accept_seconds": accept_seconds, "accepted_per_second": accepted / accept_seconds,
        "redis_bytes_per_comprobante": (memory - memory_before - broker_hooks_bytes) / accepted,
        "redis_bytes_per_comprobante_with_broker": (memory - memory_before) / accepted,
        "broker_emision_messages": emision_broker, "broker_webhook_messages": broker_hooks,
        "broker_webhook_bytes_per_comprobante": broker_hooks_bytes / accepted,
        "worker_rss_mib_before": rss_before, "worker_rss_mib_after": rss_after,
    }
    if accept_only:
        bench.stop(workers)
        return figures

    stack.set_clock(clock.start_of_day_ar(day) + 60 - time.time())
    try:
        started = time.time()
        promoted = schedule.promote_due(r, horizon=get_settings().schedule_horizon_seconds,
                                        lease=get_settings().lane_lease_seconds)
        figures["promotion_seconds"] = time.time() - started
        figures["lanes_promoted"] = promoted
        progress = []

        def emitted() -> int:
            return sum(r.zcard(state_key(pdv.id, "emitido")) for pdv in pdvs)

        def done():
            progress.append((time.time(), emitted()))
            if len(progress) % 20 == 0:
                r.delete(WEBHOOKS_QUEUE)  # the emitido deliveries, unconsumed here
                # Beat is not running: publish lanes that yielded or backed off, as it would.
                schedule.promote_due(r, horizon=0, lease=get_settings().lane_lease_seconds)
            return progress[-1][1] >= accepted

        wait_for(done, timeout=3 * 3600, interval=0.5)
        emit_seconds = progress[-1][0] - started
        figures.update(emit_seconds=emit_seconds, emitted_per_second=accepted / emit_seconds,
                       worker_rss_mib_end=[rss_mib(w.pid) for w in workers])
    finally:
        stack.set_clock(0)
        r.delete(WEBHOOKS_QUEUE)
        bench.stop(workers)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comprobantes", type=int, default=1_000_000)
    parser.add_argument("--lanes", type=int, default=20)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--accept-only", action="store_true")
    args = parser.parse_args()
    bench = BenchStack(beat=False)
    try:
        f = run(bench, comprobantes=args.comprobantes, lanes=args.lanes, latency_ms=args.latency_ms,
                accept_only=args.accept_only)
    finally:
        bench.close()
    print(f"E3 schedule scale: {f['comprobantes']:,} comprobantes dated {f['due_day']} over {f['lanes']} lanes")
    rows = [
        ["accepted per second (Python API, lotes_encola of 100, 2 processes)", f["accepted_per_second"]],
        ["Redis bytes per comprobante (record, indices, audit, its hook)", f["redis_bytes_per_comprobante"]],
        ["the same with its share of the broker", f["redis_bytes_per_comprobante_with_broker"]],
        ["Redis MiB for the comprobantes accepted, broker included",
         f["redis_bytes_per_comprobante_with_broker"] * f["comprobantes"] / 2**20],
        ["broker messages on the emision queue after acceptance", f["broker_emision_messages"]],
        ["encolado deliveries waiting in the broker (bytes per comprobante)", f["broker_webhook_bytes_per_comprobante"]],
        ["emission worker RSS MiB before acceptance", " / ".join(f"{v:.0f}" for v in f["worker_rss_mib_before"])],
        ["emission worker RSS MiB after acceptance", " / ".join(f"{v:.0f}" for v in f["worker_rss_mib_after"])],
    ]
    if not args.accept_only:
        rows += [
            ["promotion when the day came: seconds for all lanes", f"{f['promotion_seconds']:.3f} ({f['lanes_promoted']} lanes)"],
            ["emitted per second once due", f["emitted_per_second"]],
            ["emission worker RSS MiB at the end", " / ".join(f"{v:.0f}" for v in f["worker_rss_mib_end"])],
        ]
    print(table(["figure", "value"], rows))
    print(f"\nwritten to {save('e3_schedule', f)}")


if __name__ == "__main__":
    main()
