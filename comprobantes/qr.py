"""The AFIP QR of a comprobante (RG 4291 / RG 4892): a URL carrying base64 JSON."""

from __future__ import annotations

import base64
import json
from datetime import date
from decimal import Decimal

QR_BASE = "https://www.afip.gob.ar/fe/qr/?p="


def _number(value) -> float | int:
    amount = Decimal(str(value))
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def afip_qr_url(*, fecha: date, cuit: int, pto_vta: int, cbte_tipo: int, numero: int, importe, moneda: str,
                cotizacion, doc_tipo: int, doc_nro: int, cae: str) -> str:
    data = {
        "ver": 1,
        "fecha": fecha.isoformat(),
        "cuit": cuit,
        "ptoVta": pto_vta,
        "tipoCmp": cbte_tipo,
        "nroCmp": numero,
        "importe": _number(importe),
        "moneda": moneda,
        "ctz": _number(cotizacion),
        "tipoCodAut": "E",
        "codAut": int(cae),
    }
    if doc_tipo != 99 or doc_nro:
        data["tipoDocRec"], data["nroDocRec"] = doc_tipo, doc_nro
    payload = base64.b64encode(json.dumps(data, separators=(",", ":")).encode("utf-8")).decode("ascii")
    return QR_BASE + payload
