"""The benchmark stack and its bookkeeping: one private Redis for the whole run (AOF on, as in
production), the simulator, workers started and stopped per scenario, machine facts, result files."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from cli.demo import LOOPBACK_NETWORKS
from devtools.local_redis import LocalRedis, free_port
from tests.support.smtp_server import smtp_url

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    redis_version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2]
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem_kb / 2**20, 1),
            "python": platform.python_version(), "redis": redis_version.removeprefix("v="),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %z")}


class BenchStack:
    """Started once per `make bench`: the Celery app binds to this Redis when first imported."""

    def __init__(self, *, beat: bool = True):
        self.base = Path(tempfile.mkdtemp(prefix="encola-bench-"))
        self.redis = LocalRedis(str(self.base / "redis"), appendonly=True)
        env = {
            **os.environ, "ENCOLA_REDIS_URL": self.redis.start(), "ENCOLA_ENV": "development",
            "ENCOLA_AFIP": "simulador", "ENCOLA_AFIP_SIM_PORT": str(free_port()),
            "ENCOLA_AFIP_SIM_ADMIN_PORT": str(free_port()), "PYTHONUNBUFFERED": "1",
            # Every point of sale's hooks go to the one local receiver: one origin. The default cap of
            # concurrent deliveries per origin would measure the cap, not the service.
            "ENCOLA_WEBHOOK_MAX_PER_ENDPOINT": "32",
            "ENCOLA_WEBHOOK_PRIVATE_NETWORKS": LOOPBACK_NETWORKS,  # the receiver listens on loopback
            "ENCOLA_SMTP_URL": smtp_url(free_port()),  # the stack's own SMTP server, which no bench mails
        }
        os.environ.update({k: v for k, v in env.items() if k.startswith("ENCOLA_")})
        from config.settings import get_settings

        get_settings.cache_clear()
        from tests.support.stack import Stack

        self.stack = Stack(self.base, env)
        self.stack.start_simulator("--already-authenticated-seconds", "0")
        if beat:
            self.stack.start_beat()

    def setting(self, name: str, value: str) -> None:
        """Set a variable for this process and the processes started from now on (the cap per origin, say,
        which the publishing process and the workers must agree on)."""
        from config.settings import get_settings

        self.stack.env[name] = os.environ[name] = value
        get_settings.cache_clear()

    def hold_waiting(self, per_point_of_sale: int) -> None:
        """Let each point of sale hold `per_point_of_sale` comprobantes and hooks waiting, never fewer than
        the default caps (producers/limits.py, 10,000 each), as an operator scheduling that many would: a
        benchmark holding more would otherwise measure refusals."""
        for cap in ("ENCOLA_MAX_WAITING_COMPROBANTES", "ENCOLA_MAX_WAITING_HOOKS"):
            self.setting(cap, str(max(per_point_of_sale, 10_000)))

    def workers(self, queue: str, processes: int, concurrency: int) -> list:
        return [self.stack.start_worker(queue, concurrency=concurrency) for _ in range(processes)]

    @staticmethod
    def stop(workers: list) -> None:
        for worker in workers:
            worker.stop()

    def close(self) -> None:
        self.stack.stop()
        self.redis.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def _submit(args: tuple) -> int:
    """Submit items through the Python API in a process of its own (producers are CPU-bound): one by one
    (`enqueue`), or `batch` at a time (`enqueue_batch`, lotes_encola's path)."""
    credentials, items, batch = args
    from producers import enqueue, enqueue_batch

    if batch == 1:
        return sum(enqueue({**credentials, **item})["error"] == "N" for item in items)
    return sum(entry["error"] == "N" for start in range(0, len(items), batch)
               for entry in enqueue_batch({**credentials, "requests": items[start:start + batch]})["response"])


def _ready(_) -> int:
    time.sleep(0.05)  # long enough that one process cannot answer every call of a round alone
    return os.getpid()


class Submitters:
    """Processes that submit through the Python API, one per job, started and with the service's code
    imported before the first request: a clock started around `submit` times the requests, not Python
    starting and importing (about a second of both cores for four processes)."""

    def __init__(self, processes: int):
        self.processes = processes
        self.pool = multiprocessing.get_context("spawn").Pool(processes, initializer=_import_producers)

    def __enter__(self) -> "Submitters":
        ready: set[int] = set()
        while len(ready) < self.processes:
            ready.update(self.pool.map(_ready, range(self.processes), chunksize=1))
        return self

    def __exit__(self, *exc) -> None:
        self.pool.terminate()

    def submit(self, jobs: list[tuple[dict, list[dict]]], *, batch: int = 1) -> int:
        """Every job's items at once, a job to a process; how many were accepted."""
        return sum(self.pool.map(_submit, [(credentials, items, batch) for credentials, items in jobs], chunksize=1))


def _import_producers() -> None:
    import producers  # noqa: F401  (the import is the point: done before the clock starts)


def submit_in_parallel(jobs: list[tuple[dict, list[dict]]], *, batch: int = 1) -> int:
    with Submitters(len(jobs)) as submitters:
        return submitters.submit(jobs, batch=batch)


def whole_number_options(doc: str, **defaults: int) -> argparse.Namespace:
    """A benchmark's command line: one whole-number option per keyword (`months_ahead` is --months-ahead),
    described by the first line of its module's docstring."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    for name, default in defaults.items():
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=default)
    return parser.parse_args()


def wait_for(predicate, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("the benchmark did not finish in time")


def percentiles(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    return {"requests": len(ordered), "p50_ms": 1000 * statistics.median(ordered),
            "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
            "max_ms": 1000 * ordered[-1]}


def timed(web, path: str, bodies: list[dict], check) -> list[float]:
    """Send each body in turn to the method `path`; the seconds each answer took, checked by `check`."""
    durations = []
    for body in bodies:
        started = time.perf_counter()
        answer = web.call(path, body)
        durations.append(time.perf_counter() - started)
        check(answer)
    return durations


def save(name: str, figures: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **figures}, indent=2))
    return path


def table(headers: list[str], rows: list[list]) -> str:
    cells = [headers] + [[f"{c:,.1f}" if isinstance(c, float) else f"{c:,}" if isinstance(c, int) else str(c)
                          for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def rss_mib(pid: int) -> float:
    """Resident memory of a process (a worker's main process holds its threads' work)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
