"""Rotating a point of sale's credentials and webhook token over HTTP, by its client and by the operator:
the new ones are shown once, the old API credentials open nothing at once, every delivery after a token
rotation carries the new token, and no listing or view shows a webhook token."""

from __future__ import annotations

from producers.access import BAD_CREDENTIALS
from tests.support.processes import wait_until


def test_a_client_rotates_its_credentials_and_the_old_ones_stop_at_once(web, stack):
    pdv = stack.new_pdv()

    rotated = web.call("puntos_venta/rotar_credenciales", pdv.credentials)

    assert rotated["error"] == "N", rotated
    fresh = rotated["credenciales"]
    assert fresh["apikey"] == pdv.credentials["apikey"]
    assert fresh["apitoken"] != pdv.credentials["apitoken"] and fresh["usertoken"] != pdv.credentials["usertoken"]
    assert web.call("puntos_venta/consulta", pdv.credentials) == {"error": "S", "errores": [BAD_CREDENTIALS.text]}
    assert web.call("puntos_venta/consulta", fresh)["punto_venta"]["id"] == pdv.id
    # the answer is the only place they are shown
    assert fresh["apitoken"] not in web.operator("puntos_venta/listado", {}).text


def test_the_operator_rotates_a_point_of_sale_s_credentials(web, stack):
    pdv = stack.new_pdv()
    identity = {"cuit": pdv.pdv.cuit, "pto_vta": pdv.pdv.pto_vta}

    rotated = web.operator("puntos_venta/rotar_credenciales", identity).json()

    assert rotated["error"] == "N", rotated
    assert web.call("puntos_venta/consulta", pdv.credentials)["error"] == "S"
    assert web.call("puntos_venta/consulta", rotated["credenciales"])["error"] == "N"
    missing = web.operator("puntos_venta/rotar_credenciales", {**identity, "pto_vta": 99991}).json()
    assert missing["error"] == "S" and "No existe el punto de venta 99991" in missing["errores"][0]


def delivered_token(web, stack, pdv, credentials) -> str:
    """The TF-WebhookToken of a test hook sent now."""
    sent = web.call("hooks/test", credentials)
    delivery = wait_until(lambda: next((d for d in stack.receiver.received(pdv.hook_path)
                                        if d.headers["webhook-id"] == sent["hook_id"]), None), message="the test hook")
    return delivery.headers["tf-webhooktoken"]


def test_the_webhook_token_is_shown_only_when_created_or_rotated(web, stack):
    pdv = stack.new_pdv()
    identity = {"cuit": pdv.pdv.cuit, "pto_vta": pdv.pdv.pto_vta}
    first = pdv.pdv.webhook_token
    assert delivered_token(web, stack, pdv, pdv.credentials) == first

    for shown in (web.operator("puntos_venta/listado", {}), web.operator("puntos_venta/consulta", identity),
                  web.post("puntos_venta/consulta", pdv.credentials)):
        assert shown.status_code == 200 and first not in shown.text and "webhook_token" not in shown.text

    by_client = web.call("puntos_venta/rotar_token_webhook", pdv.credentials)
    assert by_client["error"] == "N" and by_client["webhook_token"] not in (first, "")
    assert delivered_token(web, stack, pdv, pdv.credentials) == by_client["webhook_token"]

    by_operator = web.operator("puntos_venta/rotar_token_webhook", identity).json()
    assert by_operator["webhook_token"] not in (first, by_client["webhook_token"])
    assert delivered_token(web, stack, pdv, pdv.credentials) == by_operator["webhook_token"]
    assert by_operator["webhook_token"] not in web.operator("puntos_venta/listado", {}).text
