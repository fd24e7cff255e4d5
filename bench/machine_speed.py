"""How fast this machine runs Python at the moment, to read the other figures by: the calling thread's
CPU time for one fixed pure-Python workload (dictionary writes, string formatting, integer arithmetic), in
milliseconds. Lower is faster.

On the 2-core virtual machines this project is benchmarked on, the same work's CPU time swings by up to
a factor of two with nothing of ours running (BENCHMARKS.md, "The machine's speed"): a thread's CPU time
includes what it loses to whatever shares its physical core. The speed changes from one sample to the
next, within seconds, so one sample says little about a benchmark's minutes: a log of samples taken
every few seconds through a run (this command, beside `make bench`; it costs a few hundredths of a
second per sample) says how fast the machine was on the whole.

    python -m bench.machine_speed [--every 20] [--samples 30]
"""

from __future__ import annotations

import argparse
import statistics
import time


def _workload() -> int:
    table = {}
    for n in range(100_000):
        table[n % 997] = str(n)
    return sum(n * n for n in range(100_000)) + len(table)


def sample_ms(repeat: int = 3) -> float:
    """The median over `repeat` runs of the workload's CPU time on this thread, in ms."""
    times = []
    for _ in range(repeat):
        started = time.thread_time()
        _workload()
        times.append((time.thread_time() - started) * 1000)
    return round(statistics.median(times), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=20, help="seconds between samples")
    parser.add_argument("--samples", type=int, default=30)
    args = parser.parse_args()
    for n in range(args.samples):
        print(f"{time.strftime('%H:%M:%S', time.gmtime())} UTC  {sample_ms():.1f} ms", flush=True)
        if n + 1 < args.samples:
            time.sleep(args.every)


if __name__ == "__main__":
    main()
