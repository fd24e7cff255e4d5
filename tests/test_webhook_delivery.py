"""Webhook deliveries on real parts: Celery workers of the `webhooks` queue, beat promoting the due set,
Redis, and real HTTP receivers that answer, fail, stall or go away. Days pass by moving the shared
development clock, never by sleeping."""

from __future__ import annotations

import pytest
from standardwebhooks.webhooks import Webhook

from devtools.webhook_receiver import Behaviour, WebhookReceiver
from comprobantes.store import Store
from comprobantes.validation import check_item
from config import clock
from config.retry_policy import JITTER, WEBHOOK_DELAYS, WEBHOOK_RETRY_AFTER_CAP_SECONDS
from config.settings import get_settings
from producers import enqueue
from tests.support import spec_verifier
from tests.support.bodies import item
from tests.support.processes import wait_until
from webhook_dispatch import delivery, endpoints, outbox
from webhook_dispatch.events import build_event
from webhook_dispatch.hook_log import get_hook, hooks_for_pdv, hooks_for_reference
from webhook_dispatch.origin_lines import origin_id
from webhook_dispatch.operations import redeliver, redeliver_failed, send_test_event
from webhook_dispatch.points_of_sale import update_point_of_sale

SEED_HOOK_KEYS = {"creado", "evento", "recurso", "external_reference", "intento", "msg", "hook_id"}
HOUR = 3600.0


def send_hook(pdv, ref: str, evento: str = "encolado") -> str:
    event = build_event(pdv_id=pdv.id, evento=evento, external_reference=ref, intento=1, msg=[])
    outbox.send(_redis(), event)
    return event.hook_id


def _redis():
    from config.redis_client import get_redis

    return get_redis()


def wait_hook(pdv, hook_id: str, *, attempts: int = 0, state: str | None = None, timeout: float = 30):
    def ready():
        entry = get_hook(_redis(), pdv.id, hook_id)
        if entry and len(entry.attempts) >= attempts and (state is None or entry.state == state):
            return entry
        return None

    return wait_until(ready, timeout=timeout, message=f"hook {hook_id}: {attempts} attempts, state {state}")


def attempt_end(attempt: dict) -> float:
    return attempt["at"] + attempt["duration_ms"] / 1000


@pytest.fixture
def other_receiver():
    """A receiver on another port: another origin, with its own concurrency cap."""
    running = WebhookReceiver().start()
    yield running
    running.stop()


def test_every_attempt_sends_the_same_signed_bytes_and_201_counts_as_delivered(stack, pdv, r):
    stack.receiver.behaviours[pdv.hook_path] = Behaviour(500)
    hook_id = send_hook(pdv, "firmado-1")
    wait_hook(pdv, hook_id, attempts=1)
    stack.receiver.behaviours[pdv.hook_path] = Behaviour(201)

    entry = wait_hook(pdv, hook_id, state="entregado")

    assert [(a["attempt"], a["trigger"], a["status"]) for a in entry.attempts] == [
        (1, "automatic", 500), (2, "automatic", 201)]
    deliveries = stack.receiver.received(pdv.hook_path)
    assert len(deliveries) == 2
    assert deliveries[0].body == deliveries[1].body
    for d in deliveries:
        assert d.headers["webhook-id"] == hook_id
        assert d.headers["tf-webhooktoken"] == pdv.pdv.webhook_token
        assert d.headers["user-agent"] == delivery.USER_AGENT
        assert d.headers["content-type"] == "application/json; charset=utf-8"
        assert spec_verifier.verify(pdv.webhook_secret, d.headers, d.body)
        assert Webhook(pdv.webhook_secret).verify(d.body, d.headers) == d.json()
    payload = deliveries[0].json()
    assert SEED_HOOK_KEYS <= set(payload) and payload["hook_id"] == hook_id
    assert (payload["evento"], payload["recurso"], payload["intento"]) == ("encolado", "facturacion", 1)
    assert [e.hook_id for e in hooks_for_reference(r, pdv.id, "firmado-1")] == [hook_id]


