"""Requests of one point of sale submitted at the same time, on real parts: each request is decided from
one reading and stored in one WATCHed transaction (producers/submission.py), so together they never pass
the monthly quota and never queue one reference twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from comprobantes import problems as P
from comprobantes.store import Store
from config import clock
from producers import enqueue, enqueue_batch, quota
from tests.support.bodies import item
from tests.support.staged_hooks import staged_events

THREADS = 6


def tomorrow():
    return clock.today_ar() + timedelta(days=1)


def test_batches_sent_together_take_exactly_the_monthly_quota(stack, r):
    pdv = stack.new_pdv(monthly_quota=100)
    bodies = [{**pdv.credentials, "requests": [item(f"c-{b}-{n}", tomorrow(), pto_vta=pdv.pdv.pto_vta)
                                               for n in range(30)]} for b in range(THREADS)]
    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(enqueue_batch, bodies))
    results = [result for answer in answers for result in answer["response"]]
    assert sum(result["error"] == "N" for result in results) == 100
    refused = [result for result in results if result["error"] == "S"]
    assert len(refused) == 80
    assert {detail["code"] for result in refused for detail in result["error_details"]} == {P.QUOTA.code}
    assert quota.used(r, pdv.pdv, clock.today_ar()) == 100
    kinds = [evento for evento, _ in staged_events(r, pdv.id)]
    assert (kinds.count("encolado"), kinds.count("error")) == (100, 80)


def test_one_reference_sent_together_is_queued_once_and_every_request_gets_it(stack, pdv, r):
    body = pdv.body(item("together-1", tomorrow(), pto_vta=pdv.pdv.pto_vta))
    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(enqueue, [body] * THREADS))
    assert [answer["error"] for answer in answers] == ["N"] * THREADS
    assert {answer["external_reference"] for answer in answers} == {"together-1"}
    assert len(Store(r).by_reference(pdv.id, "together-1")) == 1
    assert staged_events(r, pdv.id) == [("encolado", "together-1")]
    assert quota.used(r, pdv.pdv, clock.today_ar()) == 1
