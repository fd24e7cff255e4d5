"""Every kind of refusal, table by table: the code it carries and a text that says what is wrong; many
problems give many entries (pure: no Redis, no AFIP)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from comprobantes import problems as P
from comprobantes.validation import check_item
from tests.support.bodies import item, offline_pdv, put, text_fields

TODAY = date(2026, 11, 21)
CUIT_RI = "30712293841"
A_CLIENT = {"documento_tipo": "CUIT", "documento_nro": CUIT_RI, "condicion_iva": "RI"}
ASOCIADO = {"tipo_comprobante": "FACTURA B", "punto_venta": 1, "numero": 3, "comprobante_fecha": "01/11/2026"}


def ddmmyyyy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def body(cliente=None, producto=None, detalle=None, **comprobante):
    built = item("ref-1", TODAY)
    built["cliente"].update(cliente or {})
    built["comprobante"]["detalle"][0]["producto"].update(producto or {})
    built["comprobante"]["detalle"][0].update(detalle or {})
    built["comprobante"].update(comprobante)
    return built


def codes_of(built, **pdv) -> list[str]:
    return [p.code for p in check_item(built, offline_pdv(**pdv), today=TODAY, submitted=True).problems]


def without(built, block, name):
    del built[block][name]
    return built


def lines(count):
    built = body()
    built["comprobante"]["detalle"] *= count
    return built


REFUSALS = [
    # (why, body, point of sale settings, the code that must be among the problems)
    ("unknown comprobante field", body(precio_total=1), {}, P.UNKNOWN_FIELD),
    ("unknown product field", body(producto={"precio_unitario": "114.88"}), {}, P.UNKNOWN_FIELD),
    ("unknown item key", {**body(), "proveedor": {}}, {}, P.UNKNOWN_FIELD),
    ("missing cliente field", without(body(), "cliente", "razon_social"), {}, P.CLIENTE_REQUIRED),
    ("cliente value outside its table", body(cliente={"condicion_iva": "MT"}), {}, P.CLIENTE_INVALID),
    ("provincia outside the table", body(cliente={"provincia": 27}), {}, P.CLIENTE_INVALID),
    ("condicion_pago 214 without its text", body(cliente={"condicion_pago": 214}), {}, P.CLIENTE_INVALID),
    ("a bad e-mail", body(cliente={"email": "a@b.com, nope"}), {}, P.CLIENTE_INVALID),
    ("DNI with dots", body(cliente={"documento_nro": "23.456.789"}), {}, P.DOCUMENTO),
    ("CUIT with a wrong check digit", body(cliente={"documento_tipo": "CUIT", "documento_nro": "30712293842", "condicion_iva": "E"}), {}, P.DOCUMENTO),
    ("OTRO with a number", body(cliente={"documento_tipo": "OTRO", "documento_nro": "123"}), {}, P.DOCUMENTO),
    ("the issuer as its own customer", body(cliente={"documento_tipo": "CUIT", "documento_nro": "20111111112", "condicion_iva": "E"}), {}, P.DOCUMENTO_PROPIO),
    ("class A to a DNI", body(tipo="FACTURA A", cliente={"condicion_iva": "RI"}), {}, P.CLASE_NEEDS_CUIT),
    ("class A to a consumidor final", body(tipo="FACTURA A", cliente={**A_CLIENT, "condicion_iva": "CF"}), {}, P.CONDICION_IVA_CLASE),
    ("class B to a responsable inscripto", body(cliente={**A_CLIENT}), {}, P.CONDICION_IVA_CLASE),
    ("class M to an exento", body(tipo="FACTURA M", cliente={**A_CLIENT, "condicion_iva": "E"}), {}, P.CONDICION_IVA_CLASE),
    ("an operation condition that class B does not allow", body(cliente={"condicion_iva_operacion": "M"}), {}, P.CONDICION_IVA_CLASE),
    ("missing comprobante field", without(body(), "comprobante", "fecha"), {}, P.REQUIRED),
    ("a date that is not dd/mm/aaaa", body(fecha="2026-11-21"), {}, P.INVALID),
    ("a negative price", body(producto={"precio_unitario_sin_iva": "-1"}), {}, P.INVALID),
    ("a price beyond 13 digits", body(producto={"precio_unitario_sin_iva": "1e13"}), {}, P.INVALID),
    ("an amount that is not a number", body(total="ciento treinta"), {}, P.INVALID),
    ("NaN as an amount", body(total="NaN"), {}, P.INVALID),
    ("a boolean as an amount", body(total=True), {}, P.INVALID),
    ("zero quantity", body(detalle={"cantidad": 0}), {}, P.INVALID),
    ("131 lines", lines(131), {}, P.INVALID),
    ("an unknown currency", body(moneda="ARS"), {}, P.INVALID),
    ("an unknown tipo", body(tipo="FACTURA Z"), {}, P.TIPO),
    ("tipo E", body(tipo="FACTURA E"), {}, P.NOT_QUEUEABLE),
    ("a remito", body(tipo="Remito"), {}, P.NOT_QUEUEABLE),
    ("a presupuesto", body(tipo="PRESUPUESTO"), {}, P.NOT_QUEUEABLE),
    ("a pedido", body(tipo="PEDIDO"), {}, P.NOT_QUEUEABLE),
    ("an orden de compra", body(tipo="ORDEN DE COMPRA"), {}, P.NOT_QUEUEABLE),
    ("not valid at AFIP", body(tipo="FACTURA NO VALIDA EN AFIP"), {}, P.NOT_QUEUEABLE),
    ("FCE", body(tipo="FACTURA DE CREDITO ELECTRONICA MiPyME (FCE) A"), {}, P.NOT_QUEUEABLE),
    ("a compra", body(operacion="C"), {}, P.NOT_QUEUEABLE),
    ("a note relating to a remito", body(tipo="NOTA DE CREDITO B", comprobantes_asociados=[{**ASOCIADO, "tipo_comprobante": "REMITO"}]), {}, P.REMITOS_PEDIDOS),
    ("a factura relating to a pedido", body(comprobantes_asociados=[{**ASOCIADO, "tipo_comprobante": "PEDIDO"}]), {}, P.REMITOS_PEDIDOS),
    ("numero other than 0", body(numero=15), {}, P.NUMERO),
    ("another point of sale", body(punto_venta=2), {}, P.PUNTO_VENTA),
    ("an abono without its frequency", body(abono="S", abono_hasta="12/2027"), {}, P.ABONO),
    ("an abono without its end", body(abono="S", abono_frecuencia=1), {}, P.ABONO),
    ("an abono that ends before it starts", body(abono="S", abono_frecuencia=1, abono_hasta="10/2026"), {}, P.ABONO),
    ("an abono that would update prices", body(abono="S", abono_frecuencia=1, abono_hasta="12/2027", abono_actualiza_precios="S"), {}, P.ABONO),
    ("an abono whose repetitions' references would be too long", body(abono="S", abono_frecuencia=1, abono_hasta="12/2027", external_reference="r" * 249), {}, P.ABONO),
    ("an alícuota outside the table", body(producto={"alicuota": "22"}), {}, P.ALICUOTA),
    ("a total off by two cents", body(total="139.02"), {}, P.TOTAL),
    ("products dated 6 days back", body(fecha=ddmmyyyy(TODAY - timedelta(days=6))), {}, P.FECHA),
    ("services dated 11 days back", body(fecha=ddmmyyyy(TODAY - timedelta(days=11)), periodo_facturado_desde="01/11/2026", periodo_facturado_hasta="30/11/2026"), {"concepto": 2}, P.FECHA),
    ("dated 367 days ahead", body(fecha=ddmmyyyy(TODAY + timedelta(days=367))), {}, P.FECHA_FUTURA),
    ("dated in 2099", body(fecha="01/01/2099"), {}, P.FECHA_FUTURA),
    ("services without a period", body(), {"concepto": 2}, P.PERIODO),
    ("services with half a period", body(periodo_facturado_desde="01/11/2026"), {"concepto": 3}, P.PERIODO),
    ("a period that ends before it starts", body(periodo_facturado_desde="30/11/2026", periodo_facturado_hasta="01/11/2026"), {"concepto": 2}, P.PERIODO),
    ("services without vencimiento", without(body(periodo_facturado_desde="01/11/2026", periodo_facturado_hasta="30/11/2026"), "comprobante", "vencimiento"), {"concepto": 2}, P.VENCIMIENTO),
    ("a vencimiento before fecha", body(vencimiento="20/11/2026", periodo_facturado_desde="01/11/2026", periodo_facturado_hasta="30/11/2026"), {"concepto": 2}, P.VENCIMIENTO),
    ("pesos at a rate other than 1", body(cotizacion="2"), {}, P.MONEDA),
    ("dollars without a rate", without(body(moneda="DOL"), "comprobante", "cotizacion"), {}, P.MONEDA),
    ("a rate beyond AFIP's digits", body(moneda="DOL", cotizacion="10000"), {}, P.MONEDA),
    ("paga_misma_moneda in pesos", body(datos_informativos={"paga_misma_moneda": "S"}), {}, P.MONEDA),
    ("a note without asociados", body(tipo="NOTA DE CREDITO B"), {}, P.ASOCIADOS_FALTAN),
    ("a note with both asociados and a period", body(tipo="NOTA DE CREDITO B", comprobantes_asociados=[ASOCIADO], comprobantes_asociados_periodo={"fecha_desde": "01/10/2026", "fecha_hasta": "31/10/2026"}), {}, P.ASOCIADOS_FALTAN),
    ("an asociado of another class", body(tipo="NOTA DE CREDITO B", comprobantes_asociados=[{**ASOCIADO, "tipo_comprobante": "FACTURA A"}]), {}, P.ASOCIADO),
    ("an asociado dated after the note", body(tipo="NOTA DE CREDITO B", comprobantes_asociados=[{**ASOCIADO, "comprobante_fecha": "22/11/2026"}]), {}, P.ASOCIADO),
    ("an asociado of another CUIT", body(tipo="NOTA DE CREDITO B", comprobantes_asociados=[{**ASOCIADO, "cuit": 30712293841}]), {}, P.ASOCIADO),
    ("an asociado that AFIP never authorised", body(tipo="NOTA DE CREDITO B", comprobantes_asociados=[{**ASOCIADO, "tipo_comprobante": "PRESUPUESTO"}]), {}, P.ASOCIADO),
    ("a period asociado after the note", body(tipo="NOTA DE DEBITO B", comprobantes_asociados_periodo={"fecha_desde": "01/11/2026", "fecha_hasta": "30/11/2026"}), {}, P.ASOCIADO),
    ("a factura with asociados", body(comprobantes_asociados=[ASOCIADO]), {}, P.ASOCIADOS_EN_FACTURA),
    ("class C with IVA added to its final price", body(tipo="FACTURA C", total="139.00"), {}, P.TOTAL),
    ("a bonificación above the subtotal", body(bonificacion="200"), {}, P.BONIFICACION),
    ("a total beyond 13 digits", body(detalle={"cantidad": "9999999"}, producto={"precio_unitario_sin_iva": "9999999"}, cliente={"documento_tipo": "DNI"}), {}, P.IMPORTE_MAXIMO),
    ("exentos that are not the exempt lines", body(exentos="10"), {}, P.EXENTOS),
    ("pagos above the total", body(pagos={"formas_pago": [{"descripcion": "VISA", "importe": 200}], "total": 200}), {}, P.PAGOS),
    ("pagos that do not add up", body(pagos={"formas_pago": [{"descripcion": "VISA", "importe": 10}], "total": 20}), {}, P.PAGOS),
    ("internal taxes per product", body(producto={"impuestos_internos_alicuota": "8"}), {}, P.IMPUESTOS_INTERNOS),
    ("an IVA that rounds to nothing", body(producto={"precio_unitario_sin_iva": "0.02"}, total="0.02"), {}, P.IVA_CERO),
    ("an unknown tributo", body(tributos=[{"tipo": 42, "regimen": 1, "base_imponible": 1, "alicuota": 1, "total": 1}]), {}, P.INVALID),
    ("an unknown percepción regime", body(tributos=[{"tipo": 6, "regimen": 29, "base_imponible": 1, "alicuota": 1, "total": 1}]), {}, P.INVALID),
    ("an anonymous consumidor final at the threshold", body(cliente={"documento_tipo": "OTRO", "documento_nro": "0"}, producto={"precio_unitario_sin_iva": "8264462.81"}, total="10000000.00"), {}, P.CONSUMIDOR_FINAL),
    ("an anonymous consumidor final in dollars", body(moneda="DOL", cotizacion="1000", cliente={"documento_tipo": "OTRO", "documento_nro": "0"}, producto={"precio_unitario_sin_iva": "8264.47"}, total="10000.01"), {}, P.CONSUMIDOR_FINAL),
    ("a reference with a space", body(external_reference="ref 1"), {}, P.REFERENCE),
    ("a reference of 256 characters", body(external_reference="r" * 256), {}, P.REFERENCE),
    ("a control character in an rg_especiales value", body(rg_especiales={"regimen": "x", "datos": [{"id": 2, "valor": "a\u0001b"}]}), {}, P.CHARACTER),
]


@pytest.mark.parametrize("why, built, pdv, kind", REFUSALS, ids=[row[0] for row in REFUSALS])
def test_each_refusal_carries_its_code(why, built, pdv, kind):
    checked = check_item(built, offline_pdv(**pdv), today=TODAY, submitted=True)
    assert checked.accepted is None
    assert kind.code in [p.code for p in checked.problems], checked.problems
    assert all(re.fullmatch(r"TFC-\d{4}", p.code) and p.text.strip() for p in checked.problems)


def test_the_same_bodies_fixed_are_accepted():
    # The control: the base body passes, so each row above fails for its own reason.
    assert codes_of(body()) == []
    assert codes_of(body(cliente={"documento_tipo": "OTRO", "documento_nro": "0"})) == []
    assert codes_of(body(periodo_facturado_desde="01/11/2026", periodo_facturado_hasta="30/11/2026"), concepto=2) == []
    assert codes_of(body(abono="S", abono_frecuencia=1, abono_hasta="11/2026", abono_actualiza_precios="N",
                         external_reference="r" * 248)) == []


def test_every_code_in_the_catalog_is_produced_by_some_test():
    produced = {row[3].code for row in REFUSALS}
    # Produced by the entry points and batches, tested in test_submission.py and test_batches.py.
    elsewhere = {P.CREDENTIALS, P.NOT_AN_OBJECT, P.NO_WEBHOOK, P.SUBSCRIPTION_INACTIVE, P.QUOTA, P.REFERENCE_TAKEN,
                 P.BATCH_SIZE, P.BATCH_EMPTY, P.BATCH_PARTIAL, P.LOTE_WEBHOOK_URL, P.LOTE_FECHA_ENVIO,
                 P.BATCH_CREDENTIALS, P.LOTE_REFERENCE, P.LOTE_BEFORE_START, P.CLIENTE, P.WAITING_COMPROBANTES,
                 P.WAITING_HOOKS}
    # Produced by the HTTP layer, tested in tests/http/.
    elsewhere |= {P.NOT_JSON, P.TOO_LARGE, P.RATE_LIMIT, P.NO_ROUTE, P.METHOD, P.INTERNAL, P.UNAVAILABLE,
                  P.ADMIN_OFF, P.ADMIN_TOKEN, P.SLOW_REQUEST, P.ADMIN_NETWORK}
    assert produced | {k.code for k in elsewhere} == {k.code for k in P.CATALOG}


def test_several_problems_give_several_entries_never_only_the_first():
    built = body(tipo="FACTURA A", numero=3, punto_venta=9, total="1", producto={"alicuota": "22"},
                 cliente={"documento_nro": "12a"}, descuento=5)
    codes = codes_of(built)
    for kind in (P.UNKNOWN_FIELD, P.DOCUMENTO, P.CLASE_NEEDS_CUIT, P.NUMERO, P.PUNTO_VENTA, P.ALICUOTA, P.CLIENTE):
        assert kind.code in codes
    assert codes[-1] == P.CLIENTE.code  # TusFacturas' closing line comes last


def test_rules_still_judge_the_fields_that_loaded_when_others_did_not():
    codes = codes_of(body(fecha="ayer", tipo="REMITO", numero=1, producto={"alicuota": "22"}))
    assert {P.INVALID.code, P.NOT_QUEUEABLE.code, P.NUMERO.code, P.ALICUOTA.code} <= set(codes)


def test_a_total_mismatch_shows_both_figures():
    problem = next(p for p in check_item(body(total="140"), offline_pdv(), today=TODAY).problems)
    assert problem.code == P.TOTAL.code and "(140.00)" in problem.text and "(139.00)" in problem.text


def test_fields_are_named_by_their_full_path():
    problems = check_item(body(producto={"precio": 1}), offline_pdv(), today=TODAY).problems
    assert problems[0].text == "El campo comprobante.detalle[0].producto.precio no existe en el formato de TusFacturas."


def texts_of(built) -> list[str]:
    return [p.text for p in check_item(built, offline_pdv(), today=TODAY).problems]


def test_a_line_of_the_detail_is_named_as_the_client_counts_it_and_by_its_path():
    assert texts_of(body(producto={"alicuota": "22"})) == [
        "La alicuota 22 de la linea 1 del detalle (comprobante.detalle[0].producto.alicuota) no es valida: debe ser "
        "27, 21, 10.5, 5, 2.5, 0, -1 (exento) o -2 (no gravado)."]
    assert texts_of(body(producto={"impuestos_internos_alicuota": "8"})) == [
        "En la linea 1 del detalle (comprobante.detalle[0].producto.impuestos_internos_alicuota) hay una alicuota de "
        "impuestos internos: informá el importe de impuestos internos en comprobante.impuestos_internos."]


def test_an_impossible_date_is_not_a_date_and_a_badly_written_one_is_a_format_error():
    assert texts_of(body(fecha="31/02/2026")) == [
        "El campo comprobante.fecha no es una fecha: 31/02/2026 no existe en el calendario."]
    assert texts_of(body(fecha="2026-02-01")) == ["El campo comprobante.fecha debe ser una fecha con formato dd/mm/aaaa."]
    assert texts_of(body(abono="S", abono_frecuencia=1, abono_hasta="13/2027")) == [
        "El campo comprobante.abono_hasta no es un mes: 13/2027 no existe."]


def test_a_missing_reference_is_a_basic_failure_and_a_bad_one_is_not():
    missing = check_item(body(external_reference=""), offline_pdv(), today=TODAY)
    assert missing.basic_failure and [p.text for p in missing.problems] == [
        P.MISSING_REFERENCE.text, P.BAD_REFERENCE.text, P.CLIENTE_NOT_CREATED.text]
    bad = check_item(body(external_reference="1%'703"), offline_pdv(), today=TODAY)
    assert not bad.basic_failure and bad.external_reference == "1%'703"


def test_future_dates_are_scheduled_not_refused():
    assert codes_of(body(fecha=ddmmyyyy(TODAY + timedelta(days=60)))) == []
    assert codes_of(body(fecha=ddmmyyyy(TODAY + timedelta(days=366)))) == []  # a year of monthly invoices


def test_a_date_too_far_ahead_says_the_maximum(environment):
    far = check_item(body(fecha="01/01/2099"), offline_pdv(), today=TODAY, submitted=True).problems
    assert [p.text for p in far] == ["La fecha del comprobante (01/01/2099) es posterior a lo que la cola acepta: "
                                     "hasta 366 dias despues de hoy (22/11/2027)."]

    environment(ENCOLA_MAX_DAYS_AHEAD="30")
    assert codes_of(body(fecha=ddmmyyyy(TODAY + timedelta(days=30)))) == []
    assert codes_of(body(fecha=ddmmyyyy(TODAY + timedelta(days=31)))) == [P.FECHA_FUTURA.code]


def test_a_numeric_reference_is_read_as_its_digits():
    checked = check_item(body(external_reference=17032), offline_pdv(), today=TODAY)
    assert checked.problems == [] and checked.accepted.external_reference == "17032"


def test_an_abonos_repetition_judged_again_may_use_the_room_left_for_its_month():
    repetition = body(abono="S", abono_frecuencia=1, abono_hasta="12/2027", external_reference="r" * 248 + "-202611")
    assert check_item(repetition, offline_pdv(), today=TODAY).problems == []
    assert P.ABONO.code in codes_of(repetition)  # as a client's own submission it leaves no room


TEXT_FIELDS = text_fields()


@pytest.mark.parametrize("character", ["\u0000", "\u0001", "\u001f", "\u007f", "\u0085", "\u009f", "\ud800",
                                       "\udfff", "\ufffe", "\uffff"])
@pytest.mark.parametrize("path, keys, free", TEXT_FIELDS, ids=[field.path for field in TEXT_FIELDS])
def test_every_text_field_refuses_control_characters_naming_the_field(path, keys, free, character):
    value = {"x": ["ok", f"a{character}"]} if path == "comprobante.fex" else f"a{character}"
    built = put(body(), keys, value)
    problems = check_item(built, offline_pdv(), today=TODAY, submitted=True).problems
    expected = f"El campo {path} tiene un caracter no admitido (U+{ord(character):04X}, en la posicion 2)"
    assert [p.code for p in problems if p.text.startswith(expected)] == [P.CHARACTER.code], problems


def test_tabs_line_breaks_and_astral_characters_are_accepted_and_a_cliente_refusal_closes_as_tusfacturas():
    assert codes_of(body(producto={"descripcion": "Hosting\tmensual\r\n\U0001f600 \u00f1 \u20ac \ufffd"})) == []
    assert codes_of(body(cliente={"razon_social": "Jos\u0085"})) == [P.CHARACTER.code, P.CLIENTE.code]
    assert codes_of(body(leyenda_gral="\u0001")) == [P.CHARACTER.code]
