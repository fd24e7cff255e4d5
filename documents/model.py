"""What a printed comprobante shows, as text ready to draw: the renderers only lay it out, so the A4 page
and the ticket print the very same figures and names."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# The classes whose printed form breaks IVA down (RG 1415): B shows prices with IVA included, C has none.
SHOWS_IVA = ("A", "M")


@dataclass(frozen=True)
class Issuer:
    """The issuer's data RG 1415 asks the document to show. The point of sale holds only part of it
    (cuit, razon_social, condicion_iva), so the caller supplies the rest."""

    razon_social: str
    cuit: int
    condicion_iva: str  # as the point of sale writes it: RI, M or E
    domicilio: str
    iibb: str
    inicio_actividades: date | None = None
    logo: bytes | None = None  # PNG or JPEG, drawn at most 150 × 50 points


@dataclass(frozen=True)
class Receptor:
    nombre: str
    documento_tipo: str  # "CUIT", "DNI"; "" for a receiver not identified
    documento: str  # "30-71229384-1", "23456789"
    condicion_iva: str
    domicilio: str


@dataclass(frozen=True)
class Line:
    codigo: str
    descripcion: str
    cantidad: str
    unidad: str
    precio: str
    bonificacion: str
    alicuota: str  # "" where the class does not show it
    subtotal: str


@dataclass(frozen=True)
class Document:
    issuer: Issuer
    issuer_condicion_iva: str
    letra: str  # A, B, C or M
    codigo: str  # the comprobante type's code, "01"
    nombre: str  # "FACTURA", "NOTA DE CRÉDITO"
    numero: str  # punto de venta and number: "00001-00000123"
    fecha: str  # dd/mm/aaaa
    receptor: Receptor
    condicion_venta: str
    lines: list[Line]
    totals: list[tuple[str, str]]  # (label, amount), the total last
    cae: str
    cae_vto: str
    qr: str  # the RG 4892 URL, as stored
    issued_at: datetime  # the PDF's creation date: fixed by the record, never the clock
    shows_alicuota: bool = False
    periodo: tuple[str, str] | None = None  # servicios: desde, hasta
    vencimiento_pago: str = ""
    moneda: str = ""  # the moneda's name when not pesos
    cotizacion: str = ""
    asociados: list[str] = field(default_factory=list)
    transparencia: list[tuple[str, str]] = field(default_factory=list)  # Ley 27.743, B to a consumidor final

    @property
    def title(self) -> str:
        return f"{self.nombre} {self.letra} {self.numero}"
