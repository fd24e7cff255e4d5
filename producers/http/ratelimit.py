"""Requests per second per client, counted in Redis so that every gunicorn worker on every machine
shares one budget; over it, HTTP 429 as TusFacturas answers (developers.tusfacturas.app).

The algorithm is GCRA (the generic cell rate algorithm, as in redis-cell): one key per client holds the
theoretical arrival time of its next request. `burst` requests may come at once, then one every
1/`rate` seconds; a refused request costs nothing and learns exactly how long to wait. A budget may
also be looked at without spending it (`waiting`), for what counts only failures. Redis' own
clock is used, so machines with skewed clocks agree. It is written here, a few lines of Lua, because
the `limits` library caps redis-py below the 8.x this project uses.
"""

from __future__ import annotations

from config.keys import key

_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next_tat = tat + interval
local wait = next_tat - tolerance - now
if wait > 0 then return math.ceil(wait) end
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1)
return 0
"""

_PEEK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
local wait = math.max(tat, now) + tonumber(ARGV[1]) - tonumber(ARGV[2]) - now
if wait > 0 then return math.ceil(wait) end
return 0
"""


def rate_key(subject: str) -> str:
    return key("ratelimit", subject)


def take(r, subject: str, *, rate: float, burst: int) -> float:
    """Count one request of `subject`; returns 0 if it may go on, else the seconds to wait."""
    interval = 1_000_000 / rate
    wait_us = r.register_script(_GCRA)(keys=[rate_key(subject)], args=[repr(interval), repr(interval * burst)])
    return wait_us / 1_000_000


def waiting(r, subject: str, *, rate: float, burst: int) -> float:
    """What `take` would answer now, without counting anything: 0, or the seconds to wait."""
    interval = 1_000_000 / rate
    wait_us = r.register_script(_PEEK)(keys=[rate_key(subject)], args=[repr(interval), repr(interval * burst)])
    return wait_us / 1_000_000
