"""What one point of sale may hold waiting in Redis (producers/limits.py), on real parts: at its caps
new comprobantes are refused in the error shape, nothing accepted is dropped, and the `error` hooks of
refused requests count and stop at the cap."""

from __future__ import annotations

from datetime import timedelta

from accounts.points_of_sale import update_point_of_sale
from devtools.local_redis import free_port
from comprobantes import problems as P
from comprobantes.store import Store
from config import clock
from config.metrics import COUNTERS
from producers import enqueue, enqueue_batch
from producers.limits import comprobante_cap, hook_cap, waiting
from tests.support.bodies import item
from tests.support.processes import wait_until
from tests.support.staged_hooks import staged_events


def tomorrow():
    return clock.today_ar() + timedelta(days=1)


def codes(answer) -> list[str]:
    return [d["code"] for d in answer["error_details"]]


def valid(pdv, ref: str) -> dict:
    return pdv.body(item(ref, tomorrow(), pto_vta=pdv.pdv.pto_vta))


def invalid(pdv, ref: str) -> dict:
    return pdv.body(item(ref, tomorrow(), pto_vta=pdv.pdv.pto_vta, total="1.00"))


def test_at_its_cap_of_comprobantes_waiting_a_point_of_sale_is_refused_and_keeps_what_it_had(stack, r):
    pdv = stack.new_pdv()
    update_point_of_sale(r, pdv.id, max_waiting_comprobantes=3)

    singles = [enqueue(valid(pdv, f"cap-{n}")) for n in range(2)]
    batch = enqueue_batch({**pdv.credentials, "requests": [item(f"cap-{n}", tomorrow(), pto_vta=pdv.pdv.pto_vta)
                                                           for n in (2, 3)]})

    assert [a["error"] for a in singles] == ["N", "N"]
    assert [a["error"] for a in batch["response"]] == ["N", "S"]
    refused = batch["response"][1]
    assert codes(refused) == [P.WAITING_COMPROBANTES.code]
    assert "ya tiene 3 comprobantes en la cola esperando ser emitidos" in refused["errores"][0]
    # nothing accepted is dropped, a retry of one of them is still answered, and the refusal has its webhook
    assert [rec.state for n in range(3) for rec in Store(r).by_reference(pdv.id, f"cap-{n}")] == ["encolado"] * 3
    assert Store(r).by_reference(pdv.id, "cap-3") == []
    assert enqueue(valid(pdv, "cap-0"))["error"] == "N"
    assert ("error", "cap-3") in staged_events(r, pdv.id)
    assert waiting(r, pdv.id)[0] == 3


def test_hooks_waiting_count_error_hooks_and_stop_at_the_cap(stack, r):
    pdv = stack.new_pdv()
    # A receiver that refuses connections: every hook stays waiting for its next attempt.
    update_point_of_sale(r, pdv.id, webhook_url=f"http://127.0.0.1:{free_port()}/hooks", max_waiting_hooks=3)
    dropped_before = int(r.hget(COUNTERS, f"encola_error_hooks_dropped|pdv={pdv.id}") or 0)

    accepted = [enqueue(valid(pdv, f"hk-{n}")) for n in range(2)]
    first_refused = enqueue(invalid(pdv, "hk-bad-1"))  # its error hook is the third waiting
    second_refused = enqueue(invalid(pdv, "hk-bad-2"))  # answered, without an error hook
    full = enqueue(valid(pdv, "hk-2"))

    assert [a["error"] for a in accepted] == ["N", "N"]
    assert codes(first_refused) == codes(second_refused) == [P.TOTAL.code]
    assert codes(full) == [P.WAITING_HOOKS.code] and "ya tiene 3 webhooks sin entregar" in full["errores"][0]
    assert staged_events(r, pdv.id) == [("encolado", "hk-0"), ("encolado", "hk-1"), ("error", "hk-bad-1")]
    assert waiting(r, pdv.id) == (2, 3)
    # hk-bad-2's error hook, and hk-2's: a refusal for the cap would pass it too
    assert int(r.hget(COUNTERS, f"encola_error_hooks_dropped|pdv={pdv.id}")) == dropped_before + 2
    assert Store(r).by_reference(pdv.id, "hk-2") == []


def test_delivered_hooks_leave_the_count(stack, r):
    pdv = stack.new_pdv()
    assert enqueue(valid(pdv, "gone-1"))["error"] == "N"
    assert enqueue(invalid(pdv, "gone-2"))["error"] == "S"
    wait_until(lambda: waiting(r, pdv.id)[1] == 0, message="both hooks to be delivered and leave the count")
    assert len(stack.hooks(pdv)) == 2


def test_caps_default_to_the_global_settings_and_a_point_of_sale_may_have_its_own(stack, r, environment):
    pdv = stack.new_pdv()
    assert (comprobante_cap(pdv.pdv), hook_cap(pdv.pdv)) == (10_000, 10_000)
    environment(ENCOLA_MAX_WAITING_COMPROBANTES="50", ENCOLA_MAX_WAITING_HOOKS="60")
    assert (comprobante_cap(pdv.pdv), hook_cap(pdv.pdv)) == (50, 60)
    own = update_point_of_sale(r, pdv.id, max_waiting_comprobantes=5, max_waiting_hooks=6)
    assert (comprobante_cap(own), hook_cap(own)) == (5, 6)
