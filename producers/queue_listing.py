"""The list of "ventas en cola" (TusFacturas' queue FAQ: TusFacturas' web app shows it under Facturación > Ventas en
cola): the point of sale's comprobantes that are not emitted yet (encolado, procesando, error), in the
order the queue takes them (fecha, then arrival), filtered by state, fecha and tipo, a page at a time;
and the ones emitted since a moment (the page's "emitidos hoy").

Each reads one page of the indices that hold just what it lists (comprobantes.store), so its work is
bounded by the page's size, not by how many comprobantes the point of sale has.
"""

from __future__ import annotations

from datetime import date

from marshmallow import validate

from comprobantes.codes import TIPOS
from comprobantes.lifecycle import State
from comprobantes.store import IN_QUEUE, Store, fecha_scores, queue_tipo_key, state_key
from comprobantes.document_links import DocumentLinks
from comprobantes.views import consulta_view
from config.score_pages import page_by_score
from producers.bodies import Credenciales, done, handles, refused
from producers.fields import between, date_field, one_of, text, whole

MAX_LIMIT = 1000


class VentasEnCola(Credenciales):
    estado = text(validate=one_of(list(IN_QUEUE)), metadata={
        "description": "encolado (espera su fecha), procesando (en AFIP ahora) o error; sin enviar: los tres."})
    fecha_desde = date_field("Solo desde esta fecha del comprobante")
    fecha_hasta = date_field("Solo hasta esta fecha del comprobante")
    tipo = text(validate=validate.Length(1, 100), metadata={"description": "Solo de este tipo, ej. FACTURA B."})
    pagina = whole(validate=between(0, 10**6), metadata={"description": "Desde 0."})
    limite = whole(validate=between(0, MAX_LIMIT), metadata={"description": f"De 0 a {MAX_LIMIT} (0: {MAX_LIMIT})."})


def queue_page(r, pdv_id: str, *, states=IN_QUEUE, desde: date | None = None, hasta: date | None = None,
               cbte_tipo: int | None = None, pagina: int = 0, limite: int = 0) -> tuple[int, list]:
    """(how many match, the records of one page) of a point of sale's comprobantes not emitted yet."""
    indices = [state_key(pdv_id, state) if cbte_tipo is None else queue_tipo_key(pdv_id, state, cbte_tipo)
               for state in states]
    low, high = fecha_scores(desde, hasta)
    limit = limite or MAX_LIMIT
    total, ids = page_by_score(r, indices, low=low, high=high, offset=pagina * limit, count=limit)
    return total, _still(Store(r).get_many(ids), states)


def emitted_since(r, pdv_id: str, since: float, *, pagina: int = 0, limite: int = MAX_LIMIT) -> tuple[int, list]:
    """(how many, page `pagina` of `limite` records) of the point of sale's comprobantes emitted at or
    after `since` (epoch seconds), the last emitted first."""
    total, ids = page_by_score(r, [state_key(pdv_id, State.EMITIDO)], low=since, offset=pagina * limite, count=limite,
                               highest_first=True)
    return total, _still(Store(r).get_many(ids), (State.EMITIDO,))


def _still(records: list, states) -> list:
    """The records of a page still in the states it was read for (one may change between the two reads)."""
    return [record for record in records if record.state in states]


@handles(VentasEnCola)
def ventas_en_cola(r, pdv, data) -> dict:
    cbte_tipo = None
    if "tipo" in data:
        tipo = TIPOS.get(data["tipo"].strip().upper())
        if tipo is None:
            return refused(f"El tipo de comprobante {data['tipo']!r} no es valido.")
        cbte_tipo = tipo.cbte_tipo
    total, page = queue_page(r, pdv.id, states=[data["estado"]] if "estado" in data else IN_QUEUE,
                             desde=data.get("fecha_desde"), hasta=data.get("fecha_hasta"), cbte_tipo=cbte_tipo,
                             pagina=data.get("pagina", 0), limite=data.get("limite", 0))
    links = DocumentLinks(r)
    return done(total=total, comprobantes=[
        {**consulta_view(record, links.for_record(record)), "cola": {"estado": record.state, "intentos": record.attempts}}
        for record in page])
