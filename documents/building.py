"""From a stored, emitted comprobante (comprobantes.store.Record) and its issuer to the Document that the
renderers draw. Every figure comes from what AFIP approved (the FECAEDetRequest kept as `detail`) or from
what the client sent (`body`), never from the clock, so a record always reads as the same document.
"""

from __future__ import annotations

from datetime import datetime, time, timezone

from comprobantes.codes import BY_CBTE_TIPO, CONDICION_PAGO_OTRA, CONDICIONES_PAGO, PESOS
from comprobantes.lifecycle import State
from comprobantes.store import Record
from documents import formatting as fmt
from documents import names
from documents.lines import lines_of
from documents.model import SHOWS_IVA, Document, Issuer, Receptor
from documents.totals import totals_of, transparencia_of

IDENTIFIED_BY_CUIT = {80, 86, 87}  # CUIT, CUIL, CDI: printed with their dashes
CONSUMIDOR_FINAL = 5  # CondicionIVAReceptorId


def _receptor(record: Record) -> Receptor:
    cliente = record.body.get("cliente") or {}
    doc_tipo, doc_nro = int(record.detail["DocTipo"]), int(record.detail["DocNro"])
    number = fmt.cuit(doc_nro) if doc_tipo in IDENTIFIED_BY_CUIT else str(doc_nro)
    condicion = names.CONDICION_IVA.get(int(record.detail["CondicionIVAReceptorId"]), "")
    return Receptor(nombre=str(cliente.get("razon_social", "")),
                    documento_tipo=str(names.DOCUMENTO.get(doc_tipo, doc_tipo)) if doc_nro else "",
                    documento=number if doc_nro else "", condicion_iva=condicion,
                    domicilio=str(cliente.get("domicilio", "")))


def _condicion_venta(record: Record) -> str:
    """The name of TusFacturas' condicion_pago code, or the client's own text for "Otra"."""
    cliente = record.body.get("cliente") or {}
    code = int(cliente.get("condicion_pago") or 0)
    written = str(cliente.get("condicion_pago_otra") or "").strip()
    if code == CONDICION_PAGO_OTRA and written:
        return written
    return CONDICIONES_PAGO.get(code, "")


def _asociado(asociado: dict) -> str:
    tipo = names.COMPROBANTE.get(int(asociado["Tipo"]), str(asociado["Tipo"]))
    fecha = fmt.yyyymmdd_to_ddmmyyyy(str(asociado.get("CbteFch", "")))
    numero = fmt.comprobante_nro(int(asociado["PtoVta"]), int(asociado["Nro"]))
    return f"{tipo} {numero}" + (f" del {fecha}" if fecha else "")


def _asociados(detail: dict) -> list[str]:
    listed = [_asociado(a) for a in (detail.get("CbtesAsoc") or {}).get("CbteAsoc", [])]
    periodo = detail.get("PeriodoAsoc")
    if periodo:
        listed.append(f"Período {fmt.yyyymmdd_to_ddmmyyyy(periodo['FchDesde'])} al "
                      f"{fmt.yyyymmdd_to_ddmmyyyy(periodo['FchHasta'])}")
    return listed


def _issued_at(record: Record) -> datetime:
    if record.emitted_at:
        return datetime.fromtimestamp(record.emitted_at, timezone.utc).replace(microsecond=0)
    return datetime.combine(record.fecha, time(), timezone.utc)


def _service_dates(detail: dict) -> dict:
    if "FchServDesde" not in detail:
        return {}
    return {"periodo": (fmt.yyyymmdd_to_ddmmyyyy(detail["FchServDesde"]),
                        fmt.yyyymmdd_to_ddmmyyyy(detail["FchServHasta"])),
            "vencimiento_pago": fmt.yyyymmdd_to_ddmmyyyy(detail.get("FchVtoPago", ""))}


def _currency(detail: dict) -> dict:
    moneda = detail.get("MonId", PESOS)
    if moneda == PESOS:
        return {}
    return {"moneda": names.MONEDA.get(moneda, moneda), "cotizacion": fmt.quantity(detail["MonCotiz"])}


def document_of(record: Record, issuer: Issuer) -> Document:
    """The printable document of an emitted comprobante; one not emitted has no number nor CAE to print."""
    if record.state != State.EMITIDO:
        raise ValueError(f"comprobante {record.id} is {record.state}, not emitido: it has no document")
    tipo = BY_CBTE_TIPO[record.cbte_tipo]
    detail = record.detail
    sent = record.body.get("comprobante") or {}
    consumidor_final = int(detail["CondicionIVAReceptorId"]) == CONSUMIDOR_FINAL
    return Document(
        issuer=issuer, issuer_condicion_iva=names.condicion_iva(issuer.condicion_iva),
        letra=tipo.clase, codigo=f"{tipo.cbte_tipo:02d}", nombre=names.comprobante(tipo.cbte_tipo),
        numero=fmt.comprobante_nro(record.pto_vta, record.numero), fecha=fmt.ddmmyyyy(record.fecha),
        receptor=_receptor(record), condicion_venta=_condicion_venta(record),
        lines=lines_of(sent.get("detalle") or [], tipo.clase), shows_alicuota=tipo.clase in SHOWS_IVA,
        totals=totals_of(detail, sent, tipo.clase),
        transparencia=transparencia_of(detail) if tipo.clase == "B" and consumidor_final else [],
        cae=record.cae, cae_vto=fmt.yyyymmdd_to_ddmmyyyy(record.cae_vto), qr=record.afip_qr,
        issued_at=_issued_at(record), asociados=_asociados(detail), **_service_dates(detail), **_currency(detail),
    )
