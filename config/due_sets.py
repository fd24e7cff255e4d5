"""Sorted sets of work that falls due at a time: the mechanism that keeps far-future work out of the
broker (docs/queue.md, "When it is emitted"). Lanes due to emit and webhook attempts due to be sent both live in one.

Claiming moves a member's score forward by a lease instead of removing it: if the process that
published its task dies, the member falls due again when the lease runs out and is claimed anew.
"""

from __future__ import annotations

_CLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
local now = tonumber(ARGV[4])
for i = 1, #due, 2 do
  local score = tonumber(due[i + 1])
  redis.call('ZADD', KEYS[1], math.max(score, now) + tonumber(ARGV[2]), due[i])
  out[#out + 1] = due[i]
  out[#out + 1] = due[i + 1]
end
return out
"""


def claim_due(r, zset: str, *, now: float, horizon: float, lease: float, limit: int = 1000) -> list[tuple[str, float]]:
    """Members due by `now + horizon`, each leased until its due time plus `lease`; (member, due time)."""
    flat = r.eval(_CLAIM, 1, zset, repr(now + horizon), repr(lease), limit, repr(now))
    return [(flat[i], float(flat[i + 1])) for i in range(0, len(flat), 2)]

