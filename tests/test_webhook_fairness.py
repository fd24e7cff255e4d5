"""Fairness between points of sale at one origin, on the real stack: a backlog of thousands of hooks of
one point of sale delays neither another's hooks to the same origin, nor a third's to an origin of its
own, nor a test event of its own (origins drained round-robin, manual attempts first:
webhook_dispatch/origin_lines.py)."""

from __future__ import annotations

import pytest

from devtools.webhook_receiver import Behaviour, WebhookReceiver
from tests.support.processes import wait_until
from webhook_dispatch import endpoints, outbox
from webhook_dispatch.events import build_event
from webhook_dispatch.operations import send_test_event
from webhook_dispatch.outbox import pdv_state_hooks_key
from webhook_dispatch.points_of_sale import update_point_of_sale

BACKLOG = 5000


@pytest.fixture
def own_origin():
    running = WebhookReceiver().start()
    yield running
    running.stop()


def _store(r, pdv_id: str, references: list[str]) -> list[str]:
    events = [build_event(pdv_id=pdv_id, evento="encolado", external_reference=ref, intento=1, msg=[])
              for ref in references]
    pipe = r.pipeline()
    for event in events:
        outbox.stage(pipe, event)
    pipe.execute()
    outbox.publish(r, [event.hook_id for event in events])
    return [event.hook_id for event in events]


def test_a_backlog_at_a_shared_origin_delays_neither_its_neighbours_nor_a_test_event(stack, r, own_origin):
    busy, neighbour, apart = stack.new_pdv(), stack.new_pdv(), stack.new_pdv()
    # Each of the busy point of sale's hooks holds a slot for 50 ms: its backlog lasts about a minute.
    stack.receiver.behaviours[busy.hook_path] = Behaviour(200, delay=0.05)
    update_point_of_sale(r, apart.id, webhook_url=own_origin.base_url + "/apart")
    try:
        _store(r, busy.id, [f"atraso-{n}" for n in range(BACKLOG)])
        wait_until(lambda: stack.receiver.received(busy.hook_path), message="the backlog to start")
        _store(r, neighbour.id, [f"vecino-{n}" for n in range(5)])
        _store(r, apart.id, [f"aparte-{n}" for n in range(5)])
        send_test_event(r, busy.id)

        wait_until(lambda: len(stack.receiver.received(neighbour.hook_path)) == 5, message="the neighbour's hooks")
        wait_until(lambda: len(own_origin.received("/apart")) == 5, message="the hooks to another origin")
        wait_until(lambda: any(b"\"test\"" in d.body for d in stack.receiver.received(busy.hook_path)),
                   message="the test event")
        # All of them arrived while most of the backlog was still waiting.
        assert r.zcard(pdv_state_hooks_key(busy.id, "pendiente")) > BACKLOG - 1000
    finally:
        # The rest of the backlog fails at once (nothing is sent to a disabled endpoint), so that it does
        # not hold the shared receiver for the tests that follow.
        endpoints.disable(r, busy.id, "fin de la prueba")
        wait_until(lambda: r.zcard(pdv_state_hooks_key(busy.id, "pendiente")) == 0, timeout=120, message="the backlog to end")
