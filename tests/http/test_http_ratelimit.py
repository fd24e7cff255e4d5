"""The per-credential rate limit: HTTP 429 with Retry-After over the budget, counted in Redis so the two
gunicorn workers of the `web` process share it, one point of sale's excess never refusing another's; and
the same budget for each session of the ventas en cola page."""

from __future__ import annotations

import secrets
import time

import pytest

from producers.http.ratelimit import take
from tests.support.web import Web, page_sign_in


def test_gcra_lets_a_burst_through_then_one_request_per_interval(r):
    subject = f"test:{secrets.token_hex(4)}"
    assert [take(r, subject, rate=10, burst=3) for _ in range(3)] == [0, 0, 0]
    wait = take(r, subject, rate=10, burst=3)
    assert 0.05 < wait <= 0.1
    time.sleep(wait)
    assert take(r, subject, rate=10, burst=3) == 0


@pytest.fixture(scope="module")
def slow_web(stack):
    # One request a second after a burst of three: a loaded machine would need a whole second between
    # two of the first four requests to let the fourth through.
    server = Web("web-rate-limited", stack.env, stack.base_dir, ENCOLA_HTTP_RATE_LIMIT="1", ENCOLA_HTTP_RATE_BURST="3")
    yield server
    server.stop()


def consulta(web, credentials):
    # A new connection each time, taken by whichever gunicorn worker accepts it first.
    return web.post("facturacion/consulta_avanzada", {**credentials, "busqueda_tipo": "EXT_REF",
                                                      "comprobante": {"external_reference": "nada"}},
                    headers={"Connection": "close"})


def test_a_point_of_sale_over_its_budget_gets_429_and_others_do_not(slow_web, stack):
    busy, quiet = stack.new_pdv(), stack.new_pdv()

    statuses = [consulta(slow_web, busy.credentials).status_code for _ in range(3)]
    refused = consulta(slow_web, busy.credentials)

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    answer = refused.json()
    assert answer["error"] == "S" and answer["error_details"][0]["code"] == "TFC-1005"
    assert "limite de 1 requests por segundo de tu punto de venta" in answer["errores"][0]
    # another point of sale, and wrong credentials (counted by address), have budgets of their own
    assert consulta(slow_web, quiet.credentials).status_code == 200
    assert consulta(slow_web, {**busy.credentials, "apitoken": "wrong"}).status_code == 200
    time.sleep(1.0)  # one interval
    assert consulta(slow_web, busy.credentials).status_code == 200


@pytest.fixture(scope="module")
def paced_web(stack):
    # Three requests at once, then one each 5 s: signing in and three loads of the page fit in the
    # interval even on a loaded machine.
    server = Web("web-page-paced", stack.env, stack.base_dir, ENCOLA_HTTP_RATE_LIMIT="0.2",
                 ENCOLA_HTTP_RATE_BURST="3")
    yield server
    server.stop()


def test_a_page_session_over_its_budget_gets_429_and_another_session_does_not(paced_web, stack):
    pdv = stack.new_pdv()
    page = f"{paced_web.base_url}/ventas-en-cola"
    other, _ = page_sign_in(page, pdv.credentials)
    busy, _ = page_sign_in(page, pdv.credentials)  # landing on the page is the first of its three

    statuses = [busy.get(page, timeout=10).status_code for _ in range(2)]
    refused = busy.get(page, timeout=10)

    assert statuses == [200, 200]
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 5
    assert "Demasiados pedidos seguidos" in refused.text
    assert other.get(page, timeout=10).status_code == 200
