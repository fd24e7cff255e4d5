"""How the instant `nuevo` learns its comprobante's outcome without emitting it itself.

The web process accepts the comprobante (marked instant), publishes its lane's drain to the emision
workers like any due lane, and blocks on a per-comprobante Redis list. The transitions that end an
attempt (to `emitido` or `error`, or back to `encolado` for a retry) push onto that list inside the
MULTI that writes the new state, so the web wakes exactly when the state it then reads is committed.
The list expires shortly after each push, and the waiter deletes it when done, so nothing is left
behind when nobody waits (a web that died, a retry after the answer was given).
"""

from __future__ import annotations

import time

from comprobantes.lifecycle import TRANSITIONS
from config.keys import key

OUTCOME_SECONDS = 30  # enough for the web to reach its blocking pop after publishing the drain
_SLICE_SECONDS = 5.0  # each blocking pop stays under the client's socket timeout (config.redis_client)
_SHORTEST_SECONDS = 0.01  # Redis reads a block shorter than a millisecond as "block for ever"
_ENDS_AN_ATTEMPT = {(t.source, t.target) for t in TRANSITIONS if t.change in ("emitted", "failed", "failed_unclaimed",
                                                                             "released")}


def outcome_key(rid: str) -> str:
    return key("cbte", rid, "outcome")


def stage_outcome(pipe, record, new_state: str) -> None:
    """Inside a transition's MULTI: tell a waiting instant request that this attempt has ended."""
    if record.instant and (record.state, new_state) in _ENDS_AN_ATTEMPT:
        pipe.rpush(outcome_key(record.id), new_state)
        pipe.expire(outcome_key(record.id), OUTCOME_SECONDS)


def wait_for_outcome(r, rid: str, seconds: float) -> str | None:
    """The state the comprobante's attempt ended in, or None if none ended within `seconds`."""
    deadline = time.monotonic() + seconds
    try:
        while (left := deadline - time.monotonic()) >= _SHORTEST_SECONDS:
            popped = r.blpop([outcome_key(rid)], timeout=min(left, _SLICE_SECONDS))
            if popped:
                return popped[1]
        return None
    finally:
        r.delete(outcome_key(rid))
