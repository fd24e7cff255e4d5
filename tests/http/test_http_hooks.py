"""A point of sale's webhooks over HTTP: the hook log, redelivery (one hook, or every failed one since a
moment), the test event and secret rotation; an operator enables a disabled endpoint; and no point of
sale reaches another's hooks."""

from __future__ import annotations

import socket
import threading
from datetime import datetime

from standardwebhooks.webhooks import Webhook

from accounts.points_of_sale import update_point_of_sale
from devtools.webhook_receiver import Behaviour
from config import clock
from tests.support.bodies import item
from tests.support.processes import wait_until


def queue(web, pdv, ref):
    answer = web.call("facturacion/nuevo_encola", pdv.body(item(ref, clock.today_ar(), pto_vta=pdv.pdv.pto_vta)))
    assert answer["error"] == "N", answer


def hooks_of(web, pdv, **query) -> list[dict]:
    answer = web.call("hooks/consulta", {**pdv.credentials, **query})
    assert answer["error"] == "N", answer
    return answer["hooks"]


def delivered(web, pdv, ref, count):
    return wait_until(lambda: len(found := [h for h in hooks_of(web, pdv, external_reference=ref)
                                            if h["state"] == "entregado"]) == count and found,
                      message=f"{count} delivered hooks of {ref}")


def test_the_hook_log_shows_each_hook_with_its_attempts_and_one_is_redelivered(web, stack):
    pdv = stack.new_pdv()
    queue(web, pdv, "log-1")
    logged = delivered(web, pdv, "log-1", 2)

    assert [h["evento"] for h in logged] == ["encolado", "emitido"]
    first = logged[0]
    assert first["payload"]["hook_id"] == first["hook_id"] and first["payload"]["external_reference"] == "log-1"
    assert [(a["trigger"], a["status"]) for a in first["attempts"]] == [("automatic", 200)]
    assert hooks_of(web, pdv, hook_id=first["hook_id"]) == [first]
    assert [h["hook_id"] for h in hooks_of(web, pdv, estado="entregado", limite=1)] == [logged[1]["hook_id"]]

    again = web.call("hooks/reenviar", {**pdv.credentials, "hook_id": first["hook_id"]})

    assert again == {"error": "N", "errores": [], "hooks": [first["hook_id"]]}
    wait_until(lambda: [d.headers["webhook-id"] for d in stack.receiver.received(pdv.hook_path)].count(
        first["hook_id"]) == 2, message="the same hook delivered again")
    wait_until(lambda: [a["trigger"] for a in hooks_of(web, pdv, hook_id=first["hook_id"])[0]["attempts"]] == [
        "automatic", "manual"], message="the manual attempt in the log")


def test_a_disabled_endpoint_is_enabled_by_the_operator_and_its_failed_hooks_sent_again(web, stack):
    pdv = stack.new_pdv()
    since = datetime.fromtimestamp(clock.timestamp() - 1, clock.ARGENTINA).strftime("%d/%m/%Y %H:%M:%S")
    stack.receiver.behaviours[pdv.hook_path] = Behaviour(410)
    queue(web, pdv, "gone")
    wait_until(lambda: [h["state"] for h in hooks_of(web, pdv, external_reference="gone")] == ["fallido", "fallido"],
               message="both hooks failed on the disabled endpoint")
    status = web.call("puntos_venta/consulta", pdv.credentials)["webhook"]
    assert status["disabled"] and "410" in status["disabled_reason"]

    stack.receiver.behaviours[pdv.hook_path] = Behaviour(200)
    enabled = web.operator("puntos_venta/habilitar_webhook", {"cuit": pdv.pdv.cuit, "pto_vta": pdv.pdv.pto_vta})
    sent = web.call("hooks/reenviar", {**pdv.credentials, "fallidos_desde": since})

    assert enabled.json()["punto_venta"]["webhook_disabled_at"] == 0
    assert len(sent["hooks"]) == 2
    delivered(web, pdv, "gone", 2)
    assert not web.call("puntos_venta/consulta", pdv.credentials)["webhook"]["disabled"]


