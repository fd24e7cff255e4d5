"""When each lane has work: the `lanes:due` set, beat's promotion, and handing a lane back when an
emitter is done with it."""

from __future__ import annotations

from comprobantes.store import DAY, LANES_DUE, pending_key
from config import clock
from config.after_commit import left_to_promoter
from config.celery_app import app
from config.due_sets import claim_due
from config.keys import key
from config.lua import Lua
from emission.lane_lock import lock_key

DRAIN_TASK = "encola.emision.drain_lane"
UNIX_EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal()
ARGENTINA_MIDNIGHT_UTC = 3 * 3600  # 00:00 in Argentina (UTC-3) is 03:00 UTC


def lane_key_meta(lane: str) -> str:
    return key("lane", lane)


def inflight_key(lane: str) -> str:
    return key("lane", lane, "inflight")


def publish_drain(lanes, *, eta_seconds: dict[str, float] | None = None) -> None:
    for lane in lanes:
        options = {}
        if eta_seconds and lane in eta_seconds:
            options["countdown"] = max(0.0, eta_seconds[lane])
        with left_to_promoter(f"drain of lane {lane}"):
            app.send_task(DRAIN_TASK, args=[lane], **options)


def promote_due(r, *, horizon: float, lease: float) -> int:
    """Publish a drain for every lane due within `horizon`; returns how many."""
    now = clock.timestamp()
    claimed = claim_due(r, LANES_DUE, now=now, horizon=horizon, lease=lease)
    publish_drain([lane for lane, _ in claimed], eta_seconds={lane: due - now for lane, due in claimed if due > now})
    return len(claimed)


def kicked_key(lane: str) -> str:
    return key("lane", lane, "kicked")


# A drain is published for new work only when no emitter would find the work without it: not while an
# emitter holds the lane (its `_FINISH`, atomic with this, sees the work and keeps going), nor while a
# drain published by an earlier kick has not started (it deletes the mark as it starts, before it reads
# the lane). Clients that send one comprobante per request would otherwise publish one drain each, which
# wait in the broker behind the lanes' emitters. Either way the lane falls due for beat within the lease
# (sooner if it was later: a backoff just lifted), so that beat publishes it if the holder dies or the
# message is lost. The lane is never pushed later: leasing it for the drain published here measured slower
# (E1 in lotes, BENCHMARKS.md; why was not profiled).
_KICK = Lua("""
redis.call('ZADD', KEYS[3], 'XX', 'LT', ARGV[2], ARGV[3])
if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('SET', KEYS[2], '1', 'PX', ARGV[1], 'NX') then return 1 end
return 0
""")


def kick_if_due(r, lane: str, due_at: float, *, lease: float) -> None:
    """Publish a drain right away for work that is already due, unless an emitter will find it without
    one (`_KICK`); later work is left to beat's promotion."""
    now = clock.timestamp()
    if due_at <= now:
        # The lane is already due in LANES_DUE (the transaction put it there): failing to kick it only
        # means beat publishes it on its next tick.
        with left_to_promoter(f"drain of lane {lane}"):
            if _KICK(r, [lock_key(lane), kicked_key(lane), LANES_DUE], [int(lease * 1000), repr(now + lease), lane]):
                publish_drain([lane])


# Decide, atomically with every other write to the lane, whether work is due now; if not (or if the
# emitter must yield), record when the lane is next due and release the lock.
_FINISH = f"""
if redis.call('GET', KEYS[4]) ~= ARGV[1] then return -1 end
local now = tonumber(ARGV[2])
local retry_at = tonumber(redis.call('HGET', KEYS[3], 'retry_at') or '0')
local nxt = nil
if redis.call('HLEN', KEYS[5]) > 0 then
  nxt = math.max(now, retry_at)
else
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if first[1] then
    local ordinal = math.floor(tonumber(first[2]) / {DAY})
    local due = (ordinal - {UNIX_EPOCH_ORDINAL}) * 86400 + {ARGENTINA_MIDNIGHT_UTC}
    nxt = math.max(due, retry_at)
  end
end
if nxt ~= nil and nxt <= now then
  if ARGV[3] == '0' then return 1 end
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[5])
  redis.call('DEL', KEYS[4])
  return 2
end
if nxt == nil then redis.call('ZREM', KEYS[2], ARGV[5]) else redis.call('ZADD', KEYS[2], nxt, ARGV[5]) end
redis.call('DEL', KEYS[4])
return 0
"""

MORE_WORK, YIELDED, RELEASED, LOST = 1, 2, 0, -1


def finish(r, lane: str, token: str, *, yield_lane: bool, lease: float) -> int:
    """MORE_WORK: work is due now, keep going (lock kept). YIELDED: work is due but the emitter used
    its budget; the lock is released and the caller publishes a new drain. RELEASED: nothing due now.
    LOST: the lock was no longer ours; nothing was changed."""
    return int(
        r.eval(
            _FINISH, 5, pending_key(lane), LANES_DUE, lane_key_meta(lane), lock_key(lane), inflight_key(lane),
            token, repr(clock.timestamp()), "1" if yield_lane else "0", repr(lease), lane,
        )
    )
