"""E4 webhooks: deliveries per second to a local receiver answering at once and in 50 ms (at the
default cap of concurrent deliveries per origin, and a raised one), and a healthy endpoint's deliveries
while another endpoint times out on every attempt.

    python -m bench.e4_webhooks [--hooks N]

bench.compare runs it against an earlier commit too; `_publish` is the one call whose signature differs.
"""

from __future__ import annotations

import argparse
import inspect
import time

from bench.harness import BenchStack, save, table, wait_for
from devtools.webhook_receiver import Behaviour, WebhookReceiver

ANSWER_SECONDS = 0.05
# (cap per origin, seconds the receiver takes to answer)
SCENARIOS = ((4, 0.0), (4, ANSWER_SECONDS), (32, ANSWER_SECONDS))


def _publish(r, hook_ids: list[str]) -> None:
    from webhook_dispatch import outbox

    if "r" in inspect.signature(outbox.publish).parameters:
        outbox.publish(r, hook_ids)
    else:  # before origins were drained (bench.compare's baseline), publishing took no connection
        outbox.publish(hook_ids)


def _send(r, pdv, count: int) -> None:
    from webhook_dispatch import outbox
    from webhook_dispatch.events import build_event

    pipe = r.pipeline()
    events = [build_event(pdv_id=pdv.id, evento="test", external_reference=f"e4-{n}", intento=1, msg=[],
                          recurso="test") for n in range(count)]
    for event in events:
        outbox.stage(pipe, event)
    pipe.execute()
    _publish(r, [event.hook_id for event in events])


def _rate(receiver: WebhookReceiver, path: str, count: int, started: float, timeout: float = 600) -> float:
    deliveries = wait_for(lambda: len(d := receiver.received(path)) >= count and d, timeout=timeout)
    last = max(d.received_at for d in deliveries[:count])
    return count / (last - started)


def run(bench: BenchStack, hooks: int) -> dict:
    from config.redis_client import get_redis

    r, stack = get_redis(), bench.stack
    healthy_receiver = stack.receiver
    figures = {"hooks": hooks, "rates": [], "isolation": {}}
    for cap, answer in SCENARIOS:
        bench.setting("ENCOLA_WEBHOOK_MAX_PER_ENDPOINT", str(cap))
        workers = bench.workers("webhooks", processes=2, concurrency=16)
        pdv = stack.new_pdv()
        healthy_receiver.behaviours[pdv.hook_path] = Behaviour(delay=answer)
        started = time.time()
        _send(r, pdv, hooks)
        rate = _rate(healthy_receiver, pdv.hook_path, hooks, started)
        figures["rates"].append({"cap_per_origin": cap, "answer_ms": int(answer * 1000),
                                 "deliveries_per_second": rate,
                                 "bound_per_second": cap / answer if answer else None})
        bench.stop(workers)

    # Isolation: the same healthy load while another origin never answers in time.
    bench.setting("ENCOLA_WEBHOOK_MAX_PER_ENDPOINT", "4")
    bench.setting("ENCOLA_WEBHOOK_READ_TIMEOUT", "2")
    workers = bench.workers("webhooks", processes=2, concurrency=16)
    dead_receiver = WebhookReceiver().start()
    try:
        healthy, dead = stack.new_pdv(), stack.new_pdv()
        healthy_receiver.behaviours[healthy.hook_path] = Behaviour(delay=ANSWER_SECONDS)
        from webhook_dispatch.points_of_sale import update_point_of_sale

        update_point_of_sale(r, dead.id, webhook_url=dead_receiver.base_url + "/never")
        dead_receiver.behaviours["/never"] = Behaviour(delay=30)
        started = time.time()
        _send(r, dead, hooks)
        _send(r, healthy, hooks)
        rate = _rate(healthy_receiver, healthy.hook_path, hooks, started)
        figures["isolation"] = {"healthy_deliveries_per_second": rate,
                                "dead_attempts_meanwhile": len(dead_receiver.received("/never")),
                                "read_timeout_s": 2}
    finally:
        bench.stop(workers)
        dead_receiver.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hooks", type=int, default=2000)
    args = parser.parse_args()
    bench = BenchStack()
    try:
        figures = run(bench, args.hooks)
    finally:
        bench.close()
    print(f"E4 webhooks: {figures['hooks']} deliveries to one receiver (2 webhook worker processes of 16 threads)")
    print(table(["cap per origin", "answer ms", "deliveries/s", "cap / answer time"],
                [[f["cap_per_origin"], f["answer_ms"], f["deliveries_per_second"], f["bound_per_second"] or "-"]
                 for f in figures["rates"]]))
    iso = figures["isolation"]
    print(f"\nwith another endpoint timing out ({iso['read_timeout_s']} s read timeout, "
          f"{iso['dead_attempts_meanwhile']} attempts to it meanwhile): healthy endpoint "
          f"{iso['healthy_deliveries_per_second']:.1f} deliveries/s")
    print(f"\nwritten to {save('e4_webhooks', figures)}")


if __name__ == "__main__":
    main()
