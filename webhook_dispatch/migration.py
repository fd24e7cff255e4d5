"""Moving hooks stored by an earlier version to the current layout, in place and while the service runs
(`encola migrate` calls `migrate`; docs/webhooks.md):

- a hook stored with its `body` is stored as the event's parameters when the body they build is the
  stored one byte for byte; otherwise it keeps its `body`, which is sent as it was stored
  (events.stored_body). Fields nobody reads any more (`id`, `delivered_at`, `last_status`) and empty ones
  go. Each hook is written anew (keeping its expiry) in its own WATCHed transaction, so a delivery
  recording an attempt meanwhile makes it read the hook again rather than lose either write;
- each point of sale's `hooks:waiting` set is dropped, after every hook in it still `pendiente` is put
  back in the `pendiente` index (an earlier version trimmed that index by age);
- each per-reference `ref_hooks:<reference>` sorted set moves into the reference index
  (webhook_dispatch/reference_index.py), all of it: the hook log drops what is past the retention when it
  reads, so what is moved does not depend on the day the migration runs.
- each point of sale's log of hooks (`pdv:<pdv>:hooks`, layouts 1 and 2) goes: the log is now the union
  of the indices per state (webhook_dispatch/hook_log.py). Each hook it lists that still exists is put in
  the index of its state first, where it should already be, so that no hook leaves the log. A log is read
  CHUNK hooks at a time and deleted last, so a migration stopped half way redoes it whole.

Running it again changes nothing.
"""

from __future__ import annotations

import json
import re

from redis.exceptions import WatchError

from config.keys import key
from webhook_dispatch import reference_index
from webhook_dispatch.events import DEFAULT_RECURSO, Event, is_hook_id
from webhook_dispatch.outbox import hook_key, pdv_state_hooks_key, retention_seconds

# The keys every payload has; any other key came from the event's `extra` (events.payload_text).
_BASE_KEYS = ("creado", "evento", "recurso", "external_reference", "intento", "msg", "hook_id")
# Fields whose absence means the same as their empty value, and the default `automatic`.
_DROPPED = ("id", "delivered_at", "last_status")
_EMPTY_MEANS_ABSENT = ("line", "attempt_until", "manual", "next_at", "failure", "comprobante")

CHUNK = 1000
# The point of sale's log of every hook, before it became the union of the indices per state.
_PDV_LOG = re.compile(re.escape(key("pdv", "")) + r"([^:]+):hooks")

# KEYS[1]: a point of sale's old log. ARGV: the hook key prefix, the state index prefix, from, to (ranks).
# Puts each hook listed there that still exists in the index of its state, if it is not in it yet;
# answers how many it put.
_REINDEX = """
local restored = 0
local members = redis.call('ZRANGE', KEYS[1], ARGV[3], ARGV[4], 'WITHSCORES')
for i = 1, #members, 2 do
  local state = redis.call('HGET', ARGV[1] .. members[i], 'state')
  if state then
    restored = restored + redis.call('ZADD', ARGV[2] .. state, 'NX', members[i + 1], members[i])
  end
end
return restored
"""

_DROP_WAITING = """
local moved = 0
local members = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #members, 2 do
  if redis.call('HGET', ARGV[1] .. members[i], 'state') == 'pendiente' then
    moved = moved + redis.call('ZADD', KEYS[2], 'NX', members[i + 1], members[i])
  end
end
redis.call('DEL', KEYS[1])
return moved
"""


