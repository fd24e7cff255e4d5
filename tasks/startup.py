"""What a worker or beat checks before it starts: a store it can read (comprobantes/layout.py)."""

from __future__ import annotations

from celery.signals import beat_init, worker_init

from comprobantes import layout
from config.redis_client import get_redis
from config.settings import ConfigurationError


@worker_init.connect
@beat_init.connect
def _require_current_layout(**kwargs):
    # Celery logs and swallows a signal handler's exception; SystemExit is not one, and stops the process.
    try:
        layout.require_current(get_redis())
    except ConfigurationError as exc:
        raise SystemExit(f"encola: {exc}") from None
