"""beat's retention sweep, on the `emision` queue: finished comprobantes past ENCOLA_RETENTION_DAYS leave
Redis with their mails and finished hooks, a bounded chunk per run (comprobantes.retention)."""

from __future__ import annotations

from comprobantes import retention
from config import clock
from config.celery_app import EMISION_QUEUE, app
from config.liveness import SWEEP_TASKS, sweep
from mailing import outbox as mail_outbox


@app.task(name=SWEEP_TASKS[3], queue=EMISION_QUEUE, send_events=False)
def forget_finished() -> int:
    return sweep("retention", lambda r: retention.index_finished_before_upgrade(r) + retention.forget_finished(
        r, before=retention.cutoff(clock.timestamp()), also=(mail_outbox.stage_forget,)))
