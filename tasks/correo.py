"""Tasks of the `correo` queue: e-mail one emitted comprobante with its A4 PDF, and beat's promotion of
mails that fall due."""

from __future__ import annotations

from accounts.points_of_sale import PointOfSale
from comprobantes.store import Record
from config.celery_app import CORREO_QUEUE, app
from config.liveness import SWEEP_TASKS, sweep
from config.redis_client import get_redis
from config.retry_policy import INFRASTRUCTURE_RETRY
from config.settings import get_settings
from mailing import delivery, outbox
from producers.documents import render


def _a4_pdf(record: Record, pdv: PointOfSale) -> bytes:
    """The same A4 PDF the comprobante's `comprobante_pdf_url` opens."""
    return render(record, pdv, "factura.pdf").content


@app.task(name=outbox.SEND_TASK, queue=CORREO_QUEUE, **INFRASTRUCTURE_RETRY)
def send_mail(mail_id: str) -> str:
    return delivery.deliver(get_redis(), mail_id, _a4_pdf)


@app.task(name=SWEEP_TASKS[2], queue=CORREO_QUEUE, send_events=False)
def promote_due_mails() -> int:
    return sweep("mails", lambda r: outbox.promote_due(r, horizon=get_settings().schedule_horizon_seconds))
