"""Points of sale over HTTP: the operator creates and manages them with ENCOLA_ADMIN_TOKEN; a client
sees and changes its own settings with its credentials, TusFacturas' `puntos_venta/administrar`."""

from __future__ import annotations

from datetime import timedelta

import requests
from standardwebhooks.webhooks import Webhook

from afip.simulator.certs import issue_client_certificate
from config import clock
from producers.http.app import create_app
from tests.support.bodies import item
from tests.support.processes import wait_until
from tests.support.web import served_in_thread


def test_a_point_of_sale_created_over_the_admin_api_invoices_and_gets_signed_hooks(web, stack):
    cuit = stack.new_cuit()
    cert = issue_client_certificate(str(stack.base_dir / "certs"), cuit, name=f"cuit{cuit}")
    hook_path = f"/hooks/admin-{cuit}"

    created = web.operator("puntos_venta/alta", {
        "cuit": cuit, "pto_vta": 7, "webhook_url": stack.receiver.base_url + hook_path,
        "cert_path": cert.cert_path, "key_path": cert.key_path, "razon_social": "Alta por API SA"})

    assert created.status_code == 200, created.text
    answer = created.json()
    assert answer["error"] == "N" and answer["punto_venta"]["id"] == f"{cuit}-00007"
    assert set(answer["credenciales"]) == {"apikey", "apitoken", "usertoken"}
    assert "webhook_secret" not in answer["punto_venta"] and answer["webhook_secret"].startswith("whsec_")

    queued = web.call("facturacion/nuevo_encola", {**answer["credenciales"],
                                                   **item("por-api", clock.today_ar(), pto_vta=7)})
    assert queued["error"] == "N", queued
    deliveries = wait_until(lambda: len(stack.receiver.received(hook_path)) >= 2 and stack.receiver.received(hook_path),
                            message="the encolado and emitido hooks")
    for delivery in deliveries:
        assert delivery.headers["tf-webhooktoken"] == answer["webhook_token"]
        Webhook(answer["webhook_secret"]).verify(delivery.body, delivery.headers)
    assert sorted(d.json()["evento"] for d in deliveries) == ["emitido", "encolado"]

    duplicate = web.operator("puntos_venta/alta", {"cuit": cuit, "pto_vta": 7, "webhook_url": "", "cert_path":
                                                   cert.cert_path, "key_path": cert.key_path}).json()
    assert duplicate == {"error": "S", "errores": [f"El punto de venta 7 del CUIT {cuit} ya existe."]}


def test_the_operator_lists_shows_and_changes_points_of_sale(web, stack, pdv):
    identity = {"cuit": pdv.pdv.cuit, "pto_vta": pdv.pdv.pto_vta}

    listed = web.operator("puntos_venta/listado", {}).json()
    shown_raw = web.operator("puntos_venta/consulta", identity)
    shown = shown_raw.json()
    changed = web.operator("puntos_venta/modificar", {**identity, "monthly_quota": 5, "active": False,
                                                      "batch_size": 10}).json()

    assert pdv.id in [p["id"] for p in listed["puntos_venta"]]
    assert shown["punto_venta"]["webhook_url"] == pdv.pdv.webhook_url
    assert pdv.webhook_secret not in shown_raw.text and not any("sha256" in name for name in shown["punto_venta"])
    assert (changed["punto_venta"]["monthly_quota"], changed["punto_venta"]["active"]) == (5, False)
    missing = web.operator("puntos_venta/consulta", {**identity, "pto_vta": 99990}).json()
    assert missing["error"] == "S" and "No existe el punto de venta 99990" in missing["errores"][0]
    invalid = web.operator("puntos_venta/modificar", {**identity, "cert_path": "rel/cert.pem", "monthly": 3}).json()
    assert invalid["errores"] == ["El campo monthly no existe en el formato de TusFacturas."]
    relative = web.operator("puntos_venta/modificar", {**identity, "cert_path": "rel/cert.pem"}).json()
    assert "debe ser una ruta absoluta" in relative["errores"][0]


def test_the_admin_api_needs_the_operator_token_and_is_off_without_one(web):
    no_header = web.post("admin/puntos_venta/listado", {})
    wrong = web.operator("puntos_venta/listado", {}, token="not-the-token")
    assert no_header.status_code == wrong.status_code == 401
    assert no_header.headers["WWW-Authenticate"].startswith("Bearer")
    assert wrong.json()["error_details"][0]["code"] == "TFC-1011"
    # this test process has no ENCOLA_ADMIN_TOKEN: its app refuses every operator call
    with served_in_thread(create_app()) as url:
        off = requests.post(f"{url}/api/v2/admin/puntos_venta/listado", json={}, timeout=5)
    assert off.status_code == 403 and off.json()["error_details"][0]["code"] == "TFC-1010"
    assert "ENCOLA_ADMIN_TOKEN" in off.json()["errores"][0]


