"""E7 Redis memory over a simulated year: a fixed volume emitted every month (the clock moved a month at a
time), with their webhooks delivered, and Redis' used_memory each month before and after the retention
sweep runs; what it would be with no sweep at all is the memory before plus everything earlier sweeps freed.

The stack's own sweep is held off (a retention of ten years) so that this process runs the same removal
at a chosen moment, with the default 90 days (comprobantes.retention). Finished hooks and their index
leave by Redis' own expiry (EXPIRE, webhook_dispatch/outbox.py), which counts real time and not the moved
clock: each month, their keys' expiries are brought 30 days nearer, as a real month would.

    python -m bench.e7_retention [--monthly N] [--months N] [--retention-days N]
"""

from __future__ import annotations

import os
import time

from bench.harness import BenchStack, save, submit_in_parallel, table, wait_for, whole_number_options

DAY = 86400
MONTH_DAYS = 30


def _month(r, pdvs, month: int, monthly: int) -> None:
    """Emit `monthly` comprobantes dated the moved clock's today, accepted in batches of 100 (the Python
    API's enqueue_batch, what an ISP's monthly run would use), and wait for their emitido hooks."""
    from comprobantes.store import state_key
    from config import clock
    from tests.support.bodies import item
    from webhook_dispatch.outbox import pdv_state_hooks_key

    today = clock.today_ar()
    jobs = [(pdv.credentials, [item(f"m{month}-{n}", today, pto_vta=pdv.pdv.pto_vta)
                               for n in range(monthly // len(pdvs))]) for pdv in pdvs]
    accepted = submit_in_parallel(jobs, batch=100)
    timeout = max(600, monthly / 20)  # a month's volume emitted and notified at 20 a second at the least
    wait_for(lambda: not any(r.zcard(state_key(pdv.id, state)) for pdv in pdvs for state in ("encolado", "procesando")),
             timeout=timeout)
    wait_for(lambda: not any(r.zcard(pdv_state_hooks_key(pdv.id, "pendiente")) for pdv in pdvs), timeout=timeout)
    assert accepted == monthly // len(pdvs) * len(pdvs), accepted


def _sweep(r, retention_days: int) -> int:
    """The retention sweep's work, run to the end: chunk after chunk until nothing is past retention."""
    from comprobantes import retention
    from config import clock
    from mailing import outbox as mail_outbox

    before, removed = clock.timestamp() - retention_days * DAY, 0
    while moved := retention.forget_finished(r, before=before, also=(mail_outbox.stage_forget,)):
        removed += moved
    return removed


def _age_expiries(r, seconds: int) -> None:
    """Bring the expiry of the hooks' keys (hashes, attempts, index buckets) `seconds` nearer: what that
    much real time does to them. Only those: other keys with an expiry are leases of live processes."""
    from webhook_dispatch.outbox import hook_key
    from webhook_dispatch.reference_index import periods_key

    for pattern in (hook_key("*"), periods_key("*") + ":*"):
        names = list(r.scan_iter(match=pattern, count=1000))
        pipe = r.pipeline(transaction=False)
        for name in names:
            pipe.pttl(name)
        for name, left in zip(names, pipe.execute()):
            if 0 < left <= seconds * 1000:
                pipe.unlink(name)  # expired within the month: gone now, not when Redis' expiry cycle samples it
            elif left > 0:
                pipe.pexpire(name, left - seconds * 1000)
        pipe.execute()


def _family(name: str) -> str:
    """A key's family: its name with every segment holding a digit (ids, dates, numbers) replaced by *."""
    return ":".join("*" if any(c.isdigit() for c in part) else part for part in name.split(":"))


def _census(r) -> dict[str, list[int]]:
    """Keys and bytes (MEMORY USAGE) by family: what to read when a month's memory grows."""
    names = list(r.scan_iter(count=1000))
    pipe = r.pipeline(transaction=False)
    for name in names:
        pipe.memory_usage(name, samples=0)
    families: dict[str, list[int]] = {}
    for name, used in zip(names, pipe.execute()):
        family = families.setdefault(_family(name), [0, 0])
        family[0] += 1
        family[1] += used or 0
    return families


def run(bench: BenchStack, *, monthly: int, months: int, retention_days: int) -> list[dict]:
    from comprobantes.store import FINISHED_KEY
    from config.redis_client import get_redis

    stack, r = bench.stack, get_redis()
    pdvs = [stack.new_pdv() for _ in range(4)]
    rows, freed = [], 0
    for month in range(months):
        stack.set_clock(month * MONTH_DAYS * DAY)
        started = time.monotonic()
        if month:
            aged_from = r.info("memory")["used_memory"]
            _age_expiries(r, MONTH_DAYS * DAY)
            freed += aged_from - r.info("memory")["used_memory"]
        _month(r, pdvs, month, monthly)
        before = r.info("memory")["used_memory"]
        removed = _sweep(r, retention_days)
        after = r.info("memory")["used_memory"]
        rows.append({"month": month + 1, "held": r.zcard(FINISHED_KEY), "removed": removed,
                     "used_before_sweep": before, "used_after_sweep": after,
                     "used_without_retention": before + freed, "seconds": time.monotonic() - started,
                     "families": _census(r)})
        freed += before - after
    stack.set_clock(0)
    return rows


def _growth(rows: list[dict], since: int) -> str:
    """The ten key families that grew most after the sweeps from month `since` (the first with anything
    past retention) to the last: flat memory shows none growing."""
    first, last = rows[since - 1]["families"], rows[-1]["families"]
    both = {f: (*first.get(f, [0, 0]), *last.get(f, [0, 0])) for f in first.keys() | last.keys()}
    grown = sorted(both, key=lambda f: both[f][3] - both[f][1], reverse=True)[:10]
    return (f"\nKey families after the sweeps, month {since} and month {len(rows)} (the ten that grew most)\n"
            + table(["family", f"keys {since}", f"KiB {since}", f"keys {len(rows)}", f"KiB {len(rows)}"],
                    [[f, both[f][0], both[f][1] / 1024, both[f][2], both[f][3] / 1024] for f in grown]))


def main() -> None:
    args = whole_number_options(__doc__, monthly=2000, months=12, retention_days=90)
    os.environ["ENCOLA_RETENTION_DAYS"] = "3650"  # the stack's own sweep removes nothing: this process does
    bench = BenchStack()
    try:
        # A month accepted in batches outruns its emission: each point of sale holds up to a month waiting.
        bench.hold_waiting(args.monthly)
        # The Procfile's workers: beat's mail sweeps wait in `correo` for a worker even with no mail to send.
        workers = [*bench.workers("emision", processes=1, concurrency=4),
                   *bench.workers("webhooks", processes=1, concurrency=16),
                   *bench.workers("correo", processes=1, concurrency=4)]
        rows = run(bench, monthly=args.monthly, months=args.months, retention_days=args.retention_days)
        bench.stop(workers)
    finally:
        bench.close()
    mib = 2**20
    print(f"E7 Redis used_memory over {args.months} months of {args.monthly:,} comprobantes a month "
          f"(retention {args.retention_days} days, the clock moved {MONTH_DAYS} days a month)")
    print(table(["month", "comprobantes held", "removed", "MiB before sweep", "MiB after sweep",
                 "MiB without retention", "s"],
                [[row["month"], row["held"], row["removed"], row["used_before_sweep"] / mib,
                  row["used_after_sweep"] / mib, row["used_without_retention"] / mib, row["seconds"]]
                 for row in rows]))
    print(_growth(rows, since=min(len(rows), args.retention_days // MONTH_DAYS + 1)))
    print(f"\nwritten to {save('e7_retention', {'monthly': args.monthly, 'retention_days': args.retention_days, 'months': rows})}")


if __name__ == "__main__":
    main()