def test_a_failing_receiver_gets_15_attempts_over_about_a_day_then_the_hook_fails(stack, pdv, move_clock):
    stack.receiver.behaviours[pdv.hook_path] = Behaviour(500, body=b"x" * 5000)
    hook_id = send_hook(pdv, "quince")
    for n in range(1, 15):
        entry = wait_hook(pdv, hook_id, attempts=n)
        move_clock(entry.next_at)

    entry = wait_hook(pdv, hook_id, attempts=15, state="fallido")

    assert [a["attempt"] for a in entry.attempts] == list(range(1, 16))
    assert {(a["trigger"], a["status"]) for a in entry.attempts} == {("automatic", 500)}
    assert all(a["response_bytes"] == 5000 and "response" not in a for a in entry.attempts)
    gaps = [b["at"] - a["at"] for a, b in zip(entry.attempts, entry.attempts[1:])]
    for gap, planned in zip(gaps, WEBHOOK_DELAYS):
        assert planned * (1 - JITTER) <= gap <= planned * (1 + JITTER) + 30
    assert entry.failure == "no attempt of 15 succeeded" and entry.next_at is None
    deliveries = stack.receiver.received(pdv.hook_path)
    assert len(deliveries) == 15 and {d.headers["webhook-id"] for d in deliveries} == {hook_id}


def test_retry_after_is_honoured_within_its_cap(stack, pdv):
    stack.receiver.behaviours[pdv.hook_path] = Behaviour(503, headers={"Retry-After": "900"})
    soon = wait_hook(pdv, send_hook(pdv, "retry-after-1"), attempts=1)
    stack.receiver.behaviours[pdv.hook_path] = Behaviour(429, headers={"Retry-After": "86400"})
    late = wait_hook(pdv, send_hook(pdv, "retry-after-2"), attempts=1)

    assert 900 <= soon.next_at - soon.attempts[0]["at"] < 910
    assert WEBHOOK_RETRY_AFTER_CAP_SECONDS <= late.next_at - late.attempts[0]["at"] < WEBHOOK_RETRY_AFTER_CAP_SECONDS + 10


def test_a_hook_is_redelivered_on_demand_with_its_id_and_bytes(stack, pdv, r):
    # The automatic retry is an hour away, so the second delivery can only be the manual one.
    stack.receiver.behaviours[pdv.hook_path] = Behaviour(500, headers={"Retry-After": "3600"})
    hook_id = send_hook(pdv, "otra-vez")
    wait_hook(pdv, hook_id, attempts=1)
    stack.receiver.behaviours[pdv.hook_path] = Behaviour(200)

    assert not redeliver(r, "20111111112-99999", hook_id)  # another point of sale cannot touch it
    assert redeliver(r, pdv.id, hook_id)

    entry = wait_hook(pdv, hook_id, state="entregado")
    assert [(a["trigger"], a["status"]) for a in entry.attempts] == [("automatic", 500), ("manual", 200)]
    first, second = stack.receiver.received(pdv.hook_path)
    assert first.body == second.body and first.headers["webhook-id"] == second.headers["webhook-id"] == hook_id
    assert spec_verifier.verify(pdv.webhook_secret, second.headers, second.body)


def test_410_disables_the_endpoint_and_its_failed_hooks_can_be_redelivered_then_it_is_enabled(stack, pdv, r):
    stack.receiver.behaviours[pdv.hook_path] = Behaviour(410)
    gone = send_hook(pdv, "gone-0")
    assert wait_hook(pdv, gone, state="fallido").failure == "the receiver answered 410 Gone"
    disabled = endpoints.read(r, pdv.id)
    assert endpoints.is_disabled(disabled) and "410 Gone" in disabled.disabled_reason

    since = clock.timestamp()
    held = [send_hook(pdv, f"gone-{n}") for n in (1, 2)]
    for hook_id in held:
        entry = wait_hook(pdv, hook_id, state="fallido")
        assert entry.attempts == [] and entry.failure.startswith("endpoint disabled: ")
    assert len(stack.receiver.received(pdv.hook_path)) == 1
    assert {e.hook_id for e in hooks_for_pdv(r, pdv.id, state="fallido")} == {gone, *held}

    stack.receiver.behaviours[pdv.hook_path] = Behaviour(200)
    assert redeliver_failed(r, pdv.id, since) == held
    for hook_id in held:
        entry = wait_hook(pdv, hook_id, state="entregado")
        assert [a["trigger"] for a in entry.attempts] == ["manual"]
    assert endpoints.is_disabled(endpoints.read(r, pdv.id))  # a manual success does not enable it

    endpoints.enable(r, pdv.id)
    after = wait_hook(pdv, send_hook(pdv, "gone-3"), state="entregado")
    assert [a["trigger"] for a in after.attempts] == ["automatic"]


