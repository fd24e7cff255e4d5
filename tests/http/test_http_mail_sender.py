"""Who e-mailed comprobantes come from: a point of sale's own sender, set by its client with
`puntos_venta/administrar` (`remitente_email`) or by the operator (`mail_from`), else ENCOLA_MAIL_FROM."""

from __future__ import annotations

from accounts.points_of_sale import get_point_of_sale


def test_a_client_sets_its_own_sender_and_an_address_is_required(web, stack, r):
    pdv = stack.new_pdv()
    answer = web.call("puntos_venta/administrar", {**pdv.credentials, "operacion": "M",
                                                   "remitente_email": "facturas@cliente.example"})
    assert answer["error"] == "N" and answer["punto_venta"]["mail_from"] == "facturas@cliente.example"
    assert get_point_of_sale(r, pdv.id).mail_from == "facturas@cliente.example"

    refused = web.call("puntos_venta/administrar", {**pdv.credentials, "operacion": "M",
                                                    "remitente_email": "no es una direccion"})
    assert refused["error"] == "S" and "remitente_email" in refused["errores"][0]
    assert web.call("puntos_venta/administrar", {**pdv.credentials, "operacion": "M",
                                                 "remitente_email": ""})["error"] == "N"
    assert get_point_of_sale(r, pdv.id).mail_from == ""


def test_the_operator_sets_a_point_of_sales_sender(web, stack):
    pdv = stack.new_pdv()
    body = {"cuit": pdv.pdv.cuit, "pto_vta": pdv.pdv.pto_vta, "mail_from": "ventas@encola.example"}
    answer = web.operator("puntos_venta/modificar", body).json()
    assert answer["error"] == "N" and answer["punto_venta"]["mail_from"] == "ventas@encola.example"
    assert web.operator("puntos_venta/modificar", {**body, "mail_from": "@"}).json()["error"] == "S"
