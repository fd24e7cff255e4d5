"""Tasks of the `emision` queue: drain a lane, and beat's promotion of lanes that fall due."""

from __future__ import annotations

from config.celery_app import EMISION_QUEUE, app
from config.liveness import SWEEP_TASKS, sweep
from config.redis_client import get_redis
from config.retry_policy import INFRASTRUCTURE_RETRY
from config.settings import get_settings
from emission import schedule
from emission.emitter import LaneEmitter


@app.task(name=schedule.DRAIN_TASK, queue=EMISION_QUEUE, **INFRASTRUCTURE_RETRY)
def drain_lane(lane: str) -> str:
    return LaneEmitter(get_redis(), lane).drain()


@app.task(name=SWEEP_TASKS[0], queue=EMISION_QUEUE, send_events=False)
def promote_due_lanes() -> int:
    settings = get_settings()
    return sweep("lanes", lambda r: schedule.promote_due(r, horizon=settings.schedule_horizon_seconds,
                                                         lease=settings.lane_lease_seconds))
