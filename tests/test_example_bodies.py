"""Every method's documented body (producers/http/examples.py), which the README and the OpenAPI
document show, is complete and valid for its method as it stands, but for the reader's own credentials."""

from __future__ import annotations

import pytest

from config import clock
from producers.bodies import judge, unknown_fields
from producers.http.examples import BODIES, example_body
from producers.http.routes import ENDPOINTS


def test_every_method_has_a_documented_body_and_every_body_a_method():
    documented = {str(path.relative_to(BODIES).with_suffix("")) for path in BODIES.rglob("*.json")}
    assert documented == {endpoint.path for endpoint in ENDPOINTS}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.path)
def test_a_documented_body_fits_its_method(endpoint):
    body = example_body(endpoint.path, clock.today_ar())
    assert unknown_fields(body, endpoint.request) == []
    assert judge(endpoint.request, body)[1] == []


def test_the_date_placeholder_becomes_the_given_day():
    body = example_body("facturacion/nuevo_encola", clock.today_ar())
    today = clock.today_ar().strftime("%d/%m/%Y")
    assert (body["comprobante"]["fecha"], body["comprobante"]["vencimiento"]) == (today, today)
