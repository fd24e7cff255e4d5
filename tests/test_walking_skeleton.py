"""The walking skeleton's path, on real parts: producers.enqueue → Redis → a Celery worker → WSAA and
WSFEv1 at the simulator over HTTP → emitido → webhooks delivered to a real receiver."""

from __future__ import annotations

import re

from standardwebhooks.webhooks import Webhook

from comprobantes.store import Store
from config import clock
from producers import enqueue
from tests.support.bodies import item
from tests.support.processes import wait_until

SEED_HOOK_KEYS = {"creado", "evento", "recurso", "external_reference", "intento", "msg", "hook_id"}


def test_one_comprobante_goes_from_the_python_api_to_afip_and_back_by_webhook(stack, pdv, r):
    # given a body shaped like TusFacturas' nuevo_encola page's nuevo_encola request, dated today
    body = pdv.body(item("skeleton-1", clock.today_ar(), pto_vta=pdv.pdv.pto_vta))

    # when it is enqueued through the Python API
    answer = enqueue(body)

    # then the answer is the accepted answer of TusFacturas' nuevo_encola page
    assert answer["error"] == "N"
    assert answer["external_reference"] == "skeleton-1"
    assert answer["comprobante_nro"] == f"{pdv.pdv.pto_vta:05d}-00000000"
    assert answer["cae"] == " " and answer["vencimiento_cae"] == "01/01/2000"
    assert answer["comprobante_tipo"] == "FACTURA B"

    # and the worker emits it at the simulator
    store = Store(r)
    record = wait_until(lambda: next((x for x in store.by_reference(pdv.id, "skeleton-1") if x.state == "emitido"), None),
                        message="the comprobante to be emitted")
    assert record.numero == 1
    assert re.fullmatch(r"\d{14}", record.cae)
    assert (pdv.pdv.cuit, pdv.pdv.pto_vta, 6, 1, record.cae) in stack.authorised()

    # and the receiver gets encolado then emitido, with the keys of TusFacturas' nuevo_encola page, signed per
    # Standard Webhooks
    deliveries = wait_until(lambda: len(stack.receiver.received(pdv.hook_path)) >= 2 and stack.receiver.received(pdv.hook_path),
                            message="two webhooks")
    payloads = [d.json() for d in deliveries]
    assert [p["evento"] for p in payloads] == ["encolado", "emitido"]
    for delivery, payload in zip(deliveries, payloads):
        assert SEED_HOOK_KEYS <= set(payload)
        assert payload["recurso"] == "facturacion" and payload["external_reference"] == "skeleton-1"
        assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", payload["creado"])
        assert delivery.headers["tf-webhooktoken"] == pdv.pdv.webhook_token
        assert Webhook(pdv.webhook_secret).verify(delivery.body, delivery.headers) == payload
    assert payloads[1]["cae"] == record.cae
    assert payloads[1]["comprobante_nro"] == f"{pdv.pdv.pto_vta:05d}-00000001"
