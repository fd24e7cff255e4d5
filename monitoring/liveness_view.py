"""Whether due work is moving, for `encola status` and `/metrics`: when each sweep last ran, which
beat leads, lanes with due work that nobody has published, and webhook attempts overdue.

A lane's score in the due set is when it is next due; publishing its drain (beat's sweep, or a
submission's kick) pushes the score forward by a lease, and the emitter sets it again when it
finishes. So a score more than STALL_GRACE_SECONDS in the past, on a lane no emitter holds, means
nobody published that lane: the sweep is not running or not reaching it. The hooks' due set works
the same way. A lane that holds queued comprobantes but is missing from the due set entirely would
never be published at all; it is found by asking each point of sale's lanes, one per tipo. A hook
waiting in its origin's line is overdue when no live drain serves that origin.

Scores are on the service's clock (config.clock, which development can move); sweep times are real
epoch seconds, as config.liveness records them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from accounts.points_of_sale import list_points_of_sale
from comprobantes.codes import BY_CBTE_TIPO
from comprobantes.store import LANES_DUE, lane_key, pending_key
from config import clock
from config.liveness import SWEEP_PERIOD_SECONDS, beat_leader, last_sweeps
from emission.lane_lock import lock_key
from webhook_dispatch import origin_lines
from webhook_dispatch.outbox import DUE

# A due member is published within one sweep period; three leave room for a sweep that runs late
# behind busy workers without calling that a stall.
STALL_GRACE_SECONDS = 3 * SWEEP_PERIOD_SECONDS


@dataclass
class Liveness:
    sweep_ages: dict[str, float]  # sweep name → seconds since it last ran
    leader: str | None  # host:pid of the leading beat
    stalled_lanes: dict[str, float]  # lane → when it fell due (service clock), unpublished since
    unscheduled_lanes: list[str]  # lanes holding queued comprobantes, missing from the due set
    webhooks_overdue: int
    oldest_overdue_hook: float | None  # when the longest-overdue hook fell due (service clock)

    @property
    def moving(self) -> bool:
        return not (self.stalled_lanes or self.unscheduled_lanes or self.webhooks_overdue)

    @property
    def lanes_stalled(self) -> int:
        return len(self.stalled_lanes) + len(self.unscheduled_lanes)


def read(r) -> Liveness:
    now = clock.timestamp()
    cutoff = now - STALL_GRACE_SECONDS
    real_now = time.time()
    oldest_hook = r.zrange(DUE, 0, 0, withscores=True)
    return Liveness(
        sweep_ages={name: max(0.0, real_now - at) for name, at in sorted(last_sweeps(r).items())},
        leader=beat_leader(r),
        stalled_lanes=_stalled_lanes(r, cutoff),
        unscheduled_lanes=_unscheduled_lanes(r),
        webhooks_overdue=r.zcount(DUE, "-inf", f"({cutoff}") + origin_lines.stalled_count(r),
        oldest_overdue_hook=oldest_hook[0][1] if oldest_hook and oldest_hook[0][1] < cutoff else None,
    )


def _stalled_lanes(r, cutoff: float) -> dict[str, float]:
    overdue = r.zrangebyscore(LANES_DUE, "-inf", f"({cutoff}")
    if not overdue:
        return {}
    # Score and lock read again together: an emitter that finished in between has moved the score.
    pipe = r.pipeline(transaction=True)
    for lane in overdue:
        pipe.zscore(LANES_DUE, lane)
        pipe.exists(lock_key(lane))
    replies = pipe.execute()
    return {lane: due for lane, due, locked in zip(overdue, replies[0::2], replies[1::2])
            if due is not None and due < cutoff and not locked}


def _unscheduled_lanes(r) -> list[str]:
    lanes = [lane_key(pdv.cuit, pdv.pto_vta, cbte_tipo) for pdv in list_points_of_sale(r) for cbte_tipo in BY_CBTE_TIPO]
    if not lanes:
        return []
    # One MULTI, so that an emitter emptying a lane and leaving the due set between two reads is not
    # taken for a lane left out of it.
    pipe = r.pipeline(transaction=True)
    for lane in lanes:
        pipe.exists(pending_key(lane))
    pipe.zmscore(LANES_DUE, lanes)
    *queued, scores = pipe.execute()
    return [lane for lane, holds, score in zip(lanes, queued, scores) if holds and score is None]
