"""The cap on deliveries to one origin, on a database of the test run's Redis that no sweep works in:
who gets a slot, who waits, in what order the waiting are called, how a hook leaves the line, and how
the sweep calls a stalled line."""

from __future__ import annotations

import secrets
import time

from config import clock
from webhook_dispatch.endpoints import acquire_slot, call_stalled_lines, leave_line, release_slot
from webhook_dispatch.outbox import DELIVERY_LEASE_SECONDS, DUE, hook_key

LEASE = 30


def test_a_busy_origin_serves_its_waiting_hooks_first_come_first_served(quiet_db):
    r = quiet_db
    url = f"https://hooks-{secrets.token_hex(4)}.example.com/tf"
    other_path_same_origin = url.replace("/tf", "/otra")
    first, second = (acquire_slot(r, url, h, cap=2, lease=LEASE) for h in ("h1", "h2"))
    assert first and second
    assert acquire_slot(r, other_path_same_origin, "h3", cap=2, lease=LEASE) is None
    assert acquire_slot(r, url, "h4", cap=2, lease=LEASE) is None

    # A freed slot calls the longest waiting, and nobody may pass it, not even a hook arriving now.
    assert release_slot(r, url, first, cap=2) == ["h3"]
    assert acquire_slot(r, url, "h5", cap=2, lease=LEASE) is None
    assert acquire_slot(r, url, "h4", cap=2, lease=LEASE) is None
    third = acquire_slot(r, url, "h3", cap=2, lease=LEASE)
    assert third
    assert r.hget(hook_key("h3"), "waiting_in") is None and r.hget(hook_key("h4"), "waiting_in")

    # Two slots free: the next two in line are called, in order.
    release_slot(r, url, second, cap=2)
    assert release_slot(r, url, third, cap=2) == ["h4", "h5"]

    # A hook that will not be sent leaves the line, no longer holds anyone back, and says who may go
    # now (no slot release would); leaving twice calls nobody twice.
    h4 = {"id": "h4", **r.hgetall(hook_key("h4"))}
    assert leave_line(r, h4, cap=2) == ["h5"]
    assert leave_line(r, h4, cap=2) == []
    assert acquire_slot(r, url, "h5", cap=2, lease=LEASE)
    assert acquire_slot(r, url, "h6", cap=2, lease=LEASE)


def test_a_slot_whose_holder_died_frees_itself_after_its_lease(quiet_db):
    r = quiet_db
    url = f"https://hooks-{secrets.token_hex(4)}.example.com/tf"
    assert acquire_slot(r, url, "dead-holder", cap=1, lease=0.2)
    assert acquire_slot(r, url, "next", cap=1, lease=LEASE) is None
    time.sleep(0.3)
    assert acquire_slot(r, url, "next", cap=1, lease=LEASE)


def test_the_line_sweep_calls_the_head_of_a_line_whose_slot_holder_died_once_per_lease(quiet_db):
    r = quiet_db
    url = f"https://hooks-{secrets.token_hex(4)}.example.com/tf"
    dead, waiting = f"dead-{secrets.token_hex(4)}", [f"w{n}-{secrets.token_hex(4)}" for n in range(3)]
    far = clock.timestamp() + 120  # where a waiting hook's second look puts it in the due set
    r.zadd(DUE, {hook: far for hook in waiting})
    assert acquire_slot(r, url, dead, cap=1, lease=0.2)
    assert all(acquire_slot(r, url, hook, cap=1, lease=LEASE) is None for hook in waiting)
    # Its holder is alive: nobody is called.
    assert not set(waiting) & set(call_stalled_lines(r, cap=1))
    time.sleep(0.3)
    # Its holder died and no release came: the sweep calls the head of the line, leased in the due set,
    # so that the promoter publishes it again if that call is lost...
    assert waiting[0] in call_stalled_lines(r, cap=1)
    assert r.zscore(DUE, waiting[0]) <= clock.timestamp() + DELIVERY_LEASE_SECONDS
    # ...and the sweeps that follow do not call it again meanwhile, nor anyone behind it.
    assert not set(waiting) & set(call_stalled_lines(r, cap=1))
    assert r.zscore(DUE, waiting[1]) == far
