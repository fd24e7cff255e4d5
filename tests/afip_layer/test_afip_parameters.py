"""WSFEv1's parameter operations through our client: AFIP's own table rows, the receiver IVA conditions
per class, the exchange rates, and their input codes."""

from __future__ import annotations

import pytest

from afip.failures import DataError, NotFound
from tests.support.afip import detail


def test_the_code_tables_are_afips(client):
    tipos = {int(row["Id"]): row["Desc"] for row in client.tipos_cbte()}
    docs = {int(row["Id"]): row["Desc"] for row in client.tipos_doc()}
    monedas = [row["Id"] for row in client.tipos_monedas()]

    assert len(tipos) == 36 and tipos[1] == "Factura A" and tipos[6] == "Factura B" and tipos[51] == "Factura M"
    assert [row["Id"] for row in client.tipos_iva()] == ["3", "4", "5", "6", "8", "9"]
    assert len(docs) == 36 and docs[80] == "CUIT" and docs[96] == "DNI" and docs[99] == "Doc. (Otro)"
    assert len(monedas) == 50 and monedas[:2] == ["PES", "DOL"] and "060" in monedas
    assert {row["FchHasta"] for row in client.tipos_cbte()} == {"NULL"}


def test_points_of_sale_are_those_the_cuit_emitted_with(client, sim):
    assert client.ptos_venta() == []

    client.solicitar_cae(7, 6, [detail(6, 1, sim.today())])

    assert client.ptos_venta() == [{"Nro": 7, "EmisionTipo": "CAE - Ri Iva", "Bloqueado": "N", "FchBaja": "NULL"}]


def test_receiver_iva_conditions_per_class(client):
    everything = client.condiciones_iva_receptor()
    clase_a = client.condiciones_iva_receptor("A")

    assert len(everything) == 11
    assert [c["Id"] for c in clase_a] == [1, 6, 13, 16] == [c["Id"] for c in client.condiciones_iva_receptor("ALEY")]
    assert [c["Id"] for c in client.condiciones_iva_receptor("49")] == [5]
    assert {c["Id"]: c["Cmp_Clase"] for c in everything}[5] == "B/C/49"
    with pytest.raises(DataError) as refused:
        client.condiciones_iva_receptor("Z")
    assert refused.value.codes[0][0] == 10244


def test_exchange_rates_and_their_input_codes(client, sim):
    assert client.cotizacion("PES")["MonCotiz"] == 1
    assert client.cotizacion("DOL", "20260102") == {"MonId": "DOL", "MonCotiz": 1050.5, "FchCotiz": "20260102"}
    sim.admin("/cotizaciones", {"DOL": "1200.25"})
    assert client.cotizacion("DOL")["MonCotiz"] == 1200.25

    for code, mon_id, fecha in ((12001, "", None), (12000, "XXX", None), (12002, "DOL", "2026-01-02")):
        with pytest.raises(DataError) as refused:
            client.cotizacion(mon_id, fecha)
        assert refused.value.codes[0][0] == code
    with pytest.raises(NotFound):
        client.cotizacion("010")  # a currency of the table without a reference rate
