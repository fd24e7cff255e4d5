"""Batches on real parts: lotes_encola (one answer per request, in order; whole-batch refusals with
no webhooks) and the legacy lotes of TusFacturas' legacy lotes page (rows named "comenzando en 0")."""

from __future__ import annotations

from datetime import timedelta

from accounts.points_of_sale import update_point_of_sale
from comprobantes import problems as P
from comprobantes.store import Store
from config import clock
from producers import enqueue_batch, enqueue_lotes
from tests.support.bodies import ddmmyyyy, item
from tests.support.staged_hooks import staged, staged_events

ACCEPTED_ITEM_KEYS = {
    "error", "errores", "cae", "cae_vencimiento", "observaciones", "envio_x_mail", "envio_x_mail_direcciones",
    "tfc_generacion_tipo", "external_reference", "rta", "vencimiento_cae", "vencimiento_pago", "comprobante_nro",
    "comprobante_tipo", "micrositios", "afip_codigo_barras", "afip_qr", "comprobante_pdf_url",
}


def tomorrow():
    return clock.today_ar() + timedelta(days=1)


def items(pdv, *refs, **options):
    return [item(ref, tomorrow(), pto_vta=pdv.pdv.pto_vta, **options) for ref in refs]


def test_lotes_encola_answers_each_request_in_order_and_queues_the_good_ones(stack, pdv, r):
    requests = items(pdv, "L-1") + items(pdv, "% 'M17051") + items(
        pdv, "L-3", tipo="FACTURA A", documento_tipo="CUIT", documento_nro="30712293841", condicion_iva="RI")
    answer = enqueue_batch({**pdv.credentials, "requests": requests})
    assert answer["error"] == "S"
    assert answer["errores"] == ["El lote se procesara parcialmente ya que contiene errores en alguno de sus requests. "
                                 "Se enviaron a procesar: 3 requests y se aceptaron procesar: 2. "]
    first, refused, third = answer["response"]
    assert set(first) == ACCEPTED_ITEM_KEYS and first["external_reference"] == "L-1"
    assert (first["cae"], first["cae_vencimiento"], first["vencimiento_cae"], first["rta"]) == (
        " ", None, "01/01/2000", "El comprobante  se ha guardado correctamente ")
    assert first["comprobante_nro"] == f"{pdv.pdv.pto_vta:05d}-00000000" and third["comprobante_tipo"] == "FACTURA A"
    assert refused["error"] == "S" and refused["rta"] == "Eror. No se procesara"
    assert refused["external_reference"] == "% 'M17051"
    assert refused["errores"][0].startswith("El request enviado en el orden 1 (comenzando en 0) tiene el siguiente error")
    assert [d["code"] for d in refused["error_details"]] == [P.REFERENCE.code, P.CLIENTE.code]
    assert staged_events(r, pdv.id) == [("encolado", "L-1"), ("encolado", "L-3"), ("error", "% 'M17051")]
    assert staged(r, pdv.id)[2]["msg"] == refused["errores"]


def test_lotes_encola_all_good(stack, pdv, r):
    answer = enqueue_batch({**pdv.credentials, "requests": items(pdv, "G-1", "G-2")})
    assert (answer["error"], answer["errores"]) == ("N", [])
    assert [a["external_reference"] for a in answer["response"]] == ["G-1", "G-2"]


def test_lotes_encola_all_refused_still_answers_each(stack, pdv):
    answer = enqueue_batch({**pdv.credentials, "requests": items(pdv, "a b", "c d")})
    assert answer["errores"] == ["El lote no se procesara ya que contiene errores en todos sus requests. "
                                 "Se enviaron a procesar: 2 requests y se aceptaron procesar: 0. "]
    assert [a["error"] for a in answer["response"]] == ["S", "S"]


def test_lotes_encola_whole_batch_refusals_queue_nothing_and_notify_nothing(stack, r):
    pdv = stack.new_pdv()
    cases = [
        ({"requests": items(pdv, "x") * 101}, P.BATCH_SIZE,
         "Esta enviando 101 requests, cuando el limite permitido es 100. El lote no se procesara."),
        ({"requests": []}, P.BATCH_EMPTY, None),
        ({}, P.BATCH_EMPTY, None),
        ({"requests": {"a": 1}}, P.BATCH_EMPTY, None),
        ({"requests": items(pdv, "x"), "webhook_url": "http://example.com"}, P.UNKNOWN_FIELD, None),
    ]
    for extra, kind, text in cases:
        answer = enqueue_batch({**pdv.credentials, **extra})
        assert answer["error"] == "S" and answer["response"] == []
        assert [d["code"] for d in answer["error_details"]] == [kind.code]
        assert text is None or answer["errores"] == [text]
    assert enqueue_batch({**pdv.credentials, "apikey": "0", "requests": items(pdv, "x")})["error_details"][0]["code"] == P.CREDENTIALS.code
    update_point_of_sale(r, pdv.id, webhook_url="")
    assert enqueue_batch({**pdv.credentials, "requests": items(pdv, "x")})["error_details"][0]["code"] == P.NO_WEBHOOK.code
    assert Store(r).by_reference(pdv.id, "x") == [] and staged(r, pdv.id) == []


