"""The queue's operations (TusFacturas' queue operation pages and developers.tusfacturas.app): send again after an
error, change the date, delete, look up; and the instant `nuevo`, which the workers emit through the same
lanes while the request waits.

Each takes the body TusFacturas documents and returns the dict TusFacturas answers.
"""

from __future__ import annotations

from comprobantes import dates, instant, queue_changes, references, retention
from comprobantes.lifecycle import State, from_states
from comprobantes.store import IN_QUEUE, Record, Store, fecha_key, lane_key, numero_key, state_key
from comprobantes.validation import check_item
from comprobantes.document_links import DocumentLinks
from comprobantes.views import consulta_view, emitted_answer
from config import clock
from config.score_pages import page_by_score
from config.settings import get_settings
from emission.schedule import kick_if_due, lane_key_meta
from producers import bodies, queue_bodies
from producers.queue_bodies import NOT_FOUND
from producers.submission import CREDENTIALS

INSTANT_WAIT_SECONDS = 90.0  # TusFacturas' instant path can take up to 1 min 30 s when AFIP is slow


CHANGED_MEANWHILE = "El comprobante cambió de estado mientras se lo modificaba; consultalo y volvé a intentar."
NOT_DELETED = {"procesados_cant": 0, "procesados": []}  # eliminar_encolado's answer keys, when it deletes none


def _kick(r, records: list[Record]) -> None:
    lease = get_settings().lane_lease_seconds
    for record in records:
        kick_if_due(r, record.lane, record.due_at, lease=lease)


@bodies.handles(queue_bodies.ReenviarEncolado)
def reenviar_encolado(r, pdv, body) -> dict:
    """Send a comprobante that ended in `error` back to the queue (the first one, if several match)."""
    store = Store(r)
    candidates = [rec for rec in store.by_reference(pdv.id, body["external_reference"])
                  if rec.state in from_states("requeue")]
    if not candidates:
        return bodies.refused(NOT_FOUND)
    if not store.transition([candidates[0].id], queue_changes.requeue()):
        return bodies.refused(CHANGED_MEANWHILE)
    _kick(r, store.get_many([candidates[0].id]))
    return bodies.done()


@bodies.handles(queue_bodies.CambiarFechaEncolado)
def cambiar_fecha_encolado(r, pdv, body) -> dict:
    """New fecha and vencimiento for a queued (or failed) comprobante; it is validated again for them."""
    store = Store(r)
    matches = store.by_reference(pdv.id, body["external_reference"])
    candidates = [rec for rec in matches if rec.state in from_states("change_date")]
    if not candidates:
        if any(rec.state == State.PROCESANDO for rec in matches):
            return bodies.refused("El comprobante se está emitiendo en este momento; no se puede cambiar su fecha.")
        return bodies.refused(NOT_FOUND)
    record = candidates[0]
    sent = dict(record.body.get("comprobante") or {}, fecha=dates.ddmmyyyy(body["fecha"]))
    if body.get("vencimiento"):
        sent["vencimiento"] = dates.ddmmyyyy(body["vencimiento"])
    checked = check_item({"cliente": record.body.get("cliente"), "comprobante": sent}, pdv, today=clock.today_ar())
    if checked.problems:
        return bodies.refused(*[p.text for p in checked.problems])
    if not store.transition([record.id], queue_changes.change_date(checked.accepted)):
        return bodies.refused(CHANGED_MEANWHILE)
    _kick(r, store.get_many([record.id]))
    return bodies.done()


@bodies.handles(queue_bodies.EliminarEncolado, **NOT_DELETED)
def eliminar_encolado(r, pdv, body) -> dict:
    """Delete every queued or failed comprobante with that reference (and that fecha, when sent)."""
    fecha = body.get("fecha")
    store = Store(r)
    matches = [rec for rec in store.by_reference(pdv.id, body["external_reference"])
               if fecha is None or rec.fecha == fecha]
    if not matches:
        return bodies.refused(NOT_FOUND, **NOT_DELETED)
    deletable = [rec for rec in matches if rec.state in from_states("eliminate")]
    deleted = set(store.transition([rec.id for rec in deletable], queue_changes.eliminate()))
    done, refused = [], []
    for rec in matches:
        name = f"{rec.tipo} {rec.pto_vta:05d}-{rec.numero:08d}"
        if rec.id in deleted:
            done.append(f"El comprobante {name} se ha eliminado correctamente. ")
        elif rec.state == State.EMITIDO:
            refused.append(f"El comprobante {name} ya fue emitido (tiene CAE) y no puede eliminarse; "
                           "para anularlo emití una nota de crédito.")
        else:
            refused.append(f"El comprobante {name} se está emitiendo en este momento y no puede eliminarse.")
    status = "N" if not refused else ("PARCIAL" if done else "S")
    return {"error": status, "errores": refused, "procesados_cant": len(done), "procesados": done}


@bodies.handles(queue_bodies.ConsultaAvanzada)
def consulta_avanzada(r, pdv, body) -> dict:
    """Search by external_reference (EXT_REF) or fecha (F), the last arrived first, or by tipo and number
    range (TN), the highest number first; queued comprobantes included. Reads one page of the index."""
    criteria = body["comprobante"]
    if criteria.get("punto_venta") not in (None, pdv.pto_vta):
        return bodies.refused("El punto de venta no corresponde a sus credenciales.")
    total, ids = _found(r, pdv, body["busqueda_tipo"], criteria, offset=body["pagina"] * body["limite"],
                        count=body["limite"])
    # The reference and fecha indices drop a comprobante when it is eliminated; this catches one
    # eliminated between the two reads.
    records = [rec for rec in Store(r).get_many(ids) if rec.state != State.ELIMINADO]
    if not total and _maybe_forgotten(r, pdv, body["busqueda_tipo"], criteria):
        return {"rta": "OK", **bodies.refused(NOT_FOUND, retention.retention_note(clock.today_ar())), "total": 0,
                "comprobantes": []}
    links = DocumentLinks(r)
    return {"rta": "OK", "error": "N", "total": total, "errores": [],
            "comprobantes": [consulta_view(rec, links.for_record(rec)) for rec in records]}


