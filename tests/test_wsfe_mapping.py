"""Amounts and IVA as AFIP expects them: Decimal, grouped per rate, rounded half-even to cents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from comprobantes.codes import TIPOS
from comprobantes.wsfe_mapping import cents, compute_totals, fe_detail, numbered


def line(precio, alicuota, cantidad="1", bonif="0"):
    return {"cantidad": D(cantidad), "precio": D(precio), "bonificacion_porcentaje": D(bonif), "alicuota": D(alicuota)}


def test_seed_002_example_is_139_pesos():
    totals = compute_totals(TIPOS["FACTURA B"], [line("114.88", "21")], [])
    assert (totals.neto, totals.iva, totals.total) == (D("114.88"), D("24.12"), D("139.00"))
    assert totals.alicuotas == {5: (D("114.88"), D("24.12"))}


def test_rates_are_grouped_and_exempt_and_untaxed_kept_apart():
    lines = [line("100", "21"), line("50", "21"), line("10", "10.5"), line("7", "-1"), line("3", "-2")]
    totals = compute_totals(TIPOS["FACTURA A"], lines, [{"importe": D("2.50")}])
    assert totals.alicuotas == {4: (D("10.00"), D("1.05")), 5: (D("150.00"), D("31.50"))}
    assert (totals.exento, totals.no_gravado, totals.tributos) == (D("7.00"), D("3.00"), D("2.50"))
    assert totals.total == D("160.00") + D("32.55") + D("7.00") + D("3.00") + D("2.50")


def test_class_c_has_no_iva_and_the_price_is_final():
    totals = compute_totals(TIPOS["FACTURA C"], [line("121", "21")], [])
    assert (totals.neto, totals.iva, totals.alicuotas) == (D("121.00"), D("0.00"), {})
    detail = fe_detail(tipo=TIPOS["FACTURA C"], concepto=1, documento_tipo="DNI", documento_nro=1, condicion_iva="CF",
                       fecha=date(2026, 11, 21), totals=totals, moneda="PES", cotizacion=D("1"))
    assert "Iva" not in detail and detail["ImpTotal"] == "121.00"


def test_rounding_is_half_even():
    assert cents(D("0.125")) == D("0.12") and cents(D("0.135")) == D("0.14")


def test_services_carry_their_period_and_due_date_and_numbers_come_last():
    totals = compute_totals(TIPOS["FACTURA B"], [line("100", "21")], [])
    detail = fe_detail(tipo=TIPOS["FACTURA B"], concepto=2, documento_tipo="DNI", documento_nro=30111222,
                       condicion_iva="CF", fecha=date(2026, 11, 21), totals=totals, moneda="PES", cotizacion=D("1"),
                       vencimiento=date(2026, 12, 1), periodo=(date(2026, 11, 1), date(2026, 11, 30)))
    assert (detail["FchServDesde"], detail["FchServHasta"], detail["FchVtoPago"]) == ("20261101", "20261130", "20261201")
    assert "CbteDesde" not in detail
    assert numbered(detail, 7)["CbteDesde"] == numbered(detail, 7)["CbteHasta"] == 7