def test_a_test_event_is_one_manual_attempt_never_retried(stack, pdv):
    stack.receiver.behaviours[pdv.hook_path] = Behaviour(500)
    failed = wait_hook(pdv, send_test_event(_redis(), pdv.id), state="fallido")
    stack.receiver.behaviours[pdv.hook_path] = Behaviour(200)
    delivered = wait_hook(pdv, send_test_event(_redis(), pdv.id), state="entregado")

    assert [(a["trigger"], a["status"]) for a in failed.attempts] == [("manual", 500)]
    assert [(a["trigger"], a["status"]) for a in delivered.attempts] == [("manual", 200)]
    payload = stack.receiver.received(pdv.hook_path)[-1].json()
    assert (payload["evento"], payload["recurso"]) == ("test", "test") and SEED_HOOK_KEYS <= set(payload)
    assert len(stack.receiver.received(pdv.hook_path)) == 2


def test_during_rotation_both_secrets_sign_and_after_the_grace_only_the_new_one(stack, pdv, r, move_clock):
    old = pdv.webhook_secret
    new = endpoints.rotate_secret(r, pdv.id, grace_seconds=HOUR)
    wait_hook(pdv, send_hook(pdv, "rotando-1"), state="entregado")
    move_clock(clock.timestamp() + 2 * HOUR)
    wait_hook(pdv, send_hook(pdv, "rotando-2"), state="entregado")

    during, after = stack.receiver.received(pdv.hook_path)
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert spec_verifier.verify(secret, during.headers, during.body)
        assert Webhook(secret).verify(during.body, during.headers)
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert spec_verifier.verify(new, after.headers, after.body)
    assert not spec_verifier.verify(old, after.headers, after.body)


def test_a_dead_endpoint_delays_neither_another_clients_hooks_nor_emission(stack, r, other_receiver):
    other_receiver.behaviours["/stalls"] = Behaviour(200, delay=10)  # far past the read timeout
    dead, healthy = stack.new_pdv(), stack.new_pdv()
    update_point_of_sale(r, dead.id, webhook_url=other_receiver.base_url + "/stalls")
    cap = get_settings().webhook_max_per_endpoint

    # Six waves of the cap, each held for the read timeout: a backlog that lasts far longer than one
    # emission, even on a machine busy with other work (three waves were once not enough).
    stalled = [send_hook(dead, f"muerto-{n}") for n in range(6 * cap)]
    fine = [send_hook(healthy, f"sano-{n}") for n in range(6)]
    accepted = enqueue(dead.body(item("muerto-emision", clock.today_ar(), pto_vta=dead.pdv.pto_vta)))
    assert accepted["error"] == "N"

    for hook_id in fine:
        wait_hook(healthy, hook_id, state="entregado")
    emitted = wait_until(lambda: next((x for x in Store(r).by_reference(dead.id, "muerto-emision")
                                       if x.state == "emitido"), None), message="emission")
    first_attempts = [wait_hook(dead, hook_id, attempts=1) for hook_id in stalled]
    first_end = min(attempt_end(e.attempts[0]) for e in first_attempts)

    # The healthy endpoint got everything before the dead one's first attempts had even timed out.
    assert max(d.received_at for d in stack.receiver.received(healthy.hook_path)) < first_end
    # The dead endpoint never had more than its cap of deliveries open at once.
    assert sum(d.received_at < first_end for d in other_receiver.received("/stalls")) <= cap
    # Emission was done long before the dead endpoint's backlog had had even one attempt each.
    assert emitted.emitted_at < max(attempt_end(e.attempts[0]) for e in first_attempts)
    stalled_hook = min(first_attempts, key=lambda e: attempt_end(e.attempts[0]))
    timed_out = stalled_hook.attempts[0]
    assert timed_out["status"] is None and "Read timed out" in timed_out["error"]
    assert timed_out["duration_ms"] >= get_settings().webhook_read_timeout * 1000 - 100
    assert stalled_hook.state == "pendiente" and stalled_hook.next_at is not None


