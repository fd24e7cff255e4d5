"""The lines hooks wait in at their origin (scheme://host:port), and the slots that drain them.

An origin is drained like an emission lane: a drain task holds one of the origin's slots (at most
ENCOLA_WEBHOOK_MAX_PER_ENDPOINT at once, whichever points of sale share the origin) and, in a loop, takes
the next hook, sends it and takes another, until no hook is waiting. No broker message per hook.

Per origin, in Redis (`endpoint:<origin id>:…`):
- `line:<pdv>`: one sub-line per point of sale, its hooks ordered by when they fell due;
- `ring`: the points of sale with hooks waiting, served round-robin, one hook per turn (score: the turn
  it was last served in; a point of sale that starts waiting gets 0 and is served next), so a point of
  sale with thousands waiting delays another's hooks by at most one delivery per slot;
- `urgent`: manual attempts (a redelivery, the `test` event), taken before any sub-line;
- `slots`: the drains' tokens, scored by when their lease ends in real seconds (a dead drain's slot
  frees itself); `starting`: the token of a drain published and not started yet.

A hook knows the line it waits in (`line`) and, while an attempt is under way, until when (`attempt_until`):
an offer never puts it in a second line, nor in one while it is being sent, nor a finished hook that no
manual attempt was asked for. A hook in a line is out of
the due set (the line holds it); the beat sweep starts a drain for an origin whose slots all died.

Wakes are cheap: an offer or a take starts a new drain only when the origin has a free slot and no drain
already starting, so a request that queues a thousand hooks publishes at most one message per origin.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from config import clock
from config.keys import key
from config.lua import Lua, execute

# The origins that may have hooks waiting, for the sweep (which forgets the ones it finds empty).
ORIGINS = key("endpoints", "origins")
TOKENS = key("endpoints", "tokens")
# How long a published drain may wait in the broker before its slot frees itself (a lost publish, a worker
# killed with it prefetched): the sweep then starts another.
START_LEASE_SECONDS = 30.0
# Where a hook whose point of sale is gone waits: a line of its own, drained like any other (the attempt
# records why nothing was sent, and the schedule retries it until it fails).
NOWHERE = "nowhere"


def origin(url: str) -> str:
    """scheme://host:port: the unit the cap protects, whichever points of sale share it."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


@lru_cache(maxsize=4096)
def origin_id(url: str | None) -> str:
    """The origin's name in keys and task arguments."""
    if not url:
        return NOWHERE
    return hashlib.sha256(origin(url).encode()).hexdigest()[:24]


def prefix(oid: str) -> str:
    return key("endpoint", oid, "")


def line_key(oid: str, pdv_id: str) -> str:
    """The sub-line of a point of sale's hooks at an origin."""
    return prefix(oid) + "line:" + pdv_id


# Shared by the scripts: drop dead slots and a start that never came; start a drain if the origin has
# hooks waiting, a free slot and no drain already starting; do both for each of several origins (origin id
# → prefix), answering origin id, token for each drain to publish. `op` is the origin's key prefix.
_START_IF_NEEDED = """
local function clean(op, now)
  redis.call('ZREMRANGEBYSCORE', op .. 'slots', '-inf', now)
  for _, t in ipairs(redis.call('SMEMBERS', op .. 'starting')) do
    if not redis.call('ZSCORE', op .. 'slots', t) then redis.call('SREM', op .. 'starting', t) end
  end
end
local function start_if_needed(op, now, cap, start_lease)
  if redis.call('ZCARD', op .. 'urgent') + redis.call('ZCARD', op .. 'ring') == 0 then return false end
  if redis.call('ZCARD', op .. 'slots') >= cap or redis.call('SCARD', op .. 'starting') > 0 then return false end
  local token = tostring(redis.call('INCR', KEYS[3]))
  redis.call('ZADD', op .. 'slots', now + start_lease, token)
  redis.call('SADD', op .. 'starting', token)
  return token
end
local function start_each(origins, now, cap, start_lease)
  local started = {}
  for oid, op in pairs(origins) do
    clean(op, now)
    local token = start_if_needed(op, now, cap, start_lease)
    if token then started[#started + 1] = oid; started[#started + 1] = token end
  end
  return started
end
"""

