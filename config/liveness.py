"""What shows that due work is moving: when each sweep last ran and which `beat` leads.

The invariant (docs/queue.md, "Liveness: nothing accepted waits forever"): every due item (a lane with due
comprobantes, a hook or a mail due for an attempt) is either in progress under a live lease, or published again
by a sweep within one lease plus SWEEP_PERIOD_SECONDS of its holder or message being lost. The sweeps
are beat's promote tasks; each records here when it ran, and the leading beat records itself, so that
`encola status` and `/metrics` can tell "nothing is due" from "nothing is moving".

Times here are real epoch seconds (time.time()), not the development clock: they measure processes.
"""

from __future__ import annotations

import logging
import os
import socket
import time

from config.keys import key
from config.redis_client import get_redis

log = logging.getLogger("encola.sweeps")

# How often beat runs each sweep; a sweep task not run within a few periods expires unrun.
SWEEP_PERIOD_SECONDS = 1.0
SWEEPS_KEY = key("sweeps")
# The sweeps' task names: beat runs them every period, so their every run is noise in the logs and in
# Flower; they log by themselves when they publish something.
SWEEP_TASKS = ("encola.emision.promote_due_lanes", "encola.webhooks.promote_due_hooks",
               "encola.correo.promote_due_mails", "encola.emision.forget_finished")
# beat's schedule and lock live under this prefix (config.beat); a standby beat leads at most
# BEAT_LOCK_SECONDS after the leader died, the leader extending the lock on every tick.
BEAT_KEY_PREFIX = key("beat") + ":"
BEAT_LOCK_KEY = key("beat", "lock")
BEAT_LOCK_SECONDS = 10
LEADER_KEY = key("beat", "leader")


def sweep(name: str, run) -> int:
    """Run sweep `name` (`run(r)` returns how many items it published, or removed for the retention
    sweep) and note that it ran now."""
    r = get_redis()
    moved = run(r)
    record_sweep(r, name, moved)
    if moved:
        log.info("sweep %s moved %d items", name, moved, extra={"sweep": name, "moved": moved})
    return moved


def record_sweep(r, name: str, moved: int) -> None:
    """Note that sweep `name` ran now and how much it published."""
    r.hset(SWEEPS_KEY, mapping={f"{name}:at": repr(time.time()), f"{name}:moved": moved})


def last_sweeps(r) -> dict[str, float]:
    """When each sweep last ran (epoch seconds), by name."""
    raw = r.hgetall(SWEEPS_KEY)
    return {field.removesuffix(":at"): float(value) for field, value in raw.items() if field.endswith(":at")}


def beat_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def record_leader(r, ttl_seconds: float) -> None:
    """The beat holding the schedule's lock says so, for as long as its lock lasts."""
    r.set(LEADER_KEY, beat_identity(), px=int(ttl_seconds * 1000))


def beat_leader(r) -> str | None:
    """host:pid of the beat that leads now, or None when no beat holds the lock."""
    return r.get(LEADER_KEY)
