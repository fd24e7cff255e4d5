"""From a validated TusFacturas comprobante to the FECAEDetRequest AFIP approves.

Amounts are Decimal end to end and rounded half-even to cents where AFIP's tolerance rules expect a
rounded figure (afip-facts.md §6.3): each line's net, each rate's IVA, each tributo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from comprobantes.codes import ALICUOTAS, CONDICIONES_IVA, DOCUMENTO_TIPOS, EXENTO, NO_GRAVADO, TipoComprobante

CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def yyyymmdd(day: date) -> str:
    return day.strftime("%Y%m%d")


@dataclass
class Totals:
    neto: Decimal = Decimal("0.00")  # ImpNeto (class C: the whole subtotal)
    no_gravado: Decimal = Decimal("0.00")  # ImpTotConc
    exento: Decimal = Decimal("0.00")  # ImpOpEx
    iva: Decimal = Decimal("0.00")  # ImpIVA
    tributos: Decimal = Decimal("0.00")  # ImpTrib
    alicuotas: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)  # Id → (BaseImp, Importe)

    @property
    def total(self) -> Decimal:
        return self.neto + self.no_gravado + self.exento + self.iva + self.tributos


def line_net(cantidad: Decimal, precio: Decimal, bonificacion_porcentaje: Decimal) -> Decimal:
    gross = cantidad * precio
    return cents(gross - gross * bonificacion_porcentaje / Decimal(100))


def compute_totals(tipo: TipoComprobante, lines: list[dict], tributos: list[dict]) -> Totals:
    """`lines`: {cantidad, precio, bonificacion_porcentaje, alicuota} as Decimals; `tributos`: {importe}."""
    totals = Totals()
    bases: dict[int, Decimal] = {}
    for line in lines:
        net = line_net(line["cantidad"], line["precio"], line["bonificacion_porcentaje"])
        if tipo.clase == "C":
            totals.neto += net
        elif line["alicuota"] == EXENTO:
            totals.exento += net
        elif line["alicuota"] == NO_GRAVADO:
            totals.no_gravado += net
        else:
            iva_id = ALICUOTAS[line["alicuota"]]
            bases[iva_id] = bases.get(iva_id, Decimal("0.00")) + net
    rates = {v: k for k, v in ALICUOTAS.items()}
    for iva_id, base in sorted(bases.items()):
        importe = cents(base * rates[iva_id] / Decimal(100))
        totals.alicuotas[iva_id] = (base, importe)
        totals.neto += base
        totals.iva += importe
    totals.tributos = sum((cents(t["importe"]) for t in tributos), Decimal("0.00"))
    return totals


def fe_detail(
    *,
    tipo: TipoComprobante,
    concepto: int,
    documento_tipo: str,
    documento_nro: int,
    condicion_iva: str,
    fecha: date,
    totals: Totals,
    moneda: str,
    cotizacion: Decimal,
    vencimiento: date | None = None,
    periodo: tuple[date, date] | None = None,
    tributos: list[dict] = (),
    asociados: list[dict] = (),
) -> dict:
    """The detail without its number: CbteDesde/CbteHasta are filled in when the lane assigns one."""
    detail = {
        "Concepto": concepto,
        "DocTipo": DOCUMENTO_TIPOS[documento_tipo],
        "DocNro": documento_nro,
        "CbteFch": yyyymmdd(fecha),
        "ImpTotal": str(totals.total),
        "ImpTotConc": str(totals.no_gravado),
        "ImpNeto": str(totals.neto),
        "ImpOpEx": str(totals.exento),
        "ImpTrib": str(totals.tributos),
        "ImpIVA": str(totals.iva),
        "MonId": moneda,
        "MonCotiz": str(cotizacion),
        "CondicionIVAReceptorId": CONDICIONES_IVA[condicion_iva],
    }
    if concepto in (2, 3) and periodo is not None:
        detail["FchServDesde"], detail["FchServHasta"] = yyyymmdd(periodo[0]), yyyymmdd(periodo[1])
        detail["FchVtoPago"] = yyyymmdd(vencimiento or fecha)
    if tipo.clase != "C" and totals.alicuotas:
        detail["Iva"] = {
            "AlicIva": [
                {"Id": iva_id, "BaseImp": str(base), "Importe": str(importe)}
                for iva_id, (base, importe) in sorted(totals.alicuotas.items())
            ]
        }
    if tributos:
        detail["Tributos"] = {"Tributo": list(tributos)}
    if asociados:
        detail["CbtesAsoc"] = {"CbteAsoc": list(asociados)}
    return detail


def numbered(detail: dict, numero: int) -> dict:
    return dict(detail, CbteDesde=numero, CbteHasta=numero)
