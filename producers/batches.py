"""Batches: `lotes_encola` (up to 100 `{cliente, comprobante}` per call, developers.tusfacturas.app)
and the legacy `lotes` of TusFacturas' legacy lotes page (up to 500 requests, each with its own credentials and a
`facturacion_lote_id_referencia`).

A batch that fails as a whole (credentials, size, the point of sale's webhook or subscription) is
answered at once and nothing is queued or notified. Otherwise every item is judged on its own: the good
ones are queued, the others are named by their place in the batch, and those that meet the basic
requirements also get an `error` webhook (the rule of TusFacturas' nuevo_encola page, the same as for one comprobante).

The legacy lote's `webhook_url` must be the point of sale's own webhook URL: webhooks always go to the
URL configured on the point of sale (where it was checked and its secret lives), and a lote that names
another URL is refused rather than notified somewhere the client did not ask for.
"""

from __future__ import annotations

from functools import partial
from urllib.parse import urlsplit

from marshmallow import ValidationError

from comprobantes import answers
from comprobantes import problems as P
from comprobantes.answers import Problem
from comprobantes.document_links import DocumentLinks
from comprobantes.schemas import Fecha
from config.collector import collector_paused
from config.redis_client import get_redis
from producers.access import BAD_CREDENTIALS, point_of_sale
from producers.submission import CREDENTIALS, Outcome, Submission, pdv_refusal, standing

MAX_BATCH = 100  # lotes_encola
MAX_LOTE = 500  # legacy lotes


def _requests_problems(body: dict, limit: int, allowed: set[str]) -> list[Problem]:
    found = [P.UNKNOWN_FIELD(f"El campo {name} no existe en el formato de TusFacturas. El lote no se procesara.")
             for name in body if name not in allowed]
    requests = body.get("requests")
    if not isinstance(requests, list) or not requests:
        found.append(P.BATCH_EMPTY("No has enviado ningun request a procesar en el bloque de requests. "
                                   "El lote no se procesara."))
    elif len(requests) > limit:
        found.append(P.BATCH_SIZE(f"Esta enviando {len(requests)} requests, cuando el limite permitido es {limit}. "
                                  f"El lote no se procesara."))
    return found


def foreign_credentials(item, body: dict) -> list[str]:
    """The names of the credentials an item carries that are not the batch's."""
    if not isinstance(item, dict):
        return []
    return [name for name in sorted(CREDENTIALS) if name in item and str(item[name]) != str(body.get(name))]


@collector_paused
def enqueue_batch(body) -> dict:
    """`lotes_encola`: up to 100 comprobantes; `response` has one answer per request, in order."""
    r = get_redis()
    pdv = point_of_sale(r, body)
    if pdv is None:
        return answers.batch_refused([BAD_CREDENTIALS])
    refusal = pdv_refusal(pdv)
    found = ([refusal] if refusal else []) + _requests_problems(body, MAX_BATCH, CREDENTIALS | {"requests"})
    if found:
        return answers.batch_refused(found)
    submission = Submission(r, pdv)
    outcomes = []
    for order, item in enumerate(body["requests"]):
        foreign = [P.BATCH_CREDENTIALS(f"El {name} del request no se corresponde con las credenciales del lote.")
                   for name in foreign_credentials(item, body)]
        wording = None if foreign else partial(_batch_wording, order)
        outcomes.append(submission.submit(item, found=tuple(foreign), wording=wording))
    submission.finish()
    links = DocumentLinks(r)
    response = [answers.batch_item_queued(standing(outcome.record, links)) if outcome.record is not None
                else answers.batch_item_refused(order, outcome.problems, outcome.reference)
                for order, outcome in enumerate(outcomes)]
    accepted = sum(outcome.record is not None for outcome in outcomes)
    return answers.batch(response, _summary(len(response), accepted))


def _batch_wording(order: int, outcome: Outcome) -> list[str]:
    return answers.batch_item_refused(order, outcome.problems, outcome.reference)["errores"]


def _lote_wording(row: int, outcome: Outcome) -> list[str]:
    return [answers.in_lote(row, p.text) for p in outcome.problems]


def _summary(sent: int, accepted: int) -> list[Problem]:
    if accepted == sent:
        return []
    if accepted == 0:
        return [P.BATCH_PARTIAL(f"El lote no se procesara ya que contiene errores en todos sus requests. "
                                f"Se enviaron a procesar: {sent} requests y se aceptaron procesar: 0. ")]
    return [P.BATCH_PARTIAL(f"El lote se procesara parcialmente ya que contiene errores en alguno de sus requests. "
                            f"Se enviaron a procesar: {sent} requests y se aceptaron procesar: {accepted}. ")]