def test_a_client_changes_its_webhook_with_tusfacturas_administrar(web, stack):
    pdv = stack.new_pdv()
    new_url = stack.receiver.base_url + f"/hooks/nuevo-{pdv.id}"
    # TusFacturas' own example body, as a client would re-send its whole record with operacion M
    example = {
        **pdv.credentials, "operacion": "M", "punto_venta": f"{pdv.pdv.pto_vta:05d}", "direccion": "AV. 68 N75A",
        "razon_social": "MI CUIT DE PRUEBA", "cuit": str(pdv.pdv.cuit), "iva_condicion": "RI",
        "iva_emails": "tuemail@tudominio.com", "iibb": "12345", "fecha_inicio": "12/12/2017", "factura_afip": "S",
        "es_agente_retencion": "N", "esta_activo": "S", "es_predeterminado": "S", "conceptos_tipo": "PS",
        "webhook": new_url, "factura": {"titulo": "PIRULO & CO", "copias": "2"},
    }

    answer = web.call("puntos_venta/administrar", example)

    assert answer["error"] == "N", answer
    seen = web.call("puntos_venta/consulta", pdv.credentials)["punto_venta"]
    assert (seen["webhook_url"], seen["concepto"], seen["razon_social"]) == (new_url, 3, "MI CUIT DE PRUEBA")
    assert "cert_path" not in seen and "key_path" not in seen
    assert web.call("puntos_venta/administrar", {**pdv.credentials, "operacion": "M", "idempotencia": "N",
                                                 "tamano_lote_afip": 50})["punto_venta"]["batch_size"] == 50
    # nothing to change is not an error (the fuzzer found this one)
    assert web.call("puntos_venta/administrar", {**pdv.credentials, "operacion": "M"})["error"] == "N"


def test_what_a_client_cannot_change_is_refused_by_name(web, pdv):
    creds = pdv.credentials
    creating = web.call("puntos_venta/administrar", {**creds, "operacion": "A", "punto_venta": 9})
    identity = web.call("puntos_venta/administrar", {**creds, "operacion": "M", "cuit": 20222222223,
                                                     "esta_activo": "N"})
    typo = web.call("puntos_venta/administrar", {**creds, "operacion": "M", "webhok": "https://x.example"})

    assert "los da de alta el operador" in creating["errores"][0]
    assert [e.split(" no se puede")[0] for e in identity["errores"]] == ["El campo cuit", "El campo esta_activo"]
    assert typo["errores"] == ["El campo webhok no existe en el formato de TusFacturas."]
    assert web.call("puntos_venta/consulta", creds)["punto_venta"]["webhook_url"] == pdv.pdv.webhook_url


def test_the_subscription_the_operator_sets_is_checked_at_submission(web, stack):
    pdv = stack.new_pdv()
    identity = {"cuit": pdv.pdv.cuit, "pto_vta": pdv.pdv.pto_vta}
    fecha = clock.today_ar() + timedelta(days=3)

    def submit(ref):
        return web.call("facturacion/nuevo_encola", pdv.body(item(ref, fecha, pto_vta=pdv.pdv.pto_vta)))

    assert web.operator("puntos_venta/modificar", {**identity, "monthly_quota": 1}).json()["error"] == "N"
    assert submit("cupo-1")["error"] == "N"
    over = submit("cupo-2")
    assert [d["code"] for d in over["error_details"]] == ["TFC-8007"]

    assert web.operator("puntos_venta/modificar", {**identity, "active": False, "monthly_quota": 0}).json()[
        "error"] == "N"
    inactive = submit("cupo-3")
    assert [d["code"] for d in inactive["error_details"]] == ["TFC-8006"]


def test_the_issuers_printed_data_is_kept_from_tusfacturas_administrar(web, stack):
    pdv = stack.new_pdv()
    answer = web.call("puntos_venta/administrar", {**pdv.credentials, "operacion": "M", "direccion": " AV. 68 N75A ",
                                                   "iibb": "12345", "fecha_inicio": "12/12/2017"})
    assert answer["error"] == "N", answer
    seen = web.call("puntos_venta/consulta", pdv.credentials)["punto_venta"]
    assert (seen["domicilio"], seen["iibb"], seen["inicio_actividades"]) == ("AV. 68 N75A", "12345", "2017-12-12")
    wrong = web.call("puntos_venta/administrar", {**pdv.credentials, "operacion": "M", "fecha_inicio": "31/02/2017"})
    assert wrong["error"] == "S" and "fecha_inicio" in wrong["errores"][0]
