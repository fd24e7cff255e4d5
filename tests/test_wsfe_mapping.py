"""The exact FECAEDetRequest each kind of comprobante becomes, table by table: every tipo family, every
alícuota, bonificaciones, percepciones, foreign currency and services (pure: no Redis, no AFIP)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from comprobantes.validation import check_item
from comprobantes.wsfe_mapping import numbered
from tests.support.bodies import item, offline_pdv

TODAY = date(2026, 11, 21)
CUIT_RI = "30712293841"  # a valid check digit
ISSUER = 20111111112


def producto(precio, alicuota="21", cantidad="1", bonif=None):
    line = {"cantidad": cantidad, "producto": {"descripcion": "Servicio", "precio_unitario_sin_iva": precio,
                                               "alicuota": alicuota}}
    if bonif is not None:
        line["bonificacion_porcentaje"] = bonif
    return line


def body(tipo="FACTURA B", lines=(("100", "21"),), *, cliente=None, **comprobante):
    built = item("ref-1", TODAY, tipo=tipo)
    built["comprobante"]["detalle"] = [producto(*line) if isinstance(line, tuple) else line for line in lines]
    built["comprobante"].update(comprobante)
    built["cliente"].update(cliente or {})
    return built


def detail_of(built, **pdv) -> dict:
    checked = check_item(built, offline_pdv(**pdv), today=TODAY)
    assert checked.problems == [], checked.problems
    return checked.accepted.detail


A_CLIENT = {"documento_tipo": "CUIT", "documento_nro": CUIT_RI, "condicion_iva": "RI"}
FACTURA_A_1 = {"tipo_comprobante": "FACTURA A", "punto_venta": 1, "numero": 7, "comprobante_fecha": "20/11/2026"}


@pytest.mark.parametrize("tipo, cliente, extra, cbte_tipo", [
    ("FACTURA A", A_CLIENT, {}, 1),
    ("NOTA DE DEBITO A", A_CLIENT, {"comprobantes_asociados": [FACTURA_A_1]}, 2),
    ("NOTA DE CREDITO A", A_CLIENT, {"comprobantes_asociados": [FACTURA_A_1]}, 3),
    ("FACTURA B", {}, {}, 6),
    ("NOTA DE DEBITO B", {}, {"comprobantes_asociados_periodo": {"fecha_desde": "01/10/2026", "fecha_hasta": "31/10/2026"}}, 7),
    ("NOTA DE CREDITO B", {}, {"comprobantes_asociados": [{**FACTURA_A_1, "tipo_comprobante": "FACTURA B"}]}, 8),
    ("FACTURA M", A_CLIENT, {}, 51),
    ("NOTA DE DEBITO M", A_CLIENT, {"comprobantes_asociados": [{**FACTURA_A_1, "tipo_comprobante": "FACTURA M"}]}, 52),
    ("NOTA DE CREDITO M", A_CLIENT, {"comprobantes_asociados": [{**FACTURA_A_1, "tipo_comprobante": "FACTURA M"}]}, 53),
])
def test_classes_that_discriminate_iva(tipo, cliente, extra, cbte_tipo):
    checked = check_item(body(tipo, [("114.88", "21")], cliente=cliente, total="139.00", **extra), offline_pdv(),
                         today=TODAY)
    assert checked.problems == []
    assert checked.accepted.tipo.cbte_tipo == cbte_tipo
    detail = checked.accepted.detail
    assert (detail["ImpNeto"], detail["ImpIVA"], detail["ImpTotal"]) == ("114.88", "24.12", "139.00")
    assert detail["Iva"] == {"AlicIva": [{"Id": 5, "BaseImp": "114.88", "Importe": "24.12"}]}
    assert detail["DocTipo"] == (80 if cliente else 96)
    assert detail["CondicionIVAReceptorId"] == (1 if cliente else 5)
    if "comprobantes_asociados" in extra:
        asociado = detail["CbtesAsoc"]["CbteAsoc"][0]
        assert asociado == {"Tipo": {"A": 1, "B": 6, "M": 51}[tipo[-1]], "PtoVta": 1, "Nro": 7, "Cuit": str(ISSUER),
                            "CbteFch": "20261120"}
    if "comprobantes_asociados_periodo" in extra:
        assert detail["PeriodoAsoc"] == {"FchDesde": "20261001", "FchHasta": "20261031"}


@pytest.mark.parametrize("tipo, extra, cbte_tipo", [
    ("FACTURA C", {}, 11),
    ("NOTA DE DEBITO C", {"comprobantes_asociados": [{**FACTURA_A_1, "tipo_comprobante": "FACTURA C"}]}, 12),
    ("NOTA DE CREDITO C", {"comprobantes_asociados": [{**FACTURA_A_1, "tipo_comprobante": "FACTURA C"}]}, 13),
    ("RECIBO C", {}, 15),
])
def test_class_c_the_price_is_final_and_there_is_no_iva(tipo, extra, cbte_tipo):
    # TusFacturas' FACTURA C example: 100 + 10 at alícuota 0 is 110; a line's alícuota is not used in C.
    built = body(tipo, [("100", "0"), ("10", "21")], cliente={"condicion_iva": "RI", **A_CLIENT}, total="110", **extra)
    checked = check_item(built, offline_pdv(), today=TODAY)
    assert checked.problems == [] and checked.accepted.tipo.cbte_tipo == cbte_tipo
    detail = checked.accepted.detail
    assert "Iva" not in detail
    assert [detail[k] for k in ("ImpNeto", "ImpIVA", "ImpOpEx", "ImpTotConc", "ImpTotal")] == [
        "110.00", "0.00", "0.00", "0.00", "110.00"]


@pytest.mark.parametrize("alicuota, iva_id, iva", [
    ("0", 3, "0.00"), ("10.5", 4, "105.00"), ("21", 5, "210.00"), ("27", 6, "270.00"), ("5", 8, "50.00"),
    ("2.5", 9, "25.00"),
])
def test_every_alicuota_maps_to_its_alic_iva_id(alicuota, iva_id, iva):
    total = str(D("1000") + D(iva))
    detail = detail_of(body("FACTURA B", [("1000", alicuota)], total=total))
    assert detail["Iva"] == {"AlicIva": [{"Id": iva_id, "BaseImp": "1000.00", "Importe": iva}]}
    assert (detail["ImpNeto"], detail["ImpIVA"], detail["ImpTotal"]) == ("1000.00", iva, f"{D(total):.2f}")


def test_exento_and_no_gravado_go_to_imp_op_ex_and_imp_tot_conc():
    detail = detail_of(body("FACTURA B", [("100", "21"), ("30", "-1"), ("20", "-2")], total="171.00"))
    assert [detail[k] for k in ("ImpNeto", "ImpIVA", "ImpOpEx", "ImpTotConc", "ImpTotal")] == [
        "100.00", "21.00", "30.00", "20.00", "171.00"]
    assert detail["Iva"]["AlicIva"] == [{"Id": 5, "BaseImp": "100.00", "Importe": "21.00"}]


def test_only_exempt_lines_carry_no_iva_array():
    detail = detail_of(body("FACTURA B", [("30", "-1")], total="30", exentos="30"))
    assert "Iva" not in detail and (detail["ImpNeto"], detail["ImpOpEx"]) == ("0.00", "30.00")


def test_several_rates_are_grouped_each_rounded_half_even():
    lines = [("10.125", "21", "1"), ("10.125", "21", "1"), ("33.33", "10.5", "3")]
    # each 10.125 → 10.12 (half-even); 20.24 at 21 % → 4.2504 → 4.25; 99.99 at 10.5 % → 10.49895 → 10.50
    detail = detail_of(body("FACTURA B", lines, total="134.98"))
    assert detail["Iva"]["AlicIva"] == [{"Id": 4, "BaseImp": "99.99", "Importe": "10.50"},
                                        {"Id": 5, "BaseImp": "20.24", "Importe": "4.25"}]
    assert (detail["ImpNeto"], detail["ImpIVA"], detail["ImpTotal"]) == ("120.23", "14.75", "134.98")


def test_line_and_general_bonificaciones():
    # 2 × 100 less 10 % = 180 at 21 %, 50 at 10.5 %; the general bonificación of 23 is shared 180:50, so
    # 18.00 and 5.00; IVA on what remains: 162 × 21 % = 34.02, 45 × 10.5 % = 4.725 → 4.72 (half-even).
    lines = [producto("100", "21", "2", "10"), producto("50", "10.5")]
    detail = detail_of(body("FACTURA B", lines, bonificacion="23", total="245.74"))
    assert detail["Iva"]["AlicIva"] == [{"Id": 4, "BaseImp": "45.00", "Importe": "4.72"},
                                        {"Id": 5, "BaseImp": "162.00", "Importe": "34.02"}]
    assert (detail["ImpNeto"], detail["ImpIVA"], detail["ImpTotal"]) == ("207.00", "38.74", "245.74")


def test_percepciones_from_tributos_and_from_the_older_fields():
    tributos = [{"tipo": 7, "regimen": 22, "base_imponible": 1000, "alicuota": 2, "total": 20},
                {"tipo": 6, "regimen": 3, "base_imponible": "1000", "alicuota": "1.5", "total": "15"}]
    built = body("FACTURA A", [("1000", "21")], cliente=A_CLIENT, tributos=tributos, percepciones_iibb="10.50",
                 impuestos_internos="8", impuestos_internos_base="800", impuestos_internos_alicuota="1",
                 total="1263.50")
    detail = detail_of(built)
    assert detail["Tributos"]["Tributo"] == [
        {"Id": 7, "Desc": "Percepción de IIBB", "BaseImp": "1000.00", "Alic": "2", "Importe": "20.00"},
        {"Id": 6, "Desc": "Percepción de IVA", "BaseImp": "1000.00", "Alic": "1.5", "Importe": "15.00"},
        {"Id": 7, "Desc": "Percepción de IIBB", "BaseImp": "1000.00", "Alic": "1.05", "Importe": "10.50"},
        {"Id": 4, "Desc": "Impuestos internos", "BaseImp": "800.00", "Alic": "1", "Importe": "8.00"},
    ]
    assert (detail["ImpTrib"], detail["ImpTotal"]) == ("53.50", "1263.50")


def test_zero_percepciones_as_seed_002_sends_them_add_no_tributos():
    detail = detail_of(body("FACTURA B", [("114.88", "21")], percepciones_iva=0, percepciones_iibb=0,
                            impuestos_internos=0, bonificacion=0, total=139.0))
    assert "Tributos" not in detail and detail["ImpTrib"] == "0.00"


def test_foreign_currency_carries_its_rate_and_the_same_currency_flag():
    built = body("FACTURA B", [("100", "21")], moneda="DOL", cotizacion="1050.25",
                 datos_informativos={"paga_misma_moneda": "S"}, total="121")
    detail = detail_of(built)
    assert (detail["MonId"], detail["MonCotiz"], detail["CanMisMonExt"]) == ("DOL", "1050.25", "S")
    assert detail_of(body("FACTURA B", [("100", "21")], moneda="060", cotizacion=1200, total="121"))["CanMisMonExt"] == "N"
    assert "CanMisMonExt" not in detail_of(body("FACTURA B", [("100", "21")], total="121"))


@pytest.mark.parametrize("concepto", [2, 3])
def test_services_carry_their_period_and_due_date(concepto):
    built = body("FACTURA B", [("100", "21")], total="121", periodo_facturado_desde="01/11/2026",
                 periodo_facturado_hasta="30/11/2026", vencimiento="10/12/2026")
    detail = detail_of(built, concepto=concepto)
    assert detail["Concepto"] == concepto
    assert (detail["FchServDesde"], detail["FchServHasta"], detail["FchVtoPago"]) == ("20261101", "20261130", "20261210")


def test_products_send_no_service_dates_even_when_the_period_is_given():
    detail = detail_of(body("FACTURA B", [("100", "21")], total="121", periodo_facturado_desde="01/11/2026",
                            periodo_facturado_hasta="30/11/2026"))
    assert detail["Concepto"] == 1 and not {"FchServDesde", "FchServHasta", "FchVtoPago"} & detail.keys()


def test_the_operation_condition_overrides_the_customer_condition():
    built = body("FACTURA B", [("100", "21")], total="121", cliente={"condicion_iva": "CF", "condicion_iva_operacion": "E"})
    assert detail_of(built)["CondicionIVAReceptorId"] == 4


def test_rg_especiales_become_opcionales_skipping_empty_values():
    rg = {"regimen": "RG 4004-E", "datos": [{"id": 17, "valor": "PRUEBA"}, {"id": 1801, "valor": " "}]}
    assert detail_of(body("FACTURA B", [("100", "21")], total="121", rg_especiales=rg))["Opcionales"] == {
        "Opcional": [{"Id": "17", "Valor": "PRUEBA"}]}


def test_an_anonymous_consumidor_final_is_doc_99_number_0():
    built = body("FACTURA B", [("100", "21")], total="121", cliente={"documento_tipo": "OTRO", "documento_nro": "0"})
    detail = detail_of(built)
    assert (detail["DocTipo"], detail["DocNro"]) == (99, 0)


def test_python_floats_and_padded_strings_read_as_the_client_meant():
    built = body("FACTURA B", [(114.88, 21.0, 1.0)], total=139.0, punto_venta="0001", numero="00000000",
                 cotizacion=1.0)
    detail = detail_of(built)
    assert (detail["ImpNeto"], detail["ImpTotal"], detail["MonCotiz"]) == ("114.88", "139.00", "1")


def test_the_detail_is_numbered_last():
    detail = detail_of(body("FACTURA B", [("100", "21")], total="121"))
    assert "CbteDesde" not in detail and detail["CbteFch"] == "20261121"
    assert numbered(detail, 7)["CbteDesde"] == numbered(detail, 7)["CbteHasta"] == 7
