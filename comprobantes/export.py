"""`encola export`: every emitted comprobante of a point of sale from a day on, one JSON object a line
(JSON Lines), for the accountant and for archiving before retention removes them (docs/retention.md).

Read from the point of sale's emitted index (by emission time) CHUNK at a time, so an export of a year
holds one chunk in memory, never the whole set; a record removed while the export runs is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

from comprobantes.answers import comprobante_nro
from comprobantes.dates import ddmmyyyy, yyyymmdd_to_ddmmyyyy
from comprobantes.lifecycle import State
from comprobantes.store import Record, Store, state_key
from config import clock

CHUNK = 500


def emitted_since(r, pdv_id: str, since: float, *, chunk: int = CHUNK) -> Iterator[Record]:
    """The point of sale's comprobantes emitted at or after epoch `since`, in emission order."""
    index, low, seen = state_key(pdv_id, State.EMITIDO), repr(since), set()
    while True:
        page = r.zrangebyscore(index, low, "+inf", start=0, num=chunk + len(seen), withscores=True)
        # The page starts at the last score read, inclusive: the ones at that score already exported go.
        fresh = [(rid, score) for rid, score in page if rid not in seen]
        yield from Store(r).get_many([rid for rid, _ in fresh])
        if len(page) < chunk + len(seen):
            return
        last = fresh[-1][1]
        low, seen = repr(last), {rid for rid, score in page if score == last}


def export_line(record: Record) -> dict:
    """What the export keeps of an emitted comprobante, named as the consulta answers name it."""
    return {
        "punto_de_venta_id": record.pdv, "external_reference": record.external_reference, "tipo": record.tipo,
        "punto_venta": record.pto_vta, "numero": record.numero,
        "comprobante_nro": comprobante_nro(record.pto_vta, record.numero), "fecha": ddmmyyyy(record.fecha),
        "total": record.total, "cae": record.cae, "vencimiento_cae": yyyymmdd_to_ddmmyyyy(record.cae_vto),
        "afip_qr": record.afip_qr, "emitido": clock.wall_clock_ar(record.emitted_at),
    }
