"""The lines of a printed comprobante, as each class shows them (RG 1415): A and M a net price and the
line's alícuota; B the price with its IVA included; C the final price the client sent."""

from __future__ import annotations

from decimal import Decimal, localcontext

from comprobantes.amounts import EXACT, HUNDRED, Line as Amounts, cents, unit_price
from comprobantes.codes import EXENTO, NO_GRAVADO
from documents import formatting as fmt
from documents import names
from documents.model import SHOWS_IVA, Line


def _decimal(value) -> Decimal:
    return Decimal(str(value if value not in (None, "") else 0))


def _alicuota(rate: Decimal) -> str:
    if rate == EXENTO:
        return "Exento"
    if rate == NO_GRAVADO:
        return "No gravado"
    return f"{fmt.quantity(rate)}%"


def _price(value: Decimal) -> str:
    """Unit prices keep their third decimal when they have one (amounts.unit_price)."""
    return fmt.amount(value, 3 if value != value.quantize(Decimal("0.01")) else 2)


def _with_iva(value: Decimal, rate: Decimal) -> Decimal:
    """A class B price: the net plus its IVA (nothing for exento and no gravado lines)."""
    with localcontext(EXACT):
        return value * (HUNDRED + max(rate, Decimal(0))) / HUNDRED


def _line(item: dict, clase: str) -> Line:
    producto = item.get("producto") or {}
    amounts = Amounts(cantidad=_decimal(item.get("cantidad")), precio=_decimal(producto.get("precio_unitario_sin_iva")),
                      bonificacion_porcentaje=_decimal(item.get("bonificacion_porcentaje")),
                      alicuota=_decimal(producto.get("alicuota")))
    price, subtotal = unit_price(amounts.precio), amounts.net
    if clase == "B":
        price, subtotal = cents(_with_iva(price, amounts.alicuota)), cents(_with_iva(subtotal, amounts.alicuota))
    return Line(codigo=str(producto.get("codigo") or ""), descripcion=str(producto.get("descripcion") or ""),
                cantidad=fmt.quantity(amounts.cantidad), unidad=names.unidad(producto.get("unidad_medida")),
                precio=_price(price), bonificacion=fmt.quantity(amounts.bonificacion_porcentaje),
                alicuota=_alicuota(amounts.alicuota) if clase in SHOWS_IVA else "",
                subtotal=fmt.amount(subtotal))


def lines_of(detalle: list, clase: str) -> list[Line]:
    return [_line(item, clase) for item in detalle if isinstance(item, dict)]
