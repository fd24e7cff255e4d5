"""Tasks of the `webhooks` queue: drain an origin's line, and beat's sweep of hooks that fall due."""

from __future__ import annotations

from config.celery_app import WEBHOOKS_QUEUE, app
from config.liveness import SWEEP_TASKS, sweep
from config.redis_client import get_redis
from config.retry_policy import INFRASTRUCTURE_RETRY
from webhook_dispatch import delivery, outbox
from webhook_dispatch.outbox import DRAIN_TASK

# Before origins were drained, each hook had a task of its own; one still in the broker at an upgrade
# offers its hook to its origin's line.
LEGACY_DELIVER_TASK = "encola.webhooks.deliver"


@app.task(name=DRAIN_TASK, queue=WEBHOOKS_QUEUE, **INFRASTRUCTURE_RETRY)
def drain_origin(origin_id: str, token: str) -> int:
    return delivery.drain(get_redis(), origin_id, token)


@app.task(name=LEGACY_DELIVER_TASK, queue=WEBHOOKS_QUEUE, **INFRASTRUCTURE_RETRY)
def deliver_hook(hook_id: str) -> int:
    return outbox.offer(get_redis(), [hook_id])


@app.task(name=SWEEP_TASKS[1], queue=WEBHOOKS_QUEUE, send_events=False)
def promote_due_hooks() -> int:
    return sweep("hooks", outbox.promote_due)