def test_a_test_event_arrives_signed_and_a_rotated_secret_signs_beside_the_old_one(web, stack):
    pdv = stack.new_pdv()
    old_secret = pdv.webhook_secret

    rotated = web.call("puntos_venta/rotar_secreto_webhook", {**pdv.credentials, "gracia_segundos": 3600})
    sent = web.call("hooks/test", pdv.credentials)

    assert rotated["webhook_secret"].startswith("whsec_") and rotated["webhook_secret"] != old_secret
    assert rotated["secreto_anterior_hasta"] > clock.timestamp() + 3500
    delivery = wait_until(lambda: next((d for d in stack.receiver.received(pdv.hook_path)
                                        if d.headers["webhook-id"] == sent["hook_id"]), None), message="the test hook")
    assert (delivery.json()["evento"], delivery.json()["recurso"]) == ("test", "test")
    for secret in (rotated["webhook_secret"], old_secret):
        Webhook(secret).verify(delivery.body, delivery.headers)


def test_no_point_of_sale_reaches_anothers_hooks(web, stack):
    owner, other = stack.new_pdv(), stack.new_pdv()
    queue(web, owner, "ajeno")
    hook_id = delivered(web, owner, "ajeno", 2)[0]["hook_id"]

    assert hooks_of(web, other, external_reference="ajeno") == []
    assert hooks_of(web, other, hook_id=hook_id) == []
    assert web.call("hooks/reenviar", {**other.credentials, "hook_id": hook_id}) == {
        "error": "S", "errores": [f"No se encontro el hook {hook_id}."]}
    assert hooks_of(web, other) == []


def test_hook_requests_are_judged_before_anything_is_sent(web, pdv):
    both = web.call("hooks/reenviar", {**pdv.credentials, "hook_id": "x", "fallidos_desde": "01/01/2030"})
    neither = web.call("hooks/reenviar", pdv.credentials)
    bad = web.call("hooks/consulta", {**pdv.credentials, "estado": "perdido", "desde": "ayer", "limite": 0,
                                      "external_reference": ["no", "una lista"]})
    assert both["error"] == neither["error"] == "S" and "hook_id" in both["errores"][0]
    assert len(bad["errores"]) == 4


def _not_http_server(answer: bytes) -> tuple[str, socket.socket]:
    """A loopback service that is not HTTP: it answers every connection with `answer` and closes it."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(answer)

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{server.getsockname()[1]}/admin", server


def test_a_receivers_answer_never_reaches_the_client(web, stack, r):
    """An internal service's answer, read back through hooks/consulta, would make any allowed address a
    window into it: the client sees status, length and timing only, the operator's log an excerpt."""
    pdv = stack.new_pdv()

    def tried(hook_id: str) -> dict:
        return wait_until(lambda: (found := hooks_of(web, pdv, hook_id=hook_id)[0]["attempts"]) and found[0],
                          message=f"{hook_id}'s attempt")

    # A secret-looking token, and past the log's 200 characters a tail the log must not keep either.
    body = b"<h1>panel interno</h1> secreto-del-panel-zqxkw whsec_" + b"Q" * 40 + b" " + b"." * 300 + b"cola-zqwkw"
    stack.receiver.behaviours[pdv.hook_path] = Behaviour(200, body=body)
    answered = tried(web.call("hooks/test", pdv.credentials)["hook_id"])
    stack.receiver.behaviours[pdv.hook_path] = Behaviour(
        302, headers={"Location": "http://10.0.0.1/redireccion-secreta-zqykw"}, body=b"movido-secreto-zqykw")
    redirected = tried(web.call("hooks/test", pdv.credentials)["hook_id"])
    url, server = _not_http_server(b"SERVICIO-NO-HTTP-secreto-zqzkw\r\n\r\n")
    try:
        update_point_of_sale(r, pdv.id, webhook_url=url)
        not_http = tried(web.call("hooks/test", pdv.credentials)["hook_id"])
    finally:
        server.close()

    shown = web.post("hooks/consulta", pdv.credentials).text
    assert not any(marker in shown for marker in ("zqxkw", "zqykw", "zqzkw", "zqwkw", "whsec_")), shown
    assert (answered["status"], answered["response_bytes"]) == (200, len(body)) and "response" not in answered
    assert redirected["status"] == 302 and not_http["status"] is None
    logs = "".join(path.read_text(errors="replace") for path in stack.base_dir.glob("webhooks*.log"))
    assert "secreto-del-panel-zqxkw" in logs and "redireccion-secreta-zqykw" in logs
    assert "whsec_QQQQ" not in logs and "cola-zqwkw" not in logs