# KEYS: due set, origins, token counter. ARGV: now (real), cap, start lease, then per hook: id, its hash's
# key, origin id, origin prefix, point of sale, score (when it fell due), urgent ('1' or '0').
# Answers origin id, token for each drain to publish.
_OFFER = _START_IF_NEEDED + """
local now, cap, start_lease = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local touched = {}
for i = 4, #ARGV, 7 do
  local hook, hk, oid, op, pdv, score, urgent = unpack(ARGV, i, i + 6)
  local h = redis.call('HMGET', hk, 'state', 'line', 'attempt_until', 'manual')
  if not h[1] or (h[1] ~= 'pendiente' and (h[4] or '') == '') then
    redis.call('ZREM', KEYS[1], hook)
  elseif not (h[3] and h[3] ~= '' and tonumber(h[3]) > now) then
    local line = urgent == '1' and (op .. 'urgent') or (op .. 'line:' .. pdv)
    local elsewhere = h[2] and h[2] ~= '' and h[2] ~= line
    if elsewhere and urgent ~= '1' then
      redis.call('ZREM', KEYS[1], hook)
    else
      if elsewhere then redis.call('ZREM', h[2], hook) end
      redis.call('ZADD', line, 'NX', score, hook)
      if urgent ~= '1' then redis.call('ZADD', op .. 'ring', 'NX', 0, pdv) end
      redis.call('HSET', hk, 'line', line)
      redis.call('ZREM', KEYS[1], hook)
      redis.call('SADD', KEYS[2], oid)
      touched[oid] = op
    end
  end
end
return start_each(touched, now, cap, start_lease)
"""

# KEYS as _OFFER's. ARGV: now (real), cap, start lease, then the id and prefix of each origin given hooks
# by stage_new. Answers origin id, token for each drain to publish.
_START = _START_IF_NEEDED + """
local origins = {}
for i = 4, #ARGV, 2 do origins[ARGV[i]] = ARGV[i + 1] end
return start_each(origins, tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
"""

# KEYS: due set, origins, token counter. ARGV: origin prefix, token, now (real), cap, start lease, slot
# lease end (real), due-set lease (development clock), hook key prefix, point of sale key prefix, endpoint
# key suffix, then the digests of the points of sale and endpoints the drain already holds.
# Answers {} when the drain is to stop (nothing waits, its slot is lost and none is free, or more drains
# hold slots than the cap allows, as when processes disagree on it), else {hook id, sibling token or '',
# the digest of its point of sale's and endpoint's fields, then the hook's, its point of sale's and its
# endpoint's fields (HGETALL), each list after its length}: what the attempt needs, in the same round
# trip. The point of sale's and endpoint's are left out (length 0) when the drain holds their digest:
# they are as it read them last, and parsing them again was a good part of a delivery's CPU.
_TAKE = Lua(_START_IF_NEEDED + """
local op, token, now, cap = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local slots = op .. 'slots'
clean(op, now)
redis.call('SREM', op .. 'starting', token)
local held = redis.call('ZSCORE', slots, token)
if (not held and redis.call('ZCARD', slots) >= cap) or redis.call('ZCARD', slots) > cap then
  redis.call('ZREM', slots, token)
  return {}
end
local hook = nil
local urgent = redis.call('ZPOPMIN', op .. 'urgent')
if #urgent > 0 then hook = urgent[1] end
while not hook do
  local first = redis.call('ZRANGE', op .. 'ring', 0, 0)
  if #first == 0 then
    redis.call('ZREM', slots, token)
    return {}
  end
  local line = op .. 'line:' .. first[1]
  local popped = redis.call('ZPOPMIN', line)
  if redis.call('ZCARD', line) == 0 then
    redis.call('ZREM', op .. 'ring', first[1])
  else
    redis.call('ZADD', op .. 'ring', redis.call('INCR', op .. 'turn'), first[1])
  end
  if #popped > 0 then hook = popped[1] end
end
redis.call('ZADD', slots, ARGV[6], token)
local hk = ARGV[8] .. hook
local fields = redis.call('HGETALL', hk)
if #fields > 0 then
  redis.call('HDEL', hk, 'line')
  redis.call('HSET', hk, 'attempt_until', ARGV[6])
  redis.call('ZADD', KEYS[1], ARGV[7], hook)
end
local sibling = start_if_needed(op, now, cap, tonumber(ARGV[5])) or ''
local pdv, seller, endpoint, digest = nil, {}, {}, ''
for i = 1, #fields, 2 do if fields[i] == 'pdv' then pdv = fields[i + 1] end end
if pdv then
  seller = redis.call('HGETALL', ARGV[9] .. pdv)
  endpoint = redis.call('HGETALL', ARGV[9] .. pdv .. ARGV[10])
  if #seller > 0 and #endpoint > 0 then
    digest = redis.sha1hex(cjson.encode({seller, endpoint}))
    for i = 11, #ARGV do
      if ARGV[i] == digest then seller, endpoint = {}, {} end
    end
  end
end
local answer = {hook, sibling, digest}
for _, part in ipairs({fields, seller, endpoint}) do
  answer[#answer + 1] = #part
  for _, value in ipairs(part) do answer[#answer + 1] = value end
end
return answer
""")

