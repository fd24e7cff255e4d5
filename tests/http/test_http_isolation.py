"""The list of ventas en cola, and isolation: one point of sale never sees nor touches another's
comprobantes or settings, whatever endpoint it calls and whatever it names in the body."""

from __future__ import annotations

from datetime import timedelta

from config import clock
from tests.support.bodies import ddmmyyyy, item
from tests.support.records import one, wait_state


def queue(web, pdv, ref, fecha, **kwargs):
    answer = web.call("facturacion/nuevo_encola", pdv.body(item(ref, fecha, pto_vta=pdv.pdv.pto_vta, **kwargs)))
    assert answer["error"] == "N", answer


def listed(web, pdv, **filters):
    answer = web.call("facturacion/ventas_en_cola", {**pdv.credentials, **filters})
    assert answer["error"] == "N", answer
    return answer["total"], [(c["comprobante"]["external_reference"], c["cola"]["estado"])
                             for c in answer["comprobantes"]]


def test_ventas_en_cola_lists_what_is_not_emitted_in_queue_order_with_filters(web, stack, r):
    pdv = stack.new_pdv()
    today = clock.today_ar()
    queue(web, pdv, "hoy", today)
    wait_state(r, pdv, "hoy", "emitido")
    queue(web, pdv, "ayer", today - timedelta(days=1))  # after today's: fails AFIP's date order
    wait_state(r, pdv, "ayer", "error")
    queue(web, pdv, "en-5", today + timedelta(days=5))
    queue(web, pdv, "en-2", today + timedelta(days=2))
    queue(web, pdv, "en-2-c", today + timedelta(days=2), tipo="FACTURA C", alicuota="0", precio="139.00")

    assert listed(web, pdv) == (4, [("ayer", "error"), ("en-2", "encolado"), ("en-2-c", "encolado"),
                                    ("en-5", "encolado")])
    assert listed(web, pdv, estado="error") == (1, [("ayer", "error")])
    assert listed(web, pdv, fecha_desde=ddmmyyyy(today), fecha_hasta=ddmmyyyy(today + timedelta(days=2))) == (
        2, [("en-2", "encolado"), ("en-2-c", "encolado")])
    assert listed(web, pdv, tipo="factura c") == (1, [("en-2-c", "encolado")])
    assert listed(web, pdv, pagina=1, limite=2) == (4, [("en-2-c", "encolado"), ("en-5", "encolado")])
    refused = web.call("facturacion/ventas_en_cola", {**pdv.credentials, "estado": "emitido",
                                                      "fecha_desde": "2030-01-01", "tipo": 6})
    assert refused["error"] == "S" and len(refused["errores"]) == 3


def test_one_point_of_sale_cannot_see_nor_touch_anothers_comprobantes(web, stack, r):
    owner, other = stack.new_pdv(), stack.new_pdv()
    today = clock.today_ar()
    queue(web, owner, "propio", today)
    emitted = wait_state(r, owner, "propio", "emitido")
    queue(web, owner, "futuro", today + timedelta(days=3))
    creds = other.credentials
    not_found = {"error": "S", "errores": ["No se han encontrado comprobantes."]}

    searches = [{"busqueda_tipo": "EXT_REF", "comprobante": {"external_reference": ref}}
                for ref in ("propio", "futuro")]
    searches += [{"busqueda_tipo": "F", "comprobante": {"fecha": ddmmyyyy(today)}},
                 {"busqueda_tipo": "TN", "comprobante": {"tipo": "FACTURA B", "numero_desde": 0, "numero_hasta": 99,
                                                         "punto_venta": other.pdv.pto_vta}}]
    for search in searches:
        assert web.call("facturacion/consulta_avanzada", {**creds, **search})["total"] == 0
    # naming the owner's punto de venta does not help
    assert web.call("facturacion/consulta", {**creds, "comprobante": {
        "tipo": "FACTURA B", "punto_venta": owner.pdv.pto_vta, "numero": emitted.numero}})["error"] == "S"
    assert web.call("facturacion/reenviar_encolado", {**creds, "external_reference": "propio"}) == not_found
    assert web.call("facturacion/cambiar_fecha_encolado", {**creds, "external_reference": "futuro",
                                                          "fecha": ddmmyyyy(today + timedelta(days=9))}) == not_found
    assert web.call("facturacion/eliminar_encolado", {**creds, "external_reference": "futuro"})["error"] == "S"
    assert listed(web, other) == (0, [])
    assert web.call("puntos_venta/administrar", {**creds, "operacion": "M", "punto_venta": owner.pdv.pto_vta})[
        "error"] == "S"

    # and the owner's comprobantes are as they were
    assert one(r, owner, "futuro").state == "encolado" and one(r, owner, "futuro").fecha == today + timedelta(days=3)
    assert listed(web, owner) == (1, [("futuro", "encolado")])
