"""Pausing Python's cyclic garbage collector while a request is accepted.

Accepting a batch allocates tens of thousands of containers (the items' dicts, the records, the staged
commands) that live until the batch is answered and are then freed by reference counting: they hold no
cycles. While they live, the collector runs every few hundred allocations, finds them alive and promotes
them, so that every few batches a full collection walks the whole heap, the process's modules included
(`gc.callbacks`: 5 full collections in 150 batches of 100, 0.28 s of 4.8 s). Paused for the request, it
runs after it, on the few objects the request left alive (https://docs.python.org/3/library/gc.html;
BENCHMARKS.md, E2). Whatever cycles a request does make (an exception's traceback) are collected then.

The collector is the process's: a pause held by any thread holds it for all, and the last one to end
restores it as the first found it (a program that keeps it disabled keeps it disabled).
"""

from __future__ import annotations

import functools
import gc
import threading

_LOCK = threading.Lock()
_STATE = {"holders": 0, "was_enabled": False}


def _enter() -> None:
    with _LOCK:
        if _STATE["holders"] == 0:
            _STATE["was_enabled"] = gc.isenabled()
            gc.disable()
        _STATE["holders"] += 1


def _exit() -> None:
    with _LOCK:
        _STATE["holders"] -= 1
        if _STATE["holders"] == 0 and _STATE["was_enabled"]:
            gc.enable()


def collector_paused(function):
    """`function` with the cyclic collector paused while it runs."""

    @functools.wraps(function)
    def paused(*args, **kwargs):
        _enter()
        try:
            return function(*args, **kwargs)
        finally:
            _exit()

    return paused
