"""How figures read on a printed comprobante in Argentina: amounts with a decimal comma and thousands
points (1.234,56), CUITs with their dashes (20-11111111-2), numbers as PPPPP-NNNNNNNN."""

from __future__ import annotations

from decimal import Decimal

from comprobantes.answers import comprobante_nro
from comprobantes.dates import ddmmyyyy, yyyymmdd_to_ddmmyyyy

__all__ = ["amount", "comprobante_nro", "cuit", "ddmmyyyy", "quantity", "yyyymmdd_to_ddmmyyyy"]


def _local(english: str) -> str:
    return english.replace(",", "_").replace(".", ",").replace("_", ".")


def amount(value, places: int = 2) -> str:
    return _local(f"{Decimal(str(value)):,.{places}f}")


def quantity(value) -> str:
    """A quantity as sent, without trailing zeros: 1, 2,5, 0,125."""
    number = Decimal(str(value))
    text = f"{number:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return _local(text)


def cuit(value) -> str:
    digits = str(value)
    return f"{digits[:2]}-{digits[2:-1]}-{digits[-1:]}" if len(digits) == 11 else digits
