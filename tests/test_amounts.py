"""Amounts as AFIP checks them: Decimal, lines in cents, IVA per rate, half-even, exact proration."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from comprobantes.amounts import (
    Line, Tributo, cents, compute_totals, group_nets, prorate, subtotal, unit_price, within_tolerance,
)


def line(precio, alicuota="21", cantidad="1", bonif="0"):
    return Line(D(cantidad), D(precio), D(bonif), D(alicuota))


def test_rounding_is_half_even_to_cents_and_prices_to_three_decimals():
    assert cents(D("0.125")) == D("0.12") and cents(D("0.135")) == D("0.14")
    assert unit_price(D("82.6446281")) == D("82.645") and unit_price(D("1.0005")) == D("1.000")


def test_a_line_is_quantity_times_price_less_its_bonificacion_in_cents():
    assert line("100", bonif="20").net == D("80.00")  # TusFacturas' own example
    assert line("114.88", cantidad="3").net == D("344.64")
    assert line("0.333", cantidad="1.5").net == D("0.50")  # 0.4995 → 0.50


def test_seed_002_example_is_139_pesos():
    totals = compute_totals(group_nets([line("114.88")], D(0), discriminates_iva=True), [])
    assert (totals.neto, totals.iva, totals.total) == (D("114.88"), D("24.12"), D("139.00"))
    assert totals.alicuotas == {5: (D("114.88"), D("24.12"))}


def test_rates_are_grouped_and_exempt_and_untaxed_kept_apart():
    lines = [line("100"), line("50"), line("10", "10.5"), line("7", "-1"), line("3", "-2"), line("4", "0")]
    tributo = Tributo(7, "Percepción de IIBB", D("160.00"), D("1.5625"), D("2.50"))
    totals = compute_totals(group_nets(lines, D(0), discriminates_iva=True), [tributo])
    assert totals.alicuotas == {3: (D("4.00"), D("0.00")), 4: (D("10.00"), D("1.05")), 5: (D("150.00"), D("31.50"))}
    assert (totals.neto, totals.exento, totals.no_gravado, totals.imp_trib) == (D("164.00"), D("7.00"), D("3.00"), D("2.50"))
    assert totals.total == D("164.00") + D("32.55") + D("7.00") + D("3.00") + D("2.50")
    assert totals.terms == 4


def test_class_c_puts_every_line_in_the_net_at_its_final_price():
    totals = compute_totals(group_nets([line("121"), line("5", "-1")], D(0), discriminates_iva=False), [])
    assert (totals.neto, totals.iva, totals.exento, totals.alicuotas) == (D("126.00"), D("0.00"), D("0.00"), {})


def test_the_general_bonificacion_comes_off_the_net_before_iva():
    # TusFacturas' example: 100 less a bonificación of 20, then 21 % → 96.80.
    totals = compute_totals(group_nets([line("100")], D("20"), discriminates_iva=True), [])
    assert (totals.neto, totals.iva, totals.total) == (D("80.00"), D("16.80"), D("96.80"))


def test_the_general_bonificacion_is_shared_in_proportion_to_each_group():
    nets = group_nets([line("300"), line("100", "10.5"), line("100", "-1")], D("50"), discriminates_iva=True)
    assert nets == {5: D("270.00"), 4: D("90.00"), "exento": D("90.00")}


@pytest.mark.parametrize("amount, parts", [
    (D("0.01"), {"a": D("1"), "b": D("1"), "c": D("1")}),
    (D("10.00"), {"a": D("3.33"), "b": D("3.33"), "c": D("3.34")}),
    (D("7.77"), {1: D("0.01"), 2: D("1000"), 3: D("55.55")}),
    (D("5.00"), {1: D("5.00")}),
])
def test_proration_adds_up_to_the_cent_and_never_exceeds_a_part(amount, parts):
    shares = prorate(amount, parts)
    assert sum(shares.values()) == amount
    assert all(D(0) <= shares[k] <= parts[k] for k in parts)


def test_a_rate_with_nothing_taxed_is_left_out():
    totals = compute_totals(group_nets([line("100"), line("0", "10.5")], D(0), discriminates_iva=True), [])
    assert list(totals.alicuotas) == [5]


def test_zero_tributos_are_not_sent():
    totals = compute_totals({5: D("100.00")}, [Tributo(6, "Percepción de IVA", D("100.00"), D(0), D("0.00"))])
    assert totals.tributos == [] and totals.imp_trib == D("0.00")


def test_tolerance_is_a_cent_per_term_or_a_hundredth_of_a_percent():
    assert within_tolerance(D("139.01"), D("139.00"), 1)
    assert not within_tolerance(D("139.02"), D("139.00"), 1)
    assert within_tolerance(D("139.02"), D("139.00"), 2)
    assert within_tolerance(D("1000100"), D("1000000"), 1)  # 0.01 % of a million
    assert not within_tolerance(D("1000101"), D("1000000"), 1)


def test_the_subtotal_sums_lines_rounded_one_by_one():
    assert subtotal([line("0.015"), line("0.015")]) == D("0.04")  # not cents(0.03)
    assert subtotal([line("0.005"), line("0.005")]) == D("0.00")  # half-even: 0.005 → 0.00
