"""The simulator's own tables beside AFIP's parameter tables (afip/parameters.py): AFIP publishes no
reference exchange rates for tests, so `COTIZACIONES` are the simulator's own figures, changeable at run
time through the admin API; the classes of comprobante its rules check; and the rows FEParamGet* answers.
"""

from __future__ import annotations

from decimal import Decimal

from afip.parameters import NULL

# The simulator's reference exchange rates (pesos per unit), for FEParamGetCotizacion and rule 10119.
COTIZACIONES = {"DOL": Decimal("1050.5"), "002": Decimal("1075"), "060": Decimal("1210.25"), "012": Decimal("190.4")}

# Classes of comprobante by CbteTipo (WSFEv1 developer manual, code 10007).
CLASS_A = frozenset({1, 2, 3, 4, 5, 34, 39, 60, 63, 201, 202, 203})
CLASS_B = frozenset({6, 7, 8, 9, 10, 35, 40, 61, 64, 206, 207, 208})
CLASS_C = frozenset({11, 12, 13, 15, 211, 212, 213})
CLASS_M = frozenset({51, 52, 53, 54})  # "A con leyenda operación sujeta a retención"
BIENES_USADOS = frozenset({49})
FCE = frozenset({201, 202, 203, 206, 207, 208, 211, 212, 213})
FCE_FACTURAS = frozenset({201, 206, 211})
# Debit and credit notes that AFIP exempts from the IVA breakdown checks (10051, 10061).
NOTAS_SIN_CONTROL_IVA = frozenset({2, 3, 7, 8, 52, 53})


def clase(cbte_tipo: int) -> str | None:
    """The class whose column of the IVA-condition table applies: A (also M), B, C, 49; None if unknown."""
    if cbte_tipo in CLASS_A or cbte_tipo in CLASS_M:
        return "A"
    if cbte_tipo in CLASS_B:
        return "B"
    if cbte_tipo in CLASS_C:
        return "C"
    if cbte_tipo in BIENES_USADOS:
        return "49"
    return None


def cmp_clase(classes: tuple[str, ...]) -> str:
    """How FEParamGetCondicionIvaReceptor writes the classes of a condition, e.g. "A/ALEY/C" or "B/C/49"."""
    written = []
    for name in classes:
        written.extend(("A", "ALEY") if name == "A" else (name,))
    return "/".join(written)


def param_rows(rows) -> list[dict]:
    return [{"Id": row_id, "Desc": desc, "FchDesde": desde, "FchHasta": NULL} for row_id, desc, desde in rows]
