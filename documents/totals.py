"""The totals block each class of comprobante must show (RG 1415; Ley 27.743 for class B), read from the
amounts AFIP approved (the FECAEDetRequest), so the printed figures are AFIP's to the cent."""

from __future__ import annotations

from decimal import Decimal

from comprobantes.codes import IMPUESTOS_INTERNOS, RATES
from documents import formatting as fmt
from documents.model import SHOWS_IVA

IMPUESTOS_NACIONALES = 1
# The tributos the Régimen de Transparencia Fiscal al Consumidor counts as "otros impuestos nacionales
# indirectos" besides IVA (Ley 27.743, RG 5614).
NACIONALES_INDIRECTOS = {IMPUESTOS_NACIONALES, IMPUESTOS_INTERNOS}


def _d(value) -> Decimal:
    return Decimal(str(value or "0"))


def _tributos(detail: dict) -> list[dict]:
    return (detail.get("Tributos") or {}).get("Tributo", [])


def _iva_rows(detail: dict) -> list[tuple[str, str]]:
    return [(f"IVA {fmt.quantity(RATES[int(row['Id'])])}%", fmt.amount(row["Importe"]))
            for row in (detail.get("Iva") or {}).get("AlicIva", [])]


def _discriminated(detail: dict) -> list[tuple[str, str]]:
    rows = [("Importe neto gravado", fmt.amount(detail["ImpNeto"])), *_iva_rows(detail)]
    rows.append(("Importe exento", fmt.amount(detail["ImpOpEx"])))
    rows.append(("Importe no gravado", fmt.amount(detail["ImpTotConc"])))
    return rows


def totals_of(detail: dict, sent: dict, clase: str) -> list[tuple[str, str]]:
    """(label, amount) rows, the total last. Class A and M break IVA down by alícuota; B and C show the
    subtotal only when tributos are added to it."""
    rows: list[tuple[str, str]] = []
    bonificacion = _d(sent.get("bonificacion"))
    if bonificacion:
        rows.append(("Bonificación" + (" (sin IVA)" if clase == "B" else ""), fmt.amount(-bonificacion)))
    if clase in SHOWS_IVA:
        rows += _discriminated(detail)
    elif _tributos(detail):
        rows.append(("Subtotal", fmt.amount(_d(detail["ImpTotal"]) - _d(detail["ImpTrib"]))))
    rows += [(str(t["Desc"]), fmt.amount(t["Importe"])) for t in _tributos(detail)]
    rows.append(("Importe total", fmt.amount(detail["ImpTotal"])))
    return rows


def transparencia_of(detail: dict) -> list[tuple[str, str]]:
    """The Régimen de Transparencia Fiscal al Consumidor (Ley 27.743): the IVA a class B price contains
    and the other national indirect taxes."""
    otros = sum((_d(t["Importe"]) for t in _tributos(detail) if int(t["Id"]) in NACIONALES_INDIRECTOS), Decimal(0))
    return [("IVA contenido", fmt.amount(detail["ImpIVA"])),
            ("Otros impuestos nacionales indirectos", fmt.amount(otros))]
