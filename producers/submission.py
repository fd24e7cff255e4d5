"""Submitting comprobantes to the queue: validate, accept, schedule (seeds 001 and 002).

Every function takes the body TusFacturas documents and returns the dict TusFacturas answers, so the
HTTP layer only parses and serialises.
"""

from __future__ import annotations

from accounts.points_of_sale import PointOfSale
from comprobantes import answers
from comprobantes.answers import Problem
from comprobantes.store import Store
from comprobantes.validation import Checked, check_item
from config import clock
from config.redis_client import get_redis
from config.settings import get_settings
from emission.schedule import kick_if_due
from webhook_dispatch import outbox
from producers.access import BAD_CREDENTIALS, point_of_sale
from webhook_dispatch.events import build_event

NO_WEBHOOK = Problem(
    "TFC-8001",
    "Tu punto de venta no tiene una direccion de webhook definida; no se pueden enviar comprobantes a la cola.",
)


def _notify_rejection(r, pdv: PointOfSale, checked: Checked) -> None:
    """Seed 001: a request that meets the basic requirements but fails validation also gets an
    `error` webhook."""
    event = build_event(
        pdv_id=pdv.id, evento="error", external_reference=checked.external_reference, intento=1,
        msg=[p.text for p in checked.problems],
    )
    pipe = r.pipeline()
    outbox.stage(pipe, event)
    pipe.execute()
    outbox.publish([event.hook_id])


def _queue(r, pdv: PointOfSale, checked: Checked) -> dict:
    record, new = Store(r).accept(pdv, checked.accepted)
    if new:
        kick_if_due(r, record.lane, record.due_at, lease=get_settings().lane_lease_seconds)
    vencimiento = record.vencimiento.strftime("%d/%m/%Y") if record.vencimiento else ""
    return answers.queued(
        external_reference=record.external_reference, tipo=record.tipo, pto_vta=record.pto_vta,
        vencimiento_pago=vencimiento,
    )


def enqueue(body) -> dict:
    """`nuevo_encola`: one comprobante into the queue (seed 001)."""
    r = get_redis()
    pdv = point_of_sale(r, body)
    item = {"cliente": body.get("cliente"), "comprobante": body.get("comprobante")} if isinstance(body, dict) else None
    if pdv is None:
        return answers.error([BAD_CREDENTIALS], _reference_of(item))
    if not pdv.webhook_url:
        return answers.error([NO_WEBHOOK], _reference_of(item))
    checked = check_item(item, pdv, today=clock.today_ar())
    if checked.problems:
        if not checked.basic_failure:
            _notify_rejection(r, pdv, checked)
        return answers.error(checked.problems, checked.external_reference)
    return _queue(r, pdv, checked)


def _reference_of(item) -> str:
    if isinstance(item, dict) and isinstance(item.get("comprobante"), dict):
        ref = item["comprobante"].get("external_reference")
        return ref if isinstance(ref, str) else ""
    return ""
