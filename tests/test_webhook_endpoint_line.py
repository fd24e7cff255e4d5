"""The lines at an origin and the drains' slots, on a database of the test run's Redis that no sweep works
in: the round-robin between points of sale, manual attempts first, the cap, how drains start (one at a
time), how a dead drain's slot frees itself and the sweep starts another, and that a hook is never in two
places at once."""

from __future__ import annotations

import secrets
import time

from accounts.points_of_sale import pdv_key
from webhook_dispatch import origin_lines
from webhook_dispatch.endpoints import STATE_SUFFIX
from webhook_dispatch.origin_lines import Waiting
from webhook_dispatch.outbox import DUE, hook_key, pending_count

LEASE = 30


def _url() -> str:
    return f"https://hooks-{secrets.token_hex(4)}.example.com/tf"


def _offer(r, url: str, pdv: str, hooks: list[str], *, cap: int = 4, urgent: bool = False, at: float = 0.0):
    for hook in hooks:
        r.hset(hook_key(hook), mapping={"id": hook, "pdv": pdv, "state": "pendiente"})
        r.zadd(DUE, {hook: at})
    return origin_lines.offer(r, DUE, [Waiting(hook, hook_key(hook), url, pdv, at + n, urgent)
                                       for n, hook in enumerate(hooks)], cap=cap)


def _take(r, oid: str, token: str, *, cap: int = 4, lease: float = LEASE):
    return origin_lines.take(r, DUE, oid, token, cap=cap, lease=lease, hook_prefix=hook_key(""),
                             pdv_prefix=pdv_key(""), endpoint_suffix=STATE_SUFFIX)


def _drain_ids(r, oid: str, token: str, n: int, *, cap: int = 4) -> list[str]:
    return [_take(r, oid, token, cap=cap).hook_id for _ in range(n)]


def test_points_of_sale_sharing_an_origin_are_served_round_robin_and_manual_attempts_first(quiet_db):
    r, url = quiet_db, _url()
    oid = origin_lines.origin_id(url)
    [(started_oid, token)] = _offer(r, url, "busy", [f"a{n}" for n in range(6)])
    assert started_oid == oid
    assert _take(r, oid, token).hook_id == "a0"
    # Another point of sale's hooks, offered behind the busy one's backlog, go next, one per turn...
    assert _offer(r, url.replace("/tf", "/otra"), "quiet", ["b0", "b1"]) == []  # a drain is live: no new one
    assert _drain_ids(r, oid, token, 4) == ["b0", "a1", "b1", "a2"]
    # ...and a manual attempt goes before both.
    _offer(r, url, "quiet", ["m0"], urgent=True)
    assert _drain_ids(r, oid, token, 4) == ["m0", "a3", "a4", "a5"]
    assert _take(r, oid, token) is None
    assert r.zscore(origin_lines.prefix(oid) + "slots", token) is None  # a drain that stops frees its slot


def test_drains_start_one_at_a_time_up_to_the_cap(quiet_db):
    r, url = quiet_db, _url()
    oid = origin_lines.origin_id(url)
    [(_, first)] = _offer(r, url, "p", [f"h{n}" for n in range(10)], cap=2)
    assert _offer(r, url, "p", ["h10"], cap=2) == []  # one already starting
    taken = _take(r, oid, first, cap=2)
    assert taken.sibling  # it started: another may start
    again = _take(r, oid, first, cap=2)
    assert again.sibling == ""  # the sibling has not started yet
    assert _take(r, oid, taken.sibling, cap=2).sibling == ""  # two slots held: the cap
    assert _take(r, oid, "a-third", cap=2) is None  # no slot for a third drain
    # A process that counts a lower cap (settings that differ between processes) stops drains beyond it.
    assert _take(r, oid, taken.sibling, cap=1) is None
    assert _take(r, oid, first, cap=1).hook_id


def test_a_dead_drains_slot_frees_itself_and_the_sweep_starts_another(quiet_db):
    r, url = quiet_db, _url()
    oid = origin_lines.origin_id(url)
    [(_, token)] = _offer(r, url, "p", ["h0", "h1"], cap=1)
    assert _take(r, oid, token, cap=1, lease=0.2).hook_id == "h0"
    assert origin_lines.restart_stalled(r, DUE, cap=1) == []  # its holder is alive
    assert origin_lines.stalled_count(r) == 0
    time.sleep(0.3)
    assert origin_lines.stalled_count(r) == 1  # what monitoring calls overdue until the sweep comes
    [(restarted_oid, new)] = origin_lines.restart_stalled(r, DUE, cap=1)
    assert origin_lines.stalled_count(r) == 0
    assert restarted_oid == oid and new != token
    assert origin_lines.restart_stalled(r, DUE, cap=1) == []  # once: the new one is starting
    assert _take(r, oid, new, cap=1).hook_id == "h1"
    # The dead drain, come back, finds its slot taken and stops without sending anything.
    assert _take(r, oid, token, cap=1) is None


def test_a_hook_is_in_one_place_at_a_time(quiet_db):
    r, url = quiet_db, _url()
    oid = origin_lines.origin_id(url)
    [(_, token)] = _offer(r, url, "p", ["h0", "h1"])
    assert r.zscore(DUE, "h0") is None  # the line holds it, not the due set
    _offer(r, url, "p", ["h0", "h1"])  # offered again (a sweep, a duplicate message): still once
    assert pending_count(r) == 2
    r.hset(pdv_key("p"), "webhook_url", url)
    r.hset(pdv_key("p") + STATE_SUFFIX, "secret", "s")
    taken = _take(r, oid, token)
    # The hook comes with its point of sale and endpoint, read in the same step.
    assert taken.hook_id == "h0" and taken.hook["pdv"] == "p"
    assert taken.pdv == {"webhook_url": url} and taken.endpoint == ["secret", "s"]
    assert r.zscore(DUE, "h0") is not None  # being sent: the due set brings it back if its drain dies
    _offer(r, url, "p", ["h0"])  # while it is being sent nothing offers it again
    assert pending_count(r) == 2
    _offer(r, url, "p", ["h1"], urgent=True)  # a manual request moves a waiting hook to the front line
    assert _drain_ids(r, oid, token, 1) == ["h1"]
    assert _take(r, oid, token) is None
