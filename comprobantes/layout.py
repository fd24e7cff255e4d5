"""Which layout of the store a Redis holds, so that no process serves a store it cannot read.

Issue 19 changed how a comprobante is stored (one compressed value instead of a hash and an audit list,
its reference in a bucketed index: comprobantes/record_codec.py, comprobantes/references.py) and how a
hook is stored; layout 3 dropped each point of sale's log of hooks, now the union of its indices per
state (webhook_dispatch/hook_log.py). A store written before is converted by `encola migrate`
(comprobantes/migration.py, docs/operating.md, "Upgrading"), which then records the current layout. A
Redis that has never held a comprobante is of the current layout from the start. Every process checks at
start (the web process when it loads, the workers and beat when Celery starts them) and refuses a store
that needs migrating, with a message saying so, instead of failing on its first old record. A service
that enqueues through the Python API runs in a process of its own, which nothing checks at start: the
comprobante ids it takes (take_ids, the first write a store ever gets) are refused on such a store, and on
a new one they record the current layout in the same step, so that a producer which writes before any
encola process has started leaves a store they all accept.
"""

from __future__ import annotations

from config.keys import key
from config.lua import Lua
from config.settings import ConfigurationError

LAYOUT = key("layout")
CURRENT = "3"  # 1: before issue 19 (no LAYOUT key); 2: with the point of sale's log of hooks
# Created with the first comprobante a store ever accepts: a store with it and no LAYOUT is of layout 1.
_FIRST_WRITE = key("seq", "cbte")

# Marks a new store as current; then takes ARGV[2] comprobante ids and returns the last (0 when none).
# Nil for a store that must be migrated first.
_CLAIM = Lua("""
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  if redis.call('EXISTS', KEYS[2]) == 1 then return false end
  redis.call('SET', KEYS[1], ARGV[1])
end
if ARGV[2] == '0' then return 0 end
return redis.call('INCRBY', KEYS[2], ARGV[2])
""")


def require_current(r) -> None:
    """Raises ConfigurationError when the store must be migrated first; marks a new store as current."""
    _claim(r, 0)


def take_ids(r, count: int) -> int:
    """The first of `count` new comprobante ids, in sequence; require_current's check and claim in the same
    step."""
    return _claim(r, count) - count + 1


def _claim(r, count: int) -> int:
    last = _CLAIM(r, [LAYOUT, _FIRST_WRITE], [CURRENT, count])
    if last is None:
        raise ConfigurationError(
            "This Redis holds comprobantes stored by an earlier version of encola: stop every encola process, "
            "run `encola migrate` once, then start them again (docs/operating.md, \"Upgrading\").")
    return last


def mark_current(r) -> None:
    r.set(LAYOUT, CURRENT)
