"""The stored events and their due set: an event is written in the same Redis transaction as the
state change it reports, so a change is never without its webhook and a webhook never without it."""

from __future__ import annotations

from config import clock
from config.due_sets import claim_due
from config.keys import key
from webhook_dispatch.events import Event

DUE = key("hooks", "due")
DELIVER_TASK = "encola.webhooks.deliver"
# How long a published delivery may take before the promoter publishes it again.
DELIVERY_LEASE_SECONDS = 120.0


def hook_key(hook_id: str) -> str:
    return key("hook", hook_id)


def attempts_key(hook_id: str) -> str:
    return key("hook", hook_id, "attempts")


def pdv_hooks_key(pdv_id: str) -> str:
    return key("pdv", pdv_id, "hooks")


def reference_hooks_key(pdv_id: str, external_reference: str) -> str:
    return key("pdv", pdv_id, "ref_hooks", external_reference)


def stage(pipe, event: Event) -> None:
    """Add the event's writes to an open MULTI; it is leased for the publish that follows the commit."""
    pipe.hset(
        hook_key(event.hook_id),
        mapping={
            "id": event.hook_id,
            "pdv": event.pdv_id,
            "evento": event.evento,
            "external_reference": event.external_reference,
            "comprobante": event.comprobante_id,
            "body": event.body,
            "created": repr(event.created),
            "state": "pendiente",
            "attempts": 0,
            "next_at": repr(event.created),
        },
    )
    pipe.zadd(DUE, {event.hook_id: event.created + DELIVERY_LEASE_SECONDS})
    pipe.zadd(pdv_hooks_key(event.pdv_id), {event.hook_id: event.created})
    if event.external_reference:
        pipe.zadd(reference_hooks_key(event.pdv_id, event.external_reference), {event.hook_id: event.created})


def publish(hook_ids, *, eta_seconds: dict[str, float] | None = None) -> None:
    """Send delivery tasks; a lost publish is repaired by the promoter when the lease runs out."""
    from config.celery_app import app

    for hook_id in hook_ids:
        options = {}
        if eta_seconds and hook_id in eta_seconds:
            options["countdown"] = max(0.0, eta_seconds[hook_id])
        app.send_task(DELIVER_TASK, args=[hook_id], **options)


def promote_due(r, *, horizon: float) -> int:
    """Publish every delivery due within `horizon`; returns how many."""
    now = clock.timestamp()
    claimed = claim_due(r, DUE, now=now, horizon=horizon, lease=DELIVERY_LEASE_SECONDS)
    publish([m for m, _ in claimed], eta_seconds={m: due - now for m, due in claimed if due > now})
    return len(claimed)