def test_an_endpoint_failing_for_24_hours_is_disabled_until_its_url_changes(stack, pdv, r, move_clock):
    stack.receiver.behaviours[pdv.hook_path] = Behaviour(503)
    hook_id = send_hook(pdv, "un-dia")
    first = wait_hook(pdv, hook_id, attempts=1).attempts[0]
    move_clock(first["at"] + 13 * HOUR)
    wait_hook(pdv, hook_id, attempts=2)
    assert not endpoints.is_disabled(endpoints.read(r, pdv.id))
    move_clock(first["at"] + 25 * HOUR)
    wait_hook(pdv, hook_id, attempts=3)

    def disabled_pdv():
        found = endpoints.read(r, pdv.id)
        return found if endpoints.is_disabled(found) else None

    # The attempt is logged before its outcome disables the endpoint.
    disabled = wait_until(disabled_pdv, timeout=10, message="the endpoint to be disabled")
    assert "has failed since" in disabled.disabled_reason and "HTTP 503" in disabled.disabled_reason
    assert endpoints.status(r, pdv.id)["disabled"]
    held = wait_hook(pdv, send_hook(pdv, "un-dia-2"), state="fallido")
    assert held.attempts == []

    stack.receiver.behaviours["/hooks/nueva"] = Behaviour(200)
    update_point_of_sale(r, pdv.id, webhook_url=stack.receiver.base_url + "/hooks/nueva")
    assert not endpoints.is_disabled(endpoints.read(r, pdv.id))
    wait_hook(pdv, send_hook(pdv, "un-dia-3"), state="entregado")


@pytest.mark.parametrize("variables,refusal", [
    ({"ENCOLA_WEBHOOK_PRIVATE_NETWORKS": ""}, "refused: 127.0.0.1 resolves to 127.0.0.1"),
    ({"ENCOLA_ENV": "production", "ENCOLA_AFIP": "homologacion"}, "must use https"),
])
def test_unlisted_private_addresses_and_plain_http_in_production_are_refused(stack, pdv, r, environment,
                                                                            variables, refusal):
    event = build_event(pdv_id=pdv.id, evento="encolado", external_reference="ssrf", intento=1, msg=[])
    pipe = r.pipeline()
    outbox.stage(pipe, event)  # stored but not published: only this process attempts it
    pipe.execute()
    environment(**variables)
    hook = {"id": event.hook_id, **r.hgetall(outbox.hook_key(event.hook_id))}
    state = delivery.attempt(r, hook, oid=origin_id(pdv.pdv.webhook_url))

    entry = get_hook(r, pdv.id, event.hook_id)
    assert state == "pendiente" and entry.attempts[0]["status"] is None
    assert refusal in entry.attempts[0]["error"]
    assert stack.receiver.received(pdv.hook_path) == []


def test_a_legacy_lote_comprobante_is_notified_in_seed_002s_shape(stack, pdv, r):
    checked = check_item(item("lote-item-1", clock.today_ar(), pto_vta=pdv.pdv.pto_vta), pdv.pdv,
                         today=clock.today_ar())
    record, _ = Store(r).accept(pdv.pdv, checked.accepted, lote_ref="ASD123AW")

    emitted = wait_until(lambda: next((x for x in stack.receiver.received(pdv.hook_path)
                                       if x.json()["evento"] == "emitido"), None), message="the emitido hook")

    payload = emitted.json()
    stored = Store(r).get(record.id)
    assert payload["facturacion_lote_id_referencia"] == "ASD123AW"
    assert (payload["error"], payload["errores"], payload["cae"]) == ("N", [], stored.cae)
    assert payload["comprobante_nro"] == f"{pdv.pdv.pto_vta:05d}-{stored.numero:08d}"
    assert SEED_HOOK_KEYS <= set(payload)
    assert not {"apikey", "apitoken", "usertoken"} & set(payload)


def test_finished_hooks_are_kept_for_the_retention_period_then_leave_the_log(stack, pdv, r, move_clock):
    retention = outbox.retention_seconds()
    old = send_hook(pdv, "guardado")
    wait_hook(pdv, old, state="entregado")
    assert retention - 60 < r.ttl(outbox.hook_key(old)) <= retention
    assert retention - 60 < r.ttl(outbox.attempts_key(old)) <= retention

    move_clock(clock.timestamp() + retention + HOUR)
    new = send_hook(pdv, "guardado")

    assert [e.hook_id for e in hooks_for_pdv(r, pdv.id)] == [new]
    assert [e.hook_id for e in hooks_for_reference(r, pdv.id, "guardado")] == [new]