def test_lotes_encola_requests_may_carry_the_batchs_credentials_but_no_others(stack, pdv, r):
    own = {**pdv.credentials, **items(pdv, "C-1")[0]}
    foreign = {**pdv.credentials, "usertoken": "other", **items(pdv, "C-2")[0]}
    answer = enqueue_batch({**pdv.credentials, "requests": [own, foreign, "junk"]})
    assert answer["response"][0]["error"] == "N"
    assert [d["code"] for d in answer["response"][1]["error_details"]] == [P.BATCH_CREDENTIALS.code]
    assert [d["code"] for d in answer["response"][2]["error_details"]] == [P.NOT_AN_OBJECT.code]
    assert staged_events(r, pdv.id) == [("encolado", "C-1")]


def test_lotes_encola_retries_are_idempotent_within_and_across_batches(stack, pdv, r):
    batch = {**pdv.credentials, "requests": items(pdv, "I-1", "I-1")}
    first = enqueue_batch(batch)
    assert first["error"] == "N" and first["response"][0] == first["response"][1]
    assert enqueue_batch(batch) == first
    assert len(Store(r).by_reference(pdv.id, "I-1")) == 1


def lote(pdv, requests, **extra):
    return {**pdv.credentials, "webhook_url": pdv.pdv.webhook_url, "requests": requests, **extra}


def lote_request(pdv, reference, fecha=None, **options):
    request = {**pdv.credentials, **item("", fecha or tomorrow(), pto_vta=pdv.pdv.pto_vta, **options)}
    del request["comprobante"]["external_reference"]
    request["comprobante"]["facturacion_lote_id_referencia"] = reference
    return request


def test_the_legacy_lote_queues_each_row_under_its_lote_reference(stack, pdv, r):
    answer = enqueue_lotes(lote(pdv, [lote_request(pdv, "LR-1"), lote_request(pdv, "LR-2")]))
    assert answer == {"error": "N", "errores": [], "procesados": 2, "validaciones": []}
    assert [Store(r).by_reference(pdv.id, ref)[0].lote_ref for ref in ("LR-1", "LR-2")] == ["LR-1", "LR-2"]
    assert staged_events(r, pdv.id) == [("encolado", "LR-1"), ("encolado", "LR-2")]


def test_the_legacy_lote_names_the_rows_it_does_not_queue(stack, pdv, r):
    no_reference = lote_request(pdv, "")
    before_start = lote_request(pdv, "LB-2", fecha=tomorrow())
    bad_total = lote_request(pdv, "LB-3", fecha=tomorrow() + timedelta(days=1), total="1")
    answer = enqueue_lotes(lote(pdv, [no_reference, before_start, bad_total],
                                fecha_envio_inicial=ddmmyyyy(tomorrow() + timedelta(days=1))))
    assert answer["procesados"] == 0
    texts = answer["validaciones"]
    assert any(t.startswith("El comprobante enviado en la fila 0 (comenzando en 0)") and "facturacion_lote_id_referencia" in t
               for t in texts)
    assert any(t.startswith("El comprobante enviado en la fila 1 ") and "fecha_envio_inicial" in t for t in texts)
    assert any(t.startswith("El comprobante enviado en la fila 2 ") and "no coincide con el total calculado" in t
               for t in texts)
    # Rows 1 and 2 meet the basic requirements (a reference): they are notified; row 0 has none.
    assert staged_events(r, pdv.id) == [("error", "LB-2"), ("error", "LB-3")]


def test_the_legacy_lote_is_refused_whole_for_its_own_fields(stack, pdv, r):
    good = [lote_request(pdv, "W-1")]
    cases = [  # the legacy answer carries no codes: each refusal is told by its text
        (lote(pdv, good, webhook_url="https://example.com/otro"), "no es la de tu punto de venta"),
        (lote(pdv, good, webhook_url="no es una url"), "URL valida para el webhook"),
        (lote(pdv, good, webhook_url="http://[::1"), "URL valida para el webhook"),
        ({**lote(pdv, good), "webhook_url": None}, "URL valida para el webhook"),
        (lote(pdv, good, fecha_envio_inicial=ddmmyyyy(clock.today_ar() - timedelta(days=1))), "no puede ser anterior a hoy"),
        (lote(pdv, good, fecha_envio_inicial="2026-01-01"), "fecha_envio_inicial debe tener formato dd/mm/aaaa"),
        (lote(pdv, good * 501), "Esta enviando 501 requests, cuando el limite permitido es 500."),
        (lote(pdv, []), "No has enviado ningun request"),
        (lote(pdv, good, extra="x"), "El campo extra no existe"),
    ]
    for body, text in cases:
        answer = enqueue_lotes(body)
        assert answer["error"] == "S" and answer["procesados"] == 0 and answer["validaciones"] == []
        assert any(text in error for error in answer["errores"]), (text, answer["errores"])
    assert Store(r).by_reference(pdv.id, "W-1") == [] and staged(r, pdv.id) == []
    assert enqueue_lotes(lote(pdv, good, usertoken="x"))["errores"] == ["Las credenciales de acceso enviadas no son validas."]


def test_each_item_of_a_lote_goes_through_the_wire_schemas_once(stack, pdv, monkeypatch):
    """Issue 19: each block of each item is loaded by its wire schema once per request, however the request
    is stored and answered (a retried transaction decides again from what was loaded)."""
    from comprobantes.schemas import Shaped

    loads = []
    original = Shaped.load

    def counted(shaped, raw):
        loads.append(type(shaped.full).__name__)
        return original(shaped, raw)

    monkeypatch.setattr(Shaped, "load", counted)
    answer = enqueue_batch({**pdv.credentials, "requests": items(pdv, *(f"once-{n}" for n in range(5)))})
    assert answer["error"] == "N"
    assert sorted(loads) == ["ClienteSchema"] * 5 + ["ComprobanteSchema"] * 5
