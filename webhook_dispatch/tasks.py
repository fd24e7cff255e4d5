"""Celery tasks of the `webhooks` queue: thin wrappers that take ids and call plain functions."""

from __future__ import annotations

import redis

from config.celery_app import WEBHOOKS_QUEUE, app
from config.liveness import SWEEP_TASKS, sweep
from config.redis_client import get_redis
from config.retry_policy import INFRASTRUCTURE_RETRY_SECONDS
from config.settings import get_settings
from webhook_dispatch import delivery


@app.task(name="encola.webhooks.deliver", queue=WEBHOOKS_QUEUE, bind=True, max_retries=None)
def deliver_hook(self, hook_id: str) -> str:
    try:
        return delivery.deliver(get_redis(), hook_id)
    except redis.RedisError as exc:
        # Redis unreachable: the attempt was not recorded, so trying again later is safe.
        raise self.retry(exc=exc, countdown=INFRASTRUCTURE_RETRY_SECONDS)


@app.task(name=SWEEP_TASKS[1], queue=WEBHOOKS_QUEUE, send_events=False)
def promote_due_hooks() -> int:
    return sweep("hooks", lambda r: delivery.sweep(r, horizon=get_settings().schedule_horizon_seconds))
