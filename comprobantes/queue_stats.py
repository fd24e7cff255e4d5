"""Figures of the queue read from its indices: per point of sale and state, and per lane the due
backlog and since when its oldest comprobante is due. For metrics, the status command and the page."""

from __future__ import annotations

from datetime import date

from accounts.points_of_sale import list_points_of_sale
from comprobantes.lifecycle import IN_QUEUE, State
from comprobantes.store import DAY, LANES_DUE, due_score_bound, pending_key, state_key
from config import clock

def state_counts(r, states=IN_QUEUE) -> dict[tuple[str, str], int]:
    pdvs = [pdv.id for pdv in list_points_of_sale(r)]
    pipe = r.pipeline(transaction=False)
    for pdv in pdvs:
        for state in states:
            pipe.zcard(state_key(pdv, state))
    counts = iter(pipe.execute())
    return {(pdv, state): next(counts) for pdv in pdvs for state in states}


def emitted_counts(r, since: float) -> tuple[int, int]:
    """(comprobantes emitted, of them emitted at or after `since`), every point of sale together: the
    emitted index is scored by the moment of emission."""
    keys = [state_key(pdv.id, State.EMITIDO) for pdv in list_points_of_sale(r)]
    pipe = r.pipeline(transaction=False)
    for emitted in keys:
        pipe.zcard(emitted)
        pipe.zcount(emitted, since, "+inf")
    counts = pipe.execute()
    return sum(counts[0::2]), sum(counts[1::2])


def lane_backlogs(r) -> dict[str, tuple[int, float]]:
    """lane → (due comprobantes, epoch at which the first of them fell due) for lanes with work."""
    lanes = r.zrange(LANES_DUE, 0, -1)
    bound = due_score_bound(clock.today_ar())
    pipe = r.pipeline(transaction=False)
    for lane in lanes:
        pipe.zcount(pending_key(lane), "-inf", f"({bound}")
        pipe.zrange(pending_key(lane), 0, 0, withscores=True)
    replies = pipe.execute()
    backlogs = {}
    for lane, due, first in zip(lanes, replies[0::2], replies[1::2]):
        first_due = clock.start_of_day_ar(date.fromordinal(int(first[0][1]) // DAY)) if first else 0.0
        backlogs[lane] = (due, first_due)
    return backlogs

