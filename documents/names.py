"""The printed names of WSFEv1's codes, from the project's tables (comprobantes/codes.py and AFIP's FEParamGet*
rows in afip/parameters.py), so a document names a moneda or a condición frente al IVA as AFIP does."""

from __future__ import annotations

from afip.parameters import CONDICIONES_IVA_RECEPTOR, TIPOS_CBTE, TIPOS_DOC, TIPOS_MONEDAS
from comprobantes.codes import CONDICIONES_IVA

CONDICION_IVA = {ident: name for ident, name, _classes in CONDICIONES_IVA_RECEPTOR}
DOCUMENTO = {ident: name for ident, name, _since in TIPOS_DOC}
MONEDA = {ident: name for ident, name, _since in TIPOS_MONEDAS}
COMPROBANTE = {ident: name for ident, name, _since in TIPOS_CBTE}

# AFIP's units of measure (the WSMTXCA table of RG 2904, its most used rows), abbreviated to fit a column;
# a code outside them prints as is.
UNIDADES = {
    1: "kg", 2: "m", 3: "m²", 4: "m³", 5: "l", 7: "u.", 8: "pares", 9: "doc.", 11: "millar", 14: "g", 15: "mm",
    17: "km", 20: "cm", 29: "t", 41: "mg", 47: "ml", 99: "otras",
}
UNIDAD_POR_DEFECTO = 7


def condicion_iva(code: str) -> str:
    """The name of a condición frente al IVA written as the wire format does (RI, M, E, CF…)."""
    return CONDICION_IVA.get(CONDICIONES_IVA.get(code, 0), code)


def comprobante(cbte_tipo: int) -> str:
    """The kind of comprobante without its class letter, in capitals: "NOTA DE CRÉDITO"."""
    return COMPROBANTE[cbte_tipo].rsplit(" ", 1)[0].upper()


def unidad(code) -> str:
    code = UNIDAD_POR_DEFECTO if code in (None, "") else int(code)
    return UNIDADES.get(code, str(code))
