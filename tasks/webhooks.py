"""Tasks of the `webhooks` queue: deliver one hook, and beat's promotion of hooks that fall due."""

from __future__ import annotations

from config.celery_app import WEBHOOKS_QUEUE, app
from config.liveness import SWEEP_TASKS, sweep
from config.redis_client import get_redis
from config.retry_policy import INFRASTRUCTURE_RETRY
from config.settings import get_settings
from webhook_dispatch import delivery
from webhook_dispatch.outbox import DELIVER_TASK


@app.task(name=DELIVER_TASK, queue=WEBHOOKS_QUEUE, **INFRASTRUCTURE_RETRY)
def deliver_hook(hook_id: str) -> str:
    return delivery.deliver(get_redis(), hook_id)


@app.task(name=SWEEP_TASKS[1], queue=WEBHOOKS_QUEUE, send_events=False)
def promote_due_hooks() -> int:
    return sweep("hooks", lambda r: delivery.sweep(r, horizon=get_settings().schedule_horizon_seconds))
