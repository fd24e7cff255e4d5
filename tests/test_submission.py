"""nuevo_encola on real parts: the two levels of rejection, the subscription at submission, and
idempotent submission (a retry after a network timeout never invoices twice)."""

from __future__ import annotations

from datetime import timedelta

from accounts.points_of_sale import update_point_of_sale
from comprobantes import problems as P
from comprobantes.store import Store
from config import clock
from producers import enqueue
from producers import quota
from tests.support.bodies import item
from tests.support.processes import wait_until
from tests.support.staged_hooks import staged, staged_events


def tomorrow():
    return clock.today_ar() + timedelta(days=1)


def codes(answer) -> list[str]:
    return [d["code"] for d in answer["error_details"]]


def test_bad_credentials_are_refused_without_a_webhook(stack, pdv, r):
    answer = enqueue({**pdv.body(item("ref-1", tomorrow(), pto_vta=pdv.pdv.pto_vta)), "usertoken": "nope"})
    assert answer["error"] == "S" and codes(answer) == [P.CREDENTIALS.code]
    assert answer["external_reference"] == "ref-1" and staged(r, pdv.id) == []


def test_a_point_of_sale_without_webhook_url_or_inactive_cannot_queue_and_gets_no_webhook(stack, r):
    for change, kind in (({"webhook_url": ""}, P.NO_WEBHOOK), ({"active": False}, P.SUBSCRIPTION_INACTIVE)):
        pdv = stack.new_pdv()
        update_point_of_sale(r, pdv.id, **change)
        answer = enqueue(pdv.body(item("ref-1", tomorrow(), pto_vta=pdv.pdv.pto_vta)))
        assert codes(answer) == [kind.code]
        assert Store(r).by_reference(pdv.id, "ref-1") == [] and staged(r, pdv.id) == []


def test_a_validation_error_is_answered_at_once_and_by_an_error_webhook_with_the_same_messages(stack, pdv, r):
    body = pdv.body(item("ref-1", tomorrow(), pto_vta=pdv.pdv.pto_vta, total="150.00", alicuota="21"))
    body["comprobante"]["numero"] = 4
    answer = enqueue(body)
    assert codes(answer) == [P.NUMERO.code, P.TOTAL.code]
    assert [(h["evento"], h["external_reference"], h["msg"]) for h in staged(r, pdv.id)] == [
        ("error", "ref-1", answer["errores"])]
    assert Store(r).by_reference(pdv.id, "ref-1") == []


def test_a_retry_gets_the_same_answer_and_queues_nothing_more(stack, pdv, r):
    body = pdv.body(item("retry-1", tomorrow(), pto_vta=pdv.pdv.pto_vta))
    first = enqueue(body)
    assert first["error"] == "N"
    assert enqueue(body) == first
    assert len(Store(r).by_reference(pdv.id, "retry-1")) == 1
    assert staged_events(r, pdv.id) == [("encolado", "retry-1")]
    assert quota.used(r, pdv.pdv, clock.today_ar()) == 1


def test_a_retry_after_emission_gets_the_emitted_comprobante(stack, pdv, r):
    body = pdv.body(item("retry-2", clock.today_ar(), pto_vta=pdv.pdv.pto_vta))
    enqueue(body)
    record = wait_until(lambda: next((x for x in Store(r).by_reference(pdv.id, "retry-2") if x.state == "emitido"), None),
                        message="the comprobante to be emitted")
    again = enqueue(body)
    assert again["cae"] == record.cae and again["comprobante_nro"] == f"{pdv.pdv.pto_vta:05d}-00000001"
    assert again["vencimiento_cae"] != "01/01/2000" and again["afip_qr"].startswith("https://www.afip.gob.ar/fe/qr/")
    assert len([a for a in stack.authorised() if a[:2] == (pdv.pdv.cuit, pdv.pdv.pto_vta)]) == 1


def test_the_same_reference_for_another_comprobante_is_refused_without_a_webhook(stack, pdv, r):
    enqueue(pdv.body(item("taken-1", tomorrow(), pto_vta=pdv.pdv.pto_vta)))
    other = pdv.body(item("taken-1", tomorrow(), pto_vta=pdv.pdv.pto_vta, precio="200", total="242.00"))
    answer = enqueue(other)
    assert codes(answer) == [P.REFERENCE_TAKEN.code]
    assert len(Store(r).by_reference(pdv.id, "taken-1")) == 1
    assert staged_events(r, pdv.id) == [("encolado", "taken-1")]


def test_with_idempotent_submission_off_every_request_is_queued_as_tusfacturas_does(stack, r):
    pdv = stack.new_pdv(idempotent_submission=False)
    body = pdv.body(item("twice-1", tomorrow(), pto_vta=pdv.pdv.pto_vta))
    assert enqueue(body)["error"] == enqueue(body)["error"] == "N"
    assert len(Store(r).by_reference(pdv.id, "twice-1")) == 2
    assert staged_events(r, pdv.id) == [("encolado", "twice-1"), ("encolado", "twice-1")]


def test_the_monthly_quota_is_checked_when_the_request_is_sent(stack, r):
    pdv = stack.new_pdv(monthly_quota=2)
    answers = [enqueue(pdv.body(item(f"q-{n}", tomorrow(), pto_vta=pdv.pdv.pto_vta))) for n in range(3)]
    assert [a["error"] for a in answers] == ["N", "N", "S"]
    assert codes(answers[2]) == [P.QUOTA.code]
    assert enqueue(pdv.body(item("q-0", tomorrow(), pto_vta=pdv.pdv.pto_vta)))["error"] == "N"  # a retry: free
    assert staged_events(r, pdv.id) == [("encolado", "q-0"), ("encolado", "q-1"), ("error", "q-2")]
    assert quota.used(r, pdv.pdv, clock.today_ar()) == 2


def test_junk_bodies_get_the_error_shape(stack, pdv):
    for junk in (None, [], "x", 3, {}, {"comprobante": []}, {**pdv.credentials, "cliente": 1, "comprobante": "x"}):
        answer = enqueue(junk)
        assert answer["error"] == "S" and answer["errores"] and len(answer["errores"]) == len(answer["error_details"])
