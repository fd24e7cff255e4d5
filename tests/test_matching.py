"""Reconciliation adopts AFIP's record only when it is the comprobante we sent."""

from __future__ import annotations

from emission.matching import same_comprobante

SENT = {"Concepto": 1, "DocTipo": 96, "DocNro": 23456789, "CbteDesde": 5, "CbteHasta": 5, "CbteFch": "20261121",
        "ImpTotal": "139.00", "ImpTotConc": "0.00", "ImpNeto": "114.88", "ImpOpEx": "0.00", "ImpTrib": "0.00",
        "ImpIVA": "24.12", "MonId": "PES", "MonCotiz": "1"}


def test_the_same_comprobante_matches_whatever_the_float_formatting():
    authorised = {**SENT, "ImpTotal": 139.0, "ImpNeto": 114.88, "ImpIVA": 24.12, "ImpTotConc": 0, "MonCotiz": 1.0,
                  "CodAutorizacion": "12345678901234"}
    assert same_comprobante(authorised, SENT)


def test_another_amount_or_receiver_does_not_match():
    assert not same_comprobante({**SENT, "ImpTotal": 139.01}, SENT)
    assert not same_comprobante({**SENT, "DocNro": 23456780}, SENT)
    assert not same_comprobante({**SENT, "CbteFch": "20261120"}, SENT)