def _found(r, pdv, search: str, criteria: dict, *, offset: int, count: int) -> tuple[int, list[str]]:
    """(how many comprobantes a search finds, the ids of one page of them, the highest first)."""
    if search == "EXT_REF":
        held = references.of(r, pdv.id, criteria["external_reference"])[::-1]
        return len(held), held[offset:offset + count]
    if search == "F":
        index, low, high = fecha_key(pdv.id, criteria["fecha"].isoformat()), "-inf", "+inf"
    else:
        index, low, high = (numero_key(pdv.id, criteria["tipo"].cbte_tipo), criteria["numero_desde"],
                            criteria["numero_hasta"])
    return page_by_score(r, [index], low=low, high=high, offset=offset, count=count, highest_first=True)


def _maybe_forgotten(r, pdv, search: str, criteria: dict) -> bool:
    """Whether what a search that found nothing asked for may have been removed by retention: a fecha
    before the retention window, or numbers the lane has given that are all below the lowest one kept.
    A reference tells no date, so a search by reference never says so."""
    if search == "F":
        return criteria["fecha"] < retention.kept_since(clock.today_ar())
    if search == "EXT_REF":
        return False
    return _numbers_forgotten(r, pdv, criteria["tipo"].cbte_tipo, criteria["numero_desde"], criteria["numero_hasta"])


def _numbers_forgotten(r, pdv, cbte_tipo: int, desde: int, hasta: int) -> bool:
    pipe = r.pipeline(transaction=False)
    pipe.hget(lane_key_meta(lane_key(pdv.cuit, pdv.pto_vta, cbte_tipo)), "last_numero")
    pipe.zrange(numero_key(pdv.id, cbte_tipo), 0, 0, withscores=True)
    last, lowest = pipe.execute()
    return last is not None and desde <= int(last) and (not lowest or hasta < lowest[0][1])


@bodies.handles(queue_bodies.Consulta)
def consulta(r, pdv, body) -> dict:
    """One emitted comprobante by tipo, punto de venta and number."""
    wanted = body["comprobante"]
    if wanted.get("punto_venta") not in (None, pdv.pto_vta):
        return bodies.refused(NOT_FOUND)
    numero = wanted["numero"]
    ids = r.zrangebyscore(numero_key(pdv.id, wanted["tipo"].cbte_tipo), numero, numero)
    if not ids and _numbers_forgotten(r, pdv, wanted["tipo"].cbte_tipo, numero, numero):
        return bodies.refused(NOT_FOUND, retention.retention_note(clock.today_ar()))
    if not ids:
        return bodies.refused(NOT_FOUND)
    record = Store(r).get(ids[0])
    return {"error": "N", "errores": [], "rta": "OK", **consulta_view(record, DocumentLinks(r).for_record(record))}


def has_queue(r, pdv_id: str) -> bool:
    pipe = r.pipeline(transaction=False)
    for state in IN_QUEUE:
        pipe.zcard(state_key(pdv_id, state))
    return any(pipe.execute())


@bodies.handles(None)
def nuevo(r, pdv, body) -> dict:
    """The instant endpoint: have the emision workers emit now through the lane machinery, wait for the
    outcome (comprobantes.instant) and answer with the CAE.

    Refused while the point of sale has comprobantes in the queue (TusFacturas' queue FAQ): instant emission would
    take numbers and dates ahead of them.
    """
    if has_queue(r, pdv.id):
        return bodies.refused("Existen comprobantes en la cola de procesamiento de este punto de venta: mientras "
                              "existan, solo podés enviar comprobantes a la cola (nuevo_encola o lotes_encola).")
    sent = body.get("comprobante")
    if isinstance(sent, dict) and not sent.get("external_reference"):
        body = {**body, "comprobante": dict(sent, external_reference=f"nuevo-{int(clock.timestamp() * 1000)}")}
    checked = check_item(body, pdv, today=clock.today_ar(), envelope=CREDENTIALS, submitted=True)
    if checked.problems:
        return {**bodies.refused(*[p.text for p in checked.problems]),
                "error_details": [{"code": p.code, "text": p.text} for p in checked.problems]}
    if checked.accepted.fecha > clock.today_ar():
        return bodies.refused("La fecha de un comprobante instantáneo no puede ser posterior a hoy; para emitirlo "
                              "más adelante envialo a la cola con nuevo_encola.")
    store = Store(r)
    record, _ = store.accept(pdv, checked.accepted, notify=bool(pdv.webhook_url), instant=True)
    # An emision worker emits it, as any due lane; this process only waits on Redis for the outcome.
    kick_if_due(r, record.lane, record.due_at, lease=get_settings().lane_lease_seconds)
    instant.wait_for_outcome(r, record.id, INSTANT_WAIT_SECONDS)
    record = store.get(record.id)
    if record.state == State.EMITIDO:
        return emitted_answer(record, pdv, DocumentLinks(r).for_record(record))
    if record.state == State.ERROR:
        return bodies.refused(*record.last_error, external_reference=record.external_reference)
    return bodies.refused(
        "AFIP no respondió a tiempo. El comprobante quedó en la cola de procesamiento y se emitirá cuando AFIP "
        "responda" + ("; recibirás un webhook con el resultado." if pdv.webhook_url else
                      "; consultalo con consulta_avanzada por external_reference."),
        external_reference=record.external_reference,
    )