def migrate(r) -> dict[str, int]:
    """Migrate every stored hook and index; returns how many of each thing it changed."""
    counts = {"hooks_rebuilt": 0, "hooks_kept_with_body": 0, "waiting_sets_dropped": 0,
              "pending_restored": 0, "reference_sets_moved": 0, "reference_entries_moved": 0,
              "hook_logs_dropped": 0, "hooks_reindexed": 0}
    for name in r.scan_iter(match=hook_key("*"), count=1000):
        hook_id = name[len(hook_key("")):]
        if is_hook_id(hook_id):
            outcome = _migrate_hook(r, hook_id)
            if outcome:
                counts[outcome] += 1
    for name in r.scan_iter(match=key("pdv", "*", "hooks", "waiting"), count=1000):
        pdv_id = name[len(key("pdv", "")):].split(":", 1)[0]
        counts["pending_restored"] += r.eval(_DROP_WAITING, 2, name, pdv_state_hooks_key(pdv_id, "pendiente"),
                                             hook_key(""))
        counts["waiting_sets_dropped"] += 1
    for name in r.scan_iter(match=key("pdv", "*", "ref_hooks", "*"), count=1000):
        counts["reference_entries_moved"] += _move_reference_set(r, name)
        counts["reference_sets_moved"] += 1
    for name in list(r.scan_iter(match=key("pdv", "*", "hooks"), count=1000, _type="zset")):
        if found := _PDV_LOG.fullmatch(name):
            counts["hooks_reindexed"] += _drop_pdv_log(r, name, found.group(1))
            counts["hook_logs_dropped"] += 1
    return counts


def _drop_pdv_log(r, name: str, pdv_id: str) -> int:
    """Put the hooks of a point of sale's old log in their state indices, then delete it; how many hooks
    were missing from their state's index."""
    restored = 0
    for start in range(0, r.zcard(name), CHUNK):
        restored += r.eval(_REINDEX, 1, name, hook_key(""), pdv_state_hooks_key(pdv_id, ""), start, start + CHUNK - 1)
    r.delete(name)
    return restored


def _migrate_hook(r, hook_id: str) -> str | None:
    """Rewrite one hook stored with its body; which count it adds to, or None if it needed nothing."""
    name = hook_key(hook_id)
    with r.pipeline() as pipe:
        while True:
            try:
                pipe.watch(name)
                hook = pipe.hgetall(name)
                if "body" not in hook or "evento" not in hook:
                    return None
                fields, outcome = _new_fields(hook_id, hook)
                if fields == hook:
                    return None
                expires_in = pipe.pttl(name)
                # Written anew, not edited: Redis never turns a hashtable back into a listpack.
                pipe.multi()
                pipe.delete(name)
                pipe.hset(name, mapping=fields)
                if expires_in > 0:
                    pipe.pexpire(name, expires_in)
                pipe.execute()
                return outcome
            except WatchError:
                continue


def _new_fields(hook_id: str, hook: dict[str, str]) -> tuple[dict[str, str], str]:
    """The fields the hook keeps, and whether its body could be rebuilt."""
    kept = {name: value for name, value in hook.items()
            if name not in _DROPPED and not (name in _EMPTY_MEANS_ABSENT and value == "")
            and not (name == "automatic" and value == "1")}
    event = _event(hook_id, hook)
    if event is None or event.body != hook["body"]:
        return kept, "hooks_kept_with_body"
    del kept["body"]
    return {**kept, **event.fields()}, "hooks_rebuilt"


def _event(hook_id: str, hook: dict[str, str]) -> Event | None:
    """The event whose parameters the stored body shows; None for a body that is not such a payload."""
    try:
        payload = json.loads(hook["body"])
        return Event(hook_id, hook["pdv"], hook["evento"], hook["external_reference"], hook.get("comprobante", ""),
                     float(hook["created"]), payload["intento"], tuple(payload["msg"]),
                     {name: value for name, value in payload.items() if name not in _BASE_KEYS},
                     payload.get("recurso", DEFAULT_RECURSO))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _move_reference_set(r, name: str) -> int:
    """Move one `ref_hooks:<reference>` set into the reference index; how many entries it moved."""
    pdv_id, reference = name[len(key("pdv", "")):].split(":ref_hooks:", 1)
    with r.pipeline() as pipe:
        while True:
            try:
                pipe.watch(name)
                entries = [hook_id for hook_id in pipe.zrange(name, 0, -1) if is_hook_id(hook_id)]
                pipe.multi()
                reference_index.stage_add(pipe, [(pdv_id, reference, hook_id) for hook_id in entries],
                                          retention=retention_seconds())
                pipe.delete(name)
                pipe.execute()
                return len(entries)
            except WatchError:
                continue
