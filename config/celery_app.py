"""The Celery app: broker, the two queues, delivery guarantees and beat's schedule.

Redis is the broker. Far-future work never sits in it (see DESIGN.md "Time"): comprobantes and webhook
retries wait in Redis sorted sets and beat's promote tasks move what falls due into the queues, so the
visibility timeout only has to outlast a short ETA plus one task's run.
"""

from __future__ import annotations

from celery import Celery
from celery.signals import setup_logging
from kombu import Queue

from config.settings import get_settings

EMISION_QUEUE = "emision"
WEBHOOKS_QUEUE = "webhooks"

# How often beat promotes due work; promote tasks expire after one period so a backlog of them
# behind busy workers is dropped instead of run late and in bulk.
PROMOTE_EVERY_SECONDS = 1.0

_settings = get_settings()

app = Celery("encola")
app.conf.update(
    broker_url=_settings.require_redis_url(),
    broker_connection_retry_on_startup=True,
    broker_transport_options={
        # Longer than the schedule horizon (the longest ETA we publish) plus the longest task run.
        "visibility_timeout": int(_settings.schedule_horizon_seconds + 900),
        "socket_timeout": 10,
        "socket_connect_timeout": 5,
        "health_check_interval": 25,
        **({"master_name": _settings.redis_sentinel_master} if _settings.sentinel else {}),
    },
    task_queues=(Queue(EMISION_QUEUE), Queue(WEBHOOKS_QUEUE)),
    task_default_queue=EMISION_QUEUE,
    task_routes={
        "encola.emision.*": {"queue": EMISION_QUEUE},
        "encola.webhooks.*": {"queue": WEBHOOKS_QUEUE},
    },
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
    timezone="UTC",
    worker_send_task_events=True,
    worker_hijack_root_logger=False,
    imports=("tasks.emision", "webhook_dispatch.tasks"),
    beat_schedule={
        "promote-due-lanes": {
            "task": "encola.emision.promote_due_lanes",
            "schedule": PROMOTE_EVERY_SECONDS,
            "options": {"expires": PROMOTE_EVERY_SECONDS * 5},
        },
        "promote-due-webhooks": {
            "task": "encola.webhooks.promote_due_hooks",
            "schedule": PROMOTE_EVERY_SECONDS,
            "options": {"expires": PROMOTE_EVERY_SECONDS * 5},
        },
    },
)


@setup_logging.connect
def _structured_logs(loglevel=None, **kwargs):
    """Workers and beat log JSON lines like every other process (Celery's own formats are bypassed)."""
    from monitoring.logs import configure

    configure(loglevel if isinstance(loglevel, str) else None)
