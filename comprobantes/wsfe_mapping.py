"""From a judged TusFacturas comprobante to the FECAEDetRequest AFIP approves (WSFEv1 manual).

The detail is complete except for its number: CbteDesde/CbteHasta are filled in when the lane assigns
one (`numbered`). Amounts travel as strings of cents, dates as yyyymmdd, in the WSDL's field order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from comprobantes.amounts import Totals
from comprobantes.codes import PESOS, TipoComprobante
from comprobantes.dates import yyyymmdd


def plain(number: Decimal) -> str:
    """Fixed notation: a rate of 1E+3 travels as 1000."""
    return format(number, "f")


@dataclass(frozen=True)
class Asociado:
    cbte_tipo: int
    pto_vta: int
    numero: int
    cuit: int
    fecha: date


@dataclass
class Receptor:
    doc_tipo: int
    doc_nro: int
    condicion_iva_id: int


@dataclass
class Emision:
    """Everything of the comprobante that AFIP receives, besides its amounts."""

    tipo: TipoComprobante
    concepto: int
    receptor: Receptor
    fecha: date
    moneda: str
    cotizacion: Decimal
    paga_misma_moneda: bool = False
    vencimiento: date | None = None
    periodo: tuple[date, date] | None = None  # services: the billed period
    asociados: list[Asociado] = field(default_factory=list)
    periodo_asociado: tuple[date, date] | None = None
    opcionales: list[tuple[int, str]] = field(default_factory=list)


def fe_detail(emision: Emision, totals: Totals) -> dict:
    detail = {
        "Concepto": emision.concepto,
        "DocTipo": emision.receptor.doc_tipo,
        "DocNro": emision.receptor.doc_nro,
        "CbteFch": yyyymmdd(emision.fecha),
        "ImpTotal": str(totals.total),
        "ImpTotConc": str(totals.no_gravado),
        "ImpNeto": str(totals.neto),
        "ImpOpEx": str(totals.exento),
        "ImpTrib": str(totals.imp_trib),
        "ImpIVA": str(totals.iva),
    }
    if emision.periodo is not None:
        detail["FchServDesde"], detail["FchServHasta"] = yyyymmdd(emision.periodo[0]), yyyymmdd(emision.periodo[1])
        detail["FchVtoPago"] = yyyymmdd(emision.vencimiento or emision.fecha)
    detail["MonId"] = emision.moneda
    detail["MonCotiz"] = plain(emision.cotizacion)
    if emision.moneda != PESOS:
        detail["CanMisMonExt"] = "S" if emision.paga_misma_moneda else "N"
    detail["CondicionIVAReceptorId"] = emision.receptor.condicion_iva_id
    if emision.asociados:
        detail["CbtesAsoc"] = {"CbteAsoc": [
            {"Tipo": a.cbte_tipo, "PtoVta": a.pto_vta, "Nro": a.numero, "Cuit": str(a.cuit),
             "CbteFch": yyyymmdd(a.fecha)}
            for a in emision.asociados
        ]}
    if totals.tributos:
        detail["Tributos"] = {"Tributo": [
            {"Id": t.id, "Desc": t.desc, "BaseImp": str(t.base), "Alic": plain(t.alicuota), "Importe": str(t.importe)}
            for t in totals.tributos
        ]}
    if emision.tipo.discriminates_iva and totals.alicuotas:
        detail["Iva"] = {"AlicIva": [
            {"Id": iva_id, "BaseImp": str(base), "Importe": str(importe)}
            for iva_id, (base, importe) in totals.alicuotas.items()
        ]}
    if emision.opcionales:
        detail["Opcionales"] = {"Opcional": [{"Id": str(ident), "Valor": valor} for ident, valor in emision.opcionales]}
    if emision.periodo_asociado is not None:
        desde, hasta = emision.periodo_asociado
        detail["PeriodoAsoc"] = {"FchDesde": yyyymmdd(desde), "FchHasta": yyyymmdd(hasta)}
    return detail


def numbered(detail: dict, numero: int) -> dict:
    return dict(detail, CbteDesde=numero, CbteHasta=numero)
