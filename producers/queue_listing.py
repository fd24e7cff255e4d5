"""The list of "ventas en cola" (seed 000: TusFacturas' web app shows it under Facturación > Ventas en
cola): the point of sale's comprobantes that are not emitted yet (encolado, procesando, error), in the
order the queue takes them (fecha, then arrival), filtered by state, fecha and tipo, a page at a time;
and the ones emitted since a moment (the page's "emitidos hoy").

Filtering reads a few small fields of each candidate; only the page's comprobantes are read whole.
"""

from __future__ import annotations

from datetime import date

from marshmallow import validate

from comprobantes.codes import TIPOS
from comprobantes.store import Store, cbte_key, state_key
from comprobantes.views import consulta_view
from producers.bodies import Credenciales, between, date_field, done, one_of, open_request, refused, text, whole

IN_QUEUE = ("encolado", "procesando", "error")
MAX_LIMIT = 1000


class VentasEnCola(Credenciales):
    estado = text(validate=one_of(list(IN_QUEUE)), metadata={
        "description": "encolado (espera su fecha), procesando (en AFIP ahora) o error; sin enviar: los tres."})
    fecha_desde = date_field("Solo desde esta fecha del comprobante")
    fecha_hasta = date_field("Solo hasta esta fecha del comprobante")
    tipo = text(validate=validate.Length(1, 100), metadata={"description": "Solo de este tipo, ej. FACTURA B."})
    pagina = whole(validate=between(0, 10**6), metadata={"description": "Desde 0."})
    limite = whole(validate=between(0, MAX_LIMIT), metadata={"description": f"De 0 a {MAX_LIMIT} (0: {MAX_LIMIT})."})


def _wanted(raw: list, *, desde: date | None, hasta: date | None, cbte_tipo: int | None) -> bool:
    fecha, tipo = raw
    if fecha is None:  # gone since its id was read
        return False
    day = date.fromisoformat(fecha)
    return (desde is None or day >= desde) and (hasta is None or day <= hasta) and \
        (cbte_tipo is None or int(tipo) == cbte_tipo)


def queue_page(r, pdv_id: str, *, states=IN_QUEUE, desde: date | None = None, hasta: date | None = None,
               cbte_tipo: int | None = None, pagina: int = 0, limite: int = 0) -> tuple[int, list]:
    """(how many match, the records of one page) of a point of sale's comprobantes not emitted yet."""
    candidates = [rid for state in states for rid in r.zrange(state_key(pdv_id, state), 0, -1)]
    pipe = r.pipeline(transaction=False)
    for rid in candidates:
        pipe.hmget(cbte_key(rid), "fecha", "cbte_tipo")
    found = [(raw[0], int(rid), rid) for rid, raw in zip(candidates, pipe.execute())
             if _wanted(raw, desde=desde, hasta=hasta, cbte_tipo=cbte_tipo)]
    found.sort()
    limit = limite or MAX_LIMIT
    start = pagina * limit
    return len(found), Store(r).get_many([rid for _, _, rid in found[start:start + limit]])


def emitted_since(r, pdv_id: str, since: float, *, limite: int = MAX_LIMIT) -> tuple[int, list]:
    """(how many, the latest `limite` records) of the point of sale's comprobantes emitted at or after
    `since` (epoch seconds), the last emitted first. The emitted index is ordered by arrival, not by
    emission, so each one's emission time is read to choose them."""
    candidates = r.zrange(state_key(pdv_id, "emitido"), 0, -1)
    pipe = r.pipeline(transaction=False)
    for rid in candidates:
        pipe.hget(cbte_key(rid), "emitted_at")
    found = sorted(((float(at), rid) for rid, at in zip(candidates, pipe.execute()) if at and float(at) >= since),
                   reverse=True)
    return len(found), Store(r).get_many([rid for _, rid in found[:limite]])


def ventas_en_cola(body) -> dict:
    r, pdv, data = open_request(body, VentasEnCola)
    if pdv is None:
        return data
    cbte_tipo = None
    if "tipo" in data:
        tipo = TIPOS.get(data["tipo"].strip().upper())
        if tipo is None:
            return refused(f"El tipo de comprobante {data['tipo']!r} no es valido.")
        cbte_tipo = tipo.cbte_tipo
    total, page = queue_page(r, pdv.id, states=[data["estado"]] if "estado" in data else IN_QUEUE,
                             desde=data.get("fecha_desde"), hasta=data.get("fecha_hasta"), cbte_tipo=cbte_tipo,
                             pagina=data.get("pagina", 0), limite=data.get("limite", 0))
    return done(total=total, comprobantes=[
        {**consulta_view(record), "cola": {"estado": record.state, "intentos": record.attempts}} for record in page])