# A drain that used its time hands its slot to the drain it publishes next (KEYS[1]: the origin's prefix).
_HAND_OVER = """
redis.call('ZADD', KEYS[1] .. 'slots', ARGV[2], ARGV[1])
redis.call('SADD', KEYS[1] .. 'starting', ARGV[1])
return 1
"""

# KEYS: due set, origins, token counter. ARGV: now (real), cap, start lease, origins prefix.
# For every origin with hooks waiting and no live slot (its drains died), start one.
_RESTART_STALLED = _START_IF_NEEDED + """
local now, cap, start_lease = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local started = {}
for _, oid in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local op = ARGV[4] .. oid .. ':'
  clean(op, now)
  if redis.call('ZCARD', op .. 'urgent') + redis.call('ZCARD', op .. 'ring') == 0 then
    redis.call('SREM', KEYS[2], oid)
  elseif redis.call('ZCARD', op .. 'slots') == 0 then
    local token = start_if_needed(op, now, cap, start_lease)
    if token then started[#started + 1] = oid; started[#started + 1] = token end
  end
end
return started
"""

# KEYS: origins. ARGV: origins prefix, now (real) or '' for every origin. The hooks waiting in lines (of
# origins with no live slot, when ARGV[2] is a time).
_WAITING = """
local total = 0
for _, oid in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local op = ARGV[1] .. oid .. ':'
  if ARGV[2] == '' or redis.call('ZCOUNT', op .. 'slots', '(' .. ARGV[2], '+inf') == 0 then
    total = total + redis.call('ZCARD', op .. 'urgent')
    for _, pdv in ipairs(redis.call('ZRANGE', op .. 'ring', 0, -1)) do
      total = total + redis.call('ZCARD', op .. 'line:' .. pdv)
    end
  end
end
return total
"""


@dataclass(frozen=True)
class Waiting:
    """A hook to offer to its origin's line."""

    hook_id: str
    hook_key: str
    url: str | None  # its point of sale's webhook URL; None when the point of sale is gone
    pdv_id: str
    score: float
    urgent: bool


@dataclass(frozen=True)
class Taken:
    """What a drain took: the hook (its fields, empty if it is gone), a sibling drain to publish, and its
    point of sale's fields and its endpoint's (HGETALL's list), as they were when it was taken, with their
    digest; both empty when the drain said it held that digest."""

    hook_id: str
    hook: dict[str, str]
    sibling: str
    digest: str
    pdv: dict[str, str]
    endpoint: list[str]


def _pairs(flat: list[str]) -> list[tuple[str, str]]:
    return list(zip(flat[::2], flat[1::2]))


def offer(r, due: str, waiting: list[Waiting], *, cap: int) -> list[tuple[str, str]]:
    """Put hooks in their origins' lines (a hook already waiting or being sent is left where it is);
    returns (origin id, token) for each drain to publish."""
    if not waiting:
        return []
    args = [repr(time.time()), cap, START_LEASE_SECONDS]
    for hook in waiting:
        oid = origin_id(hook.url)
        args += [hook.hook_id, hook.hook_key, oid, prefix(oid), hook.pdv_id, repr(hook.score),
                 "1" if hook.urgent else "0"]
    return _pairs(r.eval(_OFFER, 3, due, ORIGINS, TOKENS, *args))