@collector_paused
def enqueue_lotes(body) -> dict:
    """The legacy `lotes` of TusFacturas' legacy lotes page: answers `procesados` and the `validaciones`
    of the rows not queued."""
    r = get_redis()
    pdv = point_of_sale(r, body)
    if pdv is None:
        return answers.lote_refused([BAD_CREDENTIALS])
    submission = Submission(r, pdv)
    refusal = pdv_refusal(pdv)
    found = ([refusal] if refusal else []) + _lote_problems(body, pdv.webhook_url)
    start, problem = _fecha_envio_inicial(body, submission.today)
    if problem is not None:
        found.append(problem)
    if found:
        return answers.lote_refused(found)
    rows = []  # (row, Outcome) or (row, the row's credential validations)
    for row, item in enumerate(body["requests"]):
        lote_ref, found = "", []
        if isinstance(item, dict):
            # TusFacturas' legacy lotes page: each request carries credentials, and they must be the lote's.
            wrong = sorted(foreign_credentials(item, body) + [name for name in CREDENTIALS if name not in item])
            if wrong:
                rows.append((row, [f"El {name} del comprobante enviado en la fila {row} (comenzando en 0) no se "
                                   f"corresponde con sus credenciales. No se enviará a generar" for name in wrong]))
                continue
            item, lote_ref, found = _lote_item(item, start)
        rows.append((row, submission.submit(item, lote_ref=lote_ref, found=tuple(found),
                                            wording=partial(_lote_wording, row))))
    submission.finish()
    procesados, validaciones = 0, []
    for row, result in rows:
        if isinstance(result, list):
            validaciones += result
        elif result.record is not None:
            procesados += 1
        else:
            validaciones += [answers.in_lote(row, p.text) for p in result.problems]
    return answers.lote(procesados, validaciones)


def _lote_problems(body: dict, webhook_url: str) -> list[Problem]:
    found = _requests_problems(body, MAX_LOTE, CREDENTIALS | {"requests", "webhook_url", "fecha_envio_inicial"})
    url = body.get("webhook_url")
    if not _is_url(url):
        found.append(P.LOTE_WEBHOOK_URL("Debes enviar una URL valida para el webhook en webhook_url."))
    elif url.strip() != webhook_url:
        found.append(P.LOTE_WEBHOOK_URL(f"La webhook_url enviada ({url}) no es la de tu punto de venta "
                                        f"({webhook_url}): encola envia los webhooks a la URL configurada en el "
                                        f"punto de venta."))
    return found


def _is_url(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value.strip())
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _fecha_envio_inicial(body: dict, today):
    """The day the lote may start (today when not sent), or the problem with the one sent."""
    if body.get("fecha_envio_inicial") in (None, ""):
        return today, None
    try:
        start = Fecha().deserialize(body["fecha_envio_inicial"])
    except ValidationError:
        return today, P.LOTE_FECHA_ENVIO("La fecha_envio_inicial debe tener formato dd/mm/aaaa.")
    if start < today:
        return today, P.LOTE_FECHA_ENVIO(f"La fecha_envio_inicial ({start:%d/%m/%Y}) no puede ser anterior a hoy.")
    return start, None


def _lote_item(item: dict, start) -> tuple[dict, str, list[Problem]]:
    """The item as the queue reads it, its lote reference, and the lote's own rules on it. The reference
    stands in for external_reference when the request has none (the requests of TusFacturas' legacy lotes
    page carry only it)."""
    comprobante = item.get("comprobante")
    if not isinstance(comprobante, dict):
        return item, "", []
    found = []
    lote_ref = comprobante.get("facturacion_lote_id_referencia")
    lote_ref = str(lote_ref).strip() if isinstance(lote_ref, (str, int)) and not isinstance(lote_ref, bool) else ""
    if not lote_ref:
        found.append(P.LOTE_REFERENCE("El comprobante debe tener un valor en facturacion_lote_id_referencia."))
    elif comprobante.get("external_reference") in (None, ""):
        item = {**item, "comprobante": {**comprobante, "external_reference": lote_ref}}
    try:
        fecha = Fecha().deserialize(comprobante.get("fecha"))
    except ValidationError:
        return item, lote_ref, found  # the fecha's own problem is reported by the comprobante's checks
    if fecha < start:
        found.append(P.LOTE_BEFORE_START(
            f"La fecha del comprobante ({fecha:%d/%m/%Y}) es anterior a fecha_envio_inicial ({start:%d/%m/%Y}): "
            f"encola emite cada comprobante en su fecha y no puede demorarlo sin cambiarla."))
    return item, lote_ref, found

