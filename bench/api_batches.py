"""The Python API's batch path alone, for profiling: `enqueue_batch` of 100 a fixed number of times in this
process, against a Redis of its own (AOF on) and nothing else: no workers, no HTTP. Prints the rate by the
clock and per second of the thread's CPU, the cyclic garbage collector's runs by generation and their
time (`gc.callbacks`), and Redis's time per batch by command (`INFO commandstats`).

Its work is the same from run to run, so it can be counted in instructions, which this machine's swings of
speed do not move (BENCHMARKS.md, E2): under valgrind's callgrind, the count of `--batches N` less the
count of `--batches 0` is what N batches cost.

    python -m bench.api_batches [--batches 150] [--warmup 5]
    PYTHONHASHSEED=0 valgrind --tool=callgrind .venv/bin/python -m bench.api_batches --batches 20
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import time
from datetime import timedelta

from bench.harness import save, whole_number_options
from devtools.local_redis import LocalRedis


class CollectorLog:
    """The collector's runs while it is installed: how many per generation and the seconds they took."""

    def __init__(self):
        self.runs, self.seconds, self._started = [0, 0, 0], [0.0, 0.0, 0.0], 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.runs[info["generation"]] += 1
            self.seconds[info["generation"]] += time.perf_counter() - self._started


def run(batches: int, warmup: int) -> dict:
    import producers
    from config import clock
    from config.redis_client import get_redis
    from tests.support.bodies import item
    from webhook_dispatch.points_of_sale import create_point_of_sale

    r = get_redis()
    pdv, credentials = create_point_of_sale(r, cuit=20111111112, pto_vta=7, webhook_url="http://127.0.0.1:9/hooks",
                                            cert_path="", key_path="")
    fecha = clock.today_ar() + timedelta(days=10)  # scheduled: emission is not part of this
    bodies = [{**credentials, "requests": [item(f"api-{b}-{n}", fecha, pto_vta=7) for n in range(100)]}
              for b in range(warmup + batches)]
    for body in bodies[:warmup]:
        assert producers.enqueue_batch(body)["error"] == "N"
    r.config_resetstat()
    log = CollectorLog()
    gc.callbacks.append(log)
    started, cpu_started = time.perf_counter(), time.thread_time()
    for body in bodies[warmup:]:
        assert producers.enqueue_batch(body)["error"] == "N"
    seconds, cpu = time.perf_counter() - started, time.thread_time() - cpu_started
    gc.callbacks.remove(log)
    redis_us = {name.removeprefix("cmdstat_"): stats["usec"] / max(batches, 1)
                for name, stats in r.info("commandstats").items()}
    return {"batches": batches, "per_second": batches * 100 / seconds if batches else 0.0,
            "per_cpu_second": batches * 100 / cpu if batches else 0.0,
            "collections": log.runs, "collection_seconds": log.seconds,
            "redis_us_per_batch": dict(sorted(redis_us.items(), key=lambda pair: -pair[1]))}


def main() -> None:
    args = whole_number_options(__doc__, batches=150, warmup=5)
    base = tempfile.mkdtemp(prefix="encola-api-")
    redis = LocalRedis(os.path.join(base, "redis"), appendonly=True)
    os.environ.update({"ENCOLA_REDIS_URL": redis.start(), "ENCOLA_ENV": "development",
                       # One point of sale takes every batch: more than the default caps on what it may hold.
                       "ENCOLA_MAX_WAITING_COMPROBANTES": "1000000", "ENCOLA_MAX_WAITING_HOOKS": "1000000"})
    try:
        figures = run(args.batches, args.warmup)
    finally:
        redis.stop()
        shutil.rmtree(base, ignore_errors=True)
    print(f"{args.batches} enqueue_batch of 100: {figures['per_second']:,.0f} comprobantes/s by the clock, "
          f"{figures['per_cpu_second']:,.0f} per second of the thread's CPU")
    print("cyclic collections by generation: {} ({} s)".format(
        figures["collections"], ", ".join(f"{s:.3f}" for s in figures["collection_seconds"])))
    print("Redis, µs per batch: " + ", ".join(f"{name} {us:,.0f}"
                                              for name, us in list(figures["redis_us_per_batch"].items())[:6]))
    print(f"written to {save('api_batches', figures)}")


if __name__ == "__main__":
    main()