def stage_new(pipe, lined: dict[str, dict[str, dict[str, float]]]) -> None:
    """Stage into an open MULTI hooks that the same transaction creates, straight into their lines:
    {origin id: {point of sale: {hook id: when it fell due}}}. What an offer does for a hook that waits
    nowhere yet and is due now, without reading it; the hook's own `line` is the caller's to write. Their
    drains are started after the commit (start)."""
    for oid, pdvs in lined.items():
        for pdv_id, hooks in pdvs.items():
            pipe.zadd(line_key(oid, pdv_id), hooks, nx=True)
        pipe.zadd(prefix(oid) + "ring", dict.fromkeys(pdvs, 0), nx=True)
    if lined:
        pipe.sadd(ORIGINS, *lined)


def start(r, due: str, oids: list[str], *, cap: int) -> list[tuple[str, str]]:
    """(origin id, token) of a drain for each of `oids` that has hooks waiting, a free slot and no drain
    starting."""
    if not oids:
        return []
    args = [repr(time.time()), cap, START_LEASE_SECONDS]
    for oid in oids:
        args += [oid, prefix(oid)]
    return _pairs(r.eval(_START, 3, due, ORIGINS, TOKENS, *args))


def take(r, due: str, oid: str, token: str, *, cap: int, lease: float, hook_prefix: str, pdv_prefix: str,
         endpoint_suffix: str, known: tuple[str, ...] = ()) -> Taken | None:
    """The next hook for the drain holding `token`, its slot leased for one attempt (`lease` seconds);
    None when the drain is to stop. `known`: the digests of the points of sale and endpoints it holds."""
    pipe = r.pipeline(transaction=False)
    queue_take(pipe, due, oid, token, cap=cap, lease=lease, hook_prefix=hook_prefix, pdv_prefix=pdv_prefix,
               endpoint_suffix=endpoint_suffix, known=known)
    return taken(execute(pipe)[0])


def queue_take(pipe, due: str, oid: str, token: str, *, cap: int, lease: float, hook_prefix: str,
               pdv_prefix: str, endpoint_suffix: str, known: tuple[str, ...] = ()) -> None:
    """Add `take` to a pipeline, so that it shares a round trip with what comes before it; `taken` reads
    its reply."""
    now = time.time()
    _TAKE(pipe, [due, ORIGINS, TOKENS], [prefix(oid), token, repr(now), cap, START_LEASE_SECONDS, repr(now + lease),
                                       repr(clock.timestamp() + lease), hook_prefix, pdv_prefix, endpoint_suffix, *known])


def taken(answer: list) -> Taken | None:
    """What the reply of _TAKE names."""
    if not answer:
        return None
    hook_id, sibling, digest, *rest = answer
    parts = []
    for _ in range(3):
        length, rest = rest[0], rest[1:]
        parts.append(rest[:length])
        rest = rest[length:]
    hook, pdv, endpoint = parts
    return Taken(hook_id=hook_id, hook=dict(_pairs(hook)), sibling=sibling, digest=digest, pdv=dict(_pairs(pdv)),
                 endpoint=endpoint)


def hand_over(r, oid: str, token: str) -> None:
    """Keep the slot for the drain that `token` is published to next."""
    r.eval(_HAND_OVER, 1, prefix(oid), token, repr(time.time() + START_LEASE_SECONDS))


def restart_stalled(r, due: str, *, cap: int) -> list[tuple[str, str]]:
    """(origin id, token) of a drain for every origin whose hooks wait with no live drain."""
    return _pairs(r.eval(_RESTART_STALLED, 3, due, ORIGINS, TOKENS, repr(time.time()), cap, START_LEASE_SECONDS,
                         key("endpoint", "")))


def waiting_count(r) -> int:
    """Every hook waiting in a line."""
    return int(r.eval(_WAITING, 1, ORIGINS, key("endpoint", ""), ""))


def stalled_count(r) -> int:
    """The hooks waiting at origins that no live drain serves (beat's sweep starts one within a second)."""
    return int(r.eval(_WAITING, 1, ORIGINS, key("endpoint", ""), repr(time.time())))
