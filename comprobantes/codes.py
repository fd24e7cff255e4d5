"""Code tables between TusFacturas' wire values and WSFEv1's codes (developers.tusfacturas.app; the WSFEv1 manual)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class TipoComprobante:
    nombre: str  # TusFacturas' name, e.g. "FACTURA B"
    cbte_tipo: int  # WSFEv1 CbteTipo
    clase: str  # "A", "B", "C" or "M"
    familia: str  # "factura", "nota_debito", "nota_credito" or "recibo"

    @property
    def is_note(self) -> bool:
        return self.familia in ("nota_debito", "nota_credito")

    @property
    def discriminates_iva(self) -> bool:
        """Class C is issued by monotributistas and exentos: its prices are final, with no IVA."""
        return self.clase != "C"


def _tipos() -> dict[str, TipoComprobante]:
    rows = [
        ("FACTURA A", 1, "A", "factura"), ("NOTA DE DEBITO A", 2, "A", "nota_debito"),
        ("NOTA DE CREDITO A", 3, "A", "nota_credito"),
        ("FACTURA B", 6, "B", "factura"), ("NOTA DE DEBITO B", 7, "B", "nota_debito"),
        ("NOTA DE CREDITO B", 8, "B", "nota_credito"),
        ("FACTURA C", 11, "C", "factura"), ("NOTA DE DEBITO C", 12, "C", "nota_debito"),
        ("NOTA DE CREDITO C", 13, "C", "nota_credito"), ("RECIBO C", 15, "C", "recibo"),
        ("FACTURA M", 51, "M", "factura"), ("NOTA DE DEBITO M", 52, "M", "nota_debito"),
        ("NOTA DE CREDITO M", 53, "M", "nota_credito"),
    ]
    return {name: TipoComprobante(name, code, clase, familia) for name, code, clase, familia in rows}


def normalize_name(value: str) -> str:
    """Upper case, no accents, single spaces: clients write "Nota de Crédito  A" too."""
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return " ".join(plain.upper().split())


# The tipos the queue emits (TusFacturas' "instant and async" list, without the NO VALIDA EN AFIP ones).
TIPOS = _tipos()
BY_CBTE_TIPO = {t.cbte_tipo: t for t in TIPOS.values()}

_EXPORT = "Los comprobantes de exportación (tipo E) no pueden enviarse a la cola de procesamiento."
_NOT_AFIP = "Los comprobantes de tipo NO VÁLIDO EN AFIP no pueden enviarse a la cola de procesamiento."
_FCE = ("Los comprobantes de crédito electrónico MiPyME (FCE) solo pueden emitirse en modo instantáneo; "
        "no pueden enviarse a la cola de procesamiento.")

# Tipos TusFacturas knows but the queue refuses (TusFacturas' queue FAQ; FCE is "instant only" in the reference table
# of developers.tusfacturas.app), keyed by their normalized name.
NOT_QUEUEABLE = {
    "FACTURA E": _EXPORT, "NOTA DE DEBITO E": _EXPORT, "NOTA DE CREDITO E": _EXPORT,
    "FACTURA NO VALIDA EN AFIP": _NOT_AFIP, "NOTA DE CREDITO NO VALIDA EN AFIP": _NOT_AFIP,
    "PRESUPUESTO": "Los presupuestos no pueden enviarse a la cola de procesamiento.",
    "REMITO": "Los remitos no pueden enviarse a la cola de procesamiento.",
    "PEDIDO": "Los pedidos no pueden enviarse a la cola de procesamiento.",
    "ORDEN DE COMPRA": "Las órdenes de compra no pueden enviarse a la cola de procesamiento.",
    **{
        f"{kind} ELECTRONICA MIPYME (FCE) {clase}": _FCE
        for kind in ("FACTURA DE CREDITO", "NOTA DE DEBITO", "NOTA DE CREDITO")
        for clase in "ABC"
    },
}
# What a queued comprobante may not relate to (TusFacturas' queue FAQ: "comprobantes relacionados con remitos
# y/o pedidos").
REMITOS_Y_PEDIDOS = {"REMITO", "PEDIDO"}

# documento_tipo → DocTipo.
DOCUMENTO_TIPOS = {"CUIT": 80, "CUIL": 86, "CDI": 87, "PASAPORTE": 94, "DNI": 96, "OTRO": 99}
WITH_CHECK_DIGIT = {"CUIT", "CUIL", "CDI"}  # eleven digits, the last a mod-11 check digit

# condicion_iva (receiver) → CondicionIVAReceptorId (RG 5616).
CONDICIONES_IVA = {"RI": 1, "E": 4, "CF": 5, "M": 6, "CDEX": 9, "IVNA": 15}

# CondicionIVAReceptorId valid per class of comprobante (RG 5616).
CONDICIONES_POR_CLASE = {
    "A": {1, 6, 13, 16},
    "M": {1, 6, 13, 16},
    "B": {4, 5, 7, 8, 9, 10, 15},
    "C": {1, 4, 5, 6, 7, 8, 9, 10, 13, 15, 16},
}

# alicuota (percent) → AlicIva Id. -1 exento and -2 no gravado carry no IVA.
ALICUOTAS = {
    Decimal("0"): 3, Decimal("10.5"): 4, Decimal("21"): 5, Decimal("27"): 6,
    Decimal("5"): 8, Decimal("2.5"): 9,
}
RATES = {iva_id: rate for rate, iva_id in ALICUOTAS.items()}
EXENTO, NO_GRAVADO = Decimal("-1"), Decimal("-2")

PESOS = "PES"
MONEDAS = {PESOS, "DOL", "060", "012", "011", "033", "032", "031", "035", "010", "023", "036", "004", "003"}

# WSFEv1 tributo Ids (WSFEv1 manual) with the description sent as Tributo.Desc.
TRIBUTOS = {
    1: "Impuestos nacionales", 2: "Impuestos provinciales", 3: "Impuestos municipales", 4: "Impuestos internos",
    5: "IIBB", 6: "Percepción de IVA", 7: "Percepción de IIBB", 8: "Percepciones por impuestos municipales",
    9: "Otras percepciones", 13: "Percepción de IVA a no categorizado", 99: "Otros tributos",
}
PERCEPCION_IVA, PERCEPCION_IIBB, IMPUESTOS_INTERNOS = 6, 7, 4
# tributos[].regimen (developers.tusfacturas.app): IVA 1-3, IIBB 4-28, nacionales 31-34.
REGIMENES = set(range(1, 29)) | {31, 32, 33, 34}

PROVINCIAS = set(range(1, 27))

# condicion_pago codes and the condición de venta each prints (TusFacturas' "Tablas de referencia",
# condiciones_venta, developers.tusfacturas.app): informational only, printed on the document, never sent to AFIP.
CONDICIONES_PAGO = {
    201: "Contado", 202: "30 días", 203: "60 días", 204: "90 días", 205: "Cuenta corriente", 206: "10 días",
    207: "15 días", 208: "45 días", 209: "20 días", 210: "Transferencia bancaria", 211: "Tarjeta de crédito",
    212: "Tarjeta de débito", 213: "5 días", 214: "Otra", 215: "Otros medios de pago electrónico",
    216: "MercadoPago", 217: "Payway",
}
CONDICION_PAGO_OTRA = 214

# WSFEv1's Concepto 1 (the point of sale's configuration); 2 servicios and 3 both bill a period.
PRODUCTOS = 1
