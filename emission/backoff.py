"""When a lane stops working for a while: the Backoff that ends a drain's pass until a given time,
and the delay after a failed call to AFIP, growing with the lane's failures in a row."""

from __future__ import annotations

from afip.failures import AfipError, AmbiguousError, AuthError, LoginInProgress, SequenceError, TransientError
from config import clock
from config.metrics import count
from config.retry_policy import emission_backoff
from emission.afip_caches import mark_afip_down
from emission.lane_state import LaneState


class AfipDown(TransientError):
    """FEDummy said (now, or within the last HEALTH_TTL_SECONDS) that AFIP is not OK."""


class Backoff(Exception):
    """Stop working the lane until `until` (epoch seconds)."""

    def __init__(self, until: float, reason: str):
        super().__init__(reason)
        self.until = until


# The label of each failure class in the emission counters (docs/operating.md, "Metrics").
FAILURE_LABELS = {SequenceError: "sequence", AmbiguousError: "ambiguous", TransientError: "transient",
                  AuthError: "auth"}


def attempt_label(exc: AfipError) -> str:
    """A failed FECAESolicitar's outcome: any class but the four above is a data error."""
    return FAILURE_LABELS.get(type(exc), "data")


def retry_label(exc: AfipError) -> str:
    """A backoff's reason: the class's label, else its name (AfipDown keeps the one it had while it was
    private to the emitter, so that counts already recorded go on under it)."""
    if type(exc) is AfipDown:
        return "_afipdown"
    return FAILURE_LABELS.get(type(exc), type(exc).__name__.lower())


def backoff_after(r, state: LaneState, exc: AfipError) -> Backoff:
    """Count the failure against the lane and say how long it waits before trying again."""
    state.note_failure(r)
    count(r, "encola_emission_retries", reason=retry_label(exc))
    # A real call that failed (not a wait for another process's login) tells every lane to probe
    # first; the probe caches its own answer, and must not prolong it, or lanes retrying in turn
    # would keep AFIP "down" for ever.
    if isinstance(exc, TransientError) and not isinstance(exc, (AmbiguousError, AfipDown, LoginInProgress)):
        mark_afip_down(r)
    delay = emission_backoff(state.failures)
    if isinstance(exc, AuthError) and exc.retry_after:
        delay = max(delay, exc.retry_after)
    return Backoff(clock.timestamp() + delay, "; ".join(exc.messages()))
