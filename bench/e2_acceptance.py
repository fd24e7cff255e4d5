"""E2 acceptance latency: how long a client waits for the answer of `nuevo_encola`, `lotes_encola` of 100
and the legacy `lotes` of 500 over HTTP (the Procfile's gunicorn line), p50 and p99; and the Python
API's batch rate (enqueue_batch of 100, in-process), twice: first while the stack's webhook worker
delivers the `encolado` hooks on the same cores, by the clock and by the CPU time of the thread that
calls it (the benchmark's webhook receiver runs in other threads of the process); then alone, the
webhook worker stopped: one process and its Redis, by the clock and by its thread's CPU time, the
median of five rounds.

    python -m bench.e2_acceptance [--single N] [--batches N] [--lotes N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

from bench.harness import BenchStack, percentiles, save, table, timed


def run(bench: BenchStack, *, single: int, batches: int, lotes: int) -> dict:
    from datetime import timedelta

    from config import clock
    from tests.support.bodies import item
    from tests.support.web import Web

    stack = bench.stack
    fecha = clock.today_ar() + timedelta(days=10)  # accepted and scheduled: emission is E1's business
    # The benchmark's single client must not meet the per-credential rate limit.
    web = Web("web-e2", stack.env, stack.base_dir, ENCOLA_HTTP_RATE_LIMIT="100000", ENCOLA_HTTP_RATE_BURST="100000")
    try:
        pdv = stack.new_pdv()
        pto = pdv.pdv.pto_vta

        def ok(answer):
            assert answer["error"] == "N", answer

        singles = [pdv.body(item(f"e2-s-{n}", fecha, pto_vta=pto)) for n in range(single)]
        nuevo = timed(web, "facturacion/nuevo_encola", singles, ok)
        bulk = [{**pdv.credentials, "requests": [item(f"e2-b-{b}-{n}", fecha, pto_vta=pto) for n in range(100)]}
                for b in range(batches)]
        lotes_encola = timed(web, "facturacion/lotes_encola", bulk, ok)
        legacy = []
        for b in range(lotes):
            rows = []
            for n in range(500):
                row = {**pdv.credentials, **item(f"e2-l-{b}-{n}", fecha, pto_vta=pto)}
                row["comprobante"]["facturacion_lote_id_referencia"] = f"lote-{b}-{n}"
                rows.append(row)
            legacy.append({**pdv.credentials, "webhook_url": pdv.pdv.webhook_url, "requests": rows})

        def all_processed(answer):
            assert answer["error"] == "N" and answer["procesados"] == 500, answer

        lotes_500 = timed(web, "facturacion/lotes", legacy, all_processed)
    finally:
        web.stop()

    api_rate, api_cpu_rate = python_api(stack, fecha, batches * 2, "beside")
    return {"nuevo_encola": percentiles(nuevo), "lotes_encola_100": percentiles(lotes_encola),
            "lotes_500": percentiles(lotes_500), "python_api_batch_per_second": api_rate,
            "python_api_batch_per_cpu_second": api_cpu_rate,
            "fecha": fecha.isoformat()}


def python_api(stack, fecha, batches: int, label: str) -> tuple[float, float]:
    """`batches` enqueue_batch of 100 for a new point of sale: comprobantes per second by the clock and
    per second of the calling thread's CPU time."""
    import producers
    from tests.support.bodies import item

    pdv = stack.new_pdv()
    bodies = [{**pdv.credentials, "requests": [item(f"e2-api-{label}-{b}-{n}", fecha, pto_vta=pdv.pdv.pto_vta)
                                               for n in range(100)]} for b in range(batches)]
    started, cpu_started = time.perf_counter(), time.thread_time()
    for body in bodies:
        assert producers.enqueue_batch(body)["error"] == "N"
    return batches * 100 / (time.perf_counter() - started), batches * 100 / (time.thread_time() - cpu_started)


def alone(stack, fecha, batches: int, rounds: int = 5) -> dict:
    """The Python API alone, `batches` in `rounds` rounds: the median round's rates, by the clock and by CPU
    time, and every round's. This machine's speed swings by a tenth within minutes (the same code, one run
    after another); the median of rounds is not moved by one slow or fast spell as one long run is."""
    measured = [python_api(stack, fecha, batches // rounds, f"alone-{n}") for n in range(rounds)]
    return {"python_api_batch_alone_per_second": statistics.median(rate for rate, _ in measured),
            "python_api_batch_alone_per_cpu_second": statistics.median(cpu for _, cpu in measured),
            "python_api_batch_alone_rounds": [{"per_second": rate, "per_cpu_second": cpu} for rate, cpu in measured]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single", type=int, default=1000)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--lotes", type=int, default=20)
    args = parser.parse_args()
    bench = BenchStack()
    try:
        # One point of sale takes every request: more than the default caps on what it may hold waiting.
        bench.hold_waiting(1_000_000)
        webhooks = bench.workers("webhooks", processes=1, concurrency=16)
        figures = run(bench, single=args.single, batches=args.batches, lotes=args.lotes)
        bench.stop(webhooks)
        figures.update(alone(bench.stack, date.fromisoformat(figures["fecha"]), args.batches * 2))
    finally:
        bench.close()
    print("E2 acceptance latency over HTTP (one client, requests in sequence; gunicorn as in the Procfile)")
    print(table(["method", "requests", "comprobantes each", "p50 ms", "p99 ms", "max ms"], [
        ["nuevo_encola", figures["nuevo_encola"]["requests"], 1, figures["nuevo_encola"]["p50_ms"],
         figures["nuevo_encola"]["p99_ms"], figures["nuevo_encola"]["max_ms"]],
        ["lotes_encola", figures["lotes_encola_100"]["requests"], 100, figures["lotes_encola_100"]["p50_ms"],
         figures["lotes_encola_100"]["p99_ms"], figures["lotes_encola_100"]["max_ms"]],
        ["lotes (legacy)", figures["lotes_500"]["requests"], 500, figures["lotes_500"]["p50_ms"],
         figures["lotes_500"]["p99_ms"], figures["lotes_500"]["max_ms"]],
    ]))
    print(f"\nPython API, enqueue_batch of 100 in one process, beside the webhook worker: "
          f"{figures['python_api_batch_per_second']:,.0f} comprobantes/s; "
          f"{figures['python_api_batch_per_cpu_second']:,.0f} per second of its thread's CPU time")
    rounds = ", ".join(f"{row['per_second']:,.0f}" for row in figures["python_api_batch_alone_rounds"])
    print(f"Python API alone (webhook worker stopped), the median round: "
          f"{figures['python_api_batch_alone_per_second']:,.0f} comprobantes/s; "
          f"{figures['python_api_batch_alone_per_cpu_second']:,.0f} per second of its thread's CPU time "
          f"(each round by the clock: {rounds})")
    print(f"\nwritten to {save('e2_acceptance', figures)}")


if __name__ == "__main__":
    main()
