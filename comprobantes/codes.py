"""Code tables between TusFacturas' wire values and WSFEv1's codes (tusfacturas-and-peers.md §1.9,
afip-facts.md §8)."""

from __future__ import annotations

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


# The tipos the queue emits (TusFacturas' "instant and async" list, without the NO VALIDA EN AFIP ones).
TIPOS = _tipos()
BY_CBTE_TIPO = {t.cbte_tipo: t for t in TIPOS.values()}

# Tipos TusFacturas knows but the queue refuses (seed 000 and tusfacturas-and-peers.md §1.9).
NOT_QUEUEABLE = {
    "FACTURA E": "Los comprobantes de exportación (tipo E) no pueden enviarse a la cola de procesamiento.",
    "NOTA DE DEBITO E": "Los comprobantes de exportación (tipo E) no pueden enviarse a la cola de procesamiento.",
    "NOTA DE CREDITO E": "Los comprobantes de exportación (tipo E) no pueden enviarse a la cola de procesamiento.",
    "FACTURA NO VALIDA EN AFIP": "Los comprobantes de tipo NO VÁLIDO EN AFIP no pueden enviarse a la cola de procesamiento.",
    "NOTA DE CREDITO NO VALIDA EN AFIP": "Los comprobantes de tipo NO VÁLIDO EN AFIP no pueden enviarse a la cola de procesamiento.",
    "PRESUPUESTO": "Los presupuestos no pueden enviarse a la cola de procesamiento.",
    "REMITO": "Los remitos no pueden enviarse a la cola de procesamiento.",
    "PEDIDO": "Los pedidos no pueden enviarse a la cola de procesamiento.",
    "ORDEN DE COMPRA": "Las órdenes de compra no pueden enviarse a la cola de procesamiento.",
}

# documento_tipo → DocTipo.
DOCUMENTO_TIPOS = {"CUIT": 80, "CUIL": 86, "CDI": 87, "PASAPORTE": 94, "DNI": 96, "OTRO": 99}

# condicion_iva (receiver) → CondicionIVAReceptorId (RG 5616, afip-facts.md §8.6).
CONDICIONES_IVA = {"RI": 1, "E": 4, "CF": 5, "M": 6, "CDEX": 9, "IVNA": 15}

# CondicionIVAReceptorId valid per class of comprobante (afip-facts.md §8.6).
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
EXENTO, NO_GRAVADO = Decimal("-1"), Decimal("-2")

MONEDAS = {"PES", "DOL", "060", "012", "011", "033", "032", "031", "035", "010", "023", "036", "004", "003"}
