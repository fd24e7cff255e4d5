"""Is the comprobante AFIP holds under a number the one we sent? Reconciliation's comparison.

The fields are those FECompConsultar echoes and pyafipws compares when it reprocesses
(WSFEv1 manual); amounts are compared in cents, whatever the float formatting of the answer.
"""

from __future__ import annotations

from decimal import Decimal

_SCALARS = ("Concepto", "DocTipo", "DocNro", "CbteDesde", "CbteHasta", "CbteFch", "MonId")
_AMOUNTS = ("ImpTotal", "ImpTotConc", "ImpNeto", "ImpOpEx", "ImpTrib", "ImpIVA", "MonCotiz")


def _cents(value) -> Decimal:
    return Decimal(str(value if value not in (None, "") else 0)).quantize(Decimal("0.0001"))


def same_comprobante(authorised: dict, sent: dict) -> bool:
    for name in _SCALARS:
        if str(authorised.get(name) or "") != str(sent.get(name) or ""):
            return False
    return all(_cents(authorised.get(name)) == _cents(sent.get(name)) for name in _AMOUNTS)
