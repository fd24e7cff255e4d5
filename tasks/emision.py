"""Tasks of the `emision` queue: drain a lane, and beat's promotion of lanes that fall due."""

from __future__ import annotations

import redis

from config.celery_app import EMISION_QUEUE, app
from config.liveness import SWEEP_TASKS, sweep
from config.redis_client import get_redis
from config.retry_policy import INFRASTRUCTURE_RETRY_SECONDS
from config.settings import get_settings
from emission import schedule
from emission.emitter import LaneEmitter


@app.task(name="encola.emision.drain_lane", queue=EMISION_QUEUE, bind=True, max_retries=None)
def drain_lane(self, lane: str) -> str:
    try:
        return LaneEmitter(get_redis(), lane).drain()
    except redis.RedisError as exc:
        # The store is unreachable: nothing can have changed, and the lane stays due.
        raise self.retry(exc=exc, countdown=INFRASTRUCTURE_RETRY_SECONDS)


@app.task(name=SWEEP_TASKS[0], queue=EMISION_QUEUE, send_events=False)
def promote_due_lanes() -> int:
    settings = get_settings()
    return sweep("lanes", lambda r: schedule.promote_due(r, horizon=settings.schedule_horizon_seconds,
                                                         lease=settings.lane_lease_seconds))
