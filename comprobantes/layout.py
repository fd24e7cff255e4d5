"""Which layout of the store a Redis holds, so that no process serves a store it cannot read.

Issue 19 changed how a comprobante is stored (one compressed value instead of a hash and an audit list,
its reference in a bucketed index: comprobantes/record_codec.py, comprobantes/references.py) and how a
hook is stored; layout 3 dropped each point of sale's log of hooks, now the union of its indices per
state (webhook_dispatch/hook_log.py). A store written before is converted by `encola migrate`
(comprobantes/migration.py, docs/operating.md, "Upgrading"), which then records the current layout. A
Redis that has never held a comprobante is of the current layout from the start. Every process checks at
start (the web process when it loads, the workers and beat when Celery starts them) and refuses a store
that needs migrating, with a message saying so, instead of failing on its first old record.
"""

from __future__ import annotations

from config.keys import key
from config.settings import ConfigurationError

LAYOUT = key("layout")
CURRENT = "3"  # 1: before issue 19 (no LAYOUT key); 2: with the point of sale's log of hooks
# Created with the first comprobante a store ever accepts: a store with it and no LAYOUT is of layout 1.
_FIRST_WRITE = key("seq", "cbte")

_CLAIM_FRESH = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""


def require_current(r) -> None:
    """Raises ConfigurationError when the store must be migrated first; marks a new store as current."""
    if not r.eval(_CLAIM_FRESH, 2, LAYOUT, _FIRST_WRITE, CURRENT):
        raise ConfigurationError(
            "This Redis holds comprobantes stored by an earlier version of encola: stop every encola process, "
            "run `encola migrate` once, then start them again (docs/operating.md, \"Upgrading\").")


def mark_current(r) -> None:
    r.set(LAYOUT, CURRENT)
