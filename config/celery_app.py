"""The Celery app: broker, the three queues, delivery guarantees and beat's schedule.

Redis is the broker. Far-future work never sits in it (docs/queue.md, "When it is emitted"): comprobantes, webhook
and mail retries wait in Redis sorted sets and beat's promote tasks (the sweeps of config.liveness) move what
falls due into the queues, so the visibility timeout only has to outlast a short ETA plus one task's
run. beat keeps its schedule and its leader's lock in Redis too (config.beat), never in a local file.
"""

from __future__ import annotations

from celery import Celery
from celery.signals import import_modules, setup_logging
from kombu import Queue

from config.logs import configure
from config.liveness import BEAT_KEY_PREFIX, BEAT_LOCK_KEY, BEAT_LOCK_SECONDS, SWEEP_PERIOD_SECONDS, SWEEP_TASKS
from config.redis_target import warn_if_unprotected
from config.settings import ConfigurationError, get_settings

EMISION_QUEUE = "emision"
WEBHOOKS_QUEUE = "webhooks"
CORREO_QUEUE = "correo"

# The settings that depend on nothing in the environment.
_FIXED = dict(
    task_queues=(Queue(EMISION_QUEUE), Queue(WEBHOOKS_QUEUE), Queue(CORREO_QUEUE)),
    task_default_queue=EMISION_QUEUE,
    task_routes={
        "encola.emision.*": {"queue": EMISION_QUEUE},
        "encola.webhooks.*": {"queue": WEBHOOKS_QUEUE},
        "encola.correo.*": {"queue": CORREO_QUEUE},
    },
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    result_expires=None,  # no results are kept, so beat has no clean-up of them to schedule
    task_serializer="json",
    accept_content=["json"],
    timezone="UTC",
    worker_send_task_events=True,
    worker_hijack_root_logger=False,
    imports=("tasks.emision", "tasks.webhooks", "tasks.correo", "tasks.retention", "tasks.startup"),
    beat_scheduler="config.beat:Scheduler",
    # A standby beat tries the lock, and the leader ticks, at least this often.
    beat_max_loop_interval=SWEEP_PERIOD_SECONDS,
    redbeat_redis_options={},  # the client is ours (config.beat), not built from these
    redbeat_key_prefix=BEAT_KEY_PREFIX,
    redbeat_lock_key=BEAT_LOCK_KEY,
    redbeat_lock_timeout=BEAT_LOCK_SECONDS,
    # The sweeps, each dropped after a few periods behind busy workers instead of run late and in bulk.
    beat_schedule={
        name: {"task": task, "schedule": SWEEP_PERIOD_SECONDS, "options": {"expires": SWEEP_PERIOD_SECONDS * 5}}
        for name, task in zip(("promote-due-lanes", "promote-due-webhooks", "promote-due-mails", "forget-finished"),
                              SWEEP_TASKS)
    },
)


app = Celery("encola")


def _configuration() -> dict:
    """Celery's settings, read from encola's on the app's first use (a worker, beat or Flower starting, a
    task published), never at import: importing a task module needs no environment."""
    try:
        settings = get_settings()
        redis_url = settings.require_redis_url()
        redis = settings.redis_target()
    except ConfigurationError as exc:
        # Every celery process (worker, beat, flower) loads the configuration first: one line an operator
        # can act on, not a traceback from inside Celery's app loading.
        raise SystemExit(f"encola: {exc}") from None
    return dict(
        # TLS options spelt out: kombu would not verify a bare rediss:// server, and Flower's broker view
        # reads them from broker_use_ssl only (config.redis_target).
        broker_url=redis.broker_url,
        broker_use_ssl=redis.tls,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            # Longer than the schedule horizon (the longest ETA we publish) plus the longest task run.
            "visibility_timeout": int(settings.schedule_horizon_seconds + 900),
            "socket_timeout": 10,
            "socket_connect_timeout": 5,
            "health_check_interval": 25,
            **({"master_name": settings.redis_sentinel_master, "sentinel_kwargs": redis.sentinel_kwargs()}
               if redis.sentinel else {}),
        },
        redbeat_redis_url=redis_url,
        **_FIXED,
    )


# A promise Celery evaluates when its configuration is first needed (Celery's documented lazy defaults).
app.add_defaults(_configuration)


@setup_logging.connect
def _structured_logs(loglevel=None, **kwargs):
    """Workers and beat log JSON lines like every other process (Celery's own formats are bypassed)."""
    configure(loglevel if isinstance(loglevel, str) else None)
    warn_if_unprotected(get_settings())


@import_modules.connect
def _redis_warning(**kwargs):
    """Flower sets up its own logging and sends no setup_logging, but imports the app's modules after it."""
    warn_if_unprotected(get_settings())
