"""What people do with hooks, as a plain Python API that the HTTP API and the CLI wrap: redeliver one
hook, redeliver every failed hook of a point of sale since a time, send a test event.

A manual attempt is one attempt made now, with the stored bytes and the same `webhook-id`, signed with
the secrets live at that moment. It is never retried, it is made even while the endpoint is disabled
(so a fixed receiver can be checked before it is enabled), and its failure does not count in the
failing streak that disables an endpoint. Its outcome is in the hook log, trigger `manual`.
"""

from __future__ import annotations

from accounts.points_of_sale import get_point_of_sale
from webhook_dispatch import outbox
from webhook_dispatch.events import build_event, is_hook_id
from webhook_dispatch.hook_log import hooks_for_pdv
from webhook_dispatch.outbox import hook_key

TEST_MESSAGE = "Evento de prueba enviado a pedido: si lo recibiste, tu webhook funciona."
# Enough for any point of sale's failures over the retention period, without scanning without end.
REDELIVER_LIMIT = 100_000


def redeliver(r, pdv_id: str, hook_id: str) -> bool:
    """Ask for one manual attempt of the hook; False if the point of sale has no such hook."""
    if not is_hook_id(hook_id) or r.hget(hook_key(hook_id), "pdv") != pdv_id:
        return False
    return bool(outbox.request_manual(r, [hook_id]))


def redeliver_failed(r, pdv_id: str, since: float) -> list[str]:
    """One manual attempt for every `fallido` hook of the point of sale created at or after `since`
    (epoch seconds); returns their ids, oldest first."""
    failed = hooks_for_pdv(r, pdv_id, since=since, state="fallido", limit=REDELIVER_LIMIT)
    return outbox.request_manual(r, [entry.hook_id for entry in reversed(failed)])


def send_test_event(r, pdv_id: str) -> str:
    """Send the `test` event (recurso `test`) to the point of sale's webhook now; returns its hook id.
    Raises UnknownPointOfSale."""
    get_point_of_sale(r, pdv_id)
    event = build_event(pdv_id=pdv_id, evento="test", recurso="test", external_reference="", intento=1,
                        msg=[TEST_MESSAGE])
    outbox.send(r, event, manual=True)
    return event.hook_id
