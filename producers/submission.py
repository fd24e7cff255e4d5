"""Submitting comprobantes to the queue: validate, accept, schedule (nuevo_encola, as TusFacturas'
nuevo_encola page describes it), and the steps every entry point shares (the batches of producers.batches use them too).

Every function takes the body TusFacturas documents and returns the dict TusFacturas answers, so the
HTTP layer only parses and serialises.

Idempotent submission: with the point of sale's `idempotent_submission` on (the default), a request
whose external_reference the point of sale already holds (not eliminated) is not queued again; it gets
that comprobante's answer, so a client retrying after a network timeout never invoices twice. A request
that reuses the reference for a different comprobante is refused (TFC-8010) rather than answered with
the other one's data. With the setting off, every request is queued, as TusFacturas does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from accounts.points_of_sale import PointOfSale
from comprobantes import answers
from comprobantes import problems as P
from comprobantes.answers import Problem, Standing
from comprobantes.document_links import DocumentLinks
from comprobantes.rules import reference_of
from comprobantes.store import Record, Store
from comprobantes.validation import Accepted, check_item
from config import clock
from config.redis_client import get_redis
from config.settings import get_settings
from emission.schedule import kick_if_due
from config.metrics import count
from producers import quota
from producers.access import BAD_CREDENTIALS, point_of_sale
from producers.limits import Room
from webhook_dispatch import outbox
from webhook_dispatch.events import build_event

CREDENTIALS = frozenset({"apikey", "apitoken", "usertoken"})
# Dates a queued comprobante may change (cambiar_fecha_encolado) without becoming another comprobante.
CHANGEABLE_DATES = ("CbteFch", "FchVtoPago")


def pdv_refusal(pdv: PointOfSale) -> Problem | None:
    """What stops a point of sale from using the queue at all (answered at once, no webhook)."""
    if not pdv.webhook_url:
        return P.NO_WEBHOOK("Tu punto de venta no tiene una direccion de webhook definida; no se pueden enviar "
                            "comprobantes a la cola.")
    if not pdv.active:
        return P.SUBSCRIPTION_INACTIVE("La suscripcion de tu punto de venta no esta activa; no se pueden enviar "
                                       "comprobantes a la cola.")
    return None


def standing(record: Record, links: DocumentLinks) -> Standing:
    cae_vto = datetime.strptime(record.cae_vto, "%Y%m%d").date() if record.cae_vto else None
    return Standing(record.external_reference, record.tipo, record.pto_vta, record.vencimiento, record.numero,
                    record.cae, cae_vto, record.afip_qr, links.for_record(record)["comprobante_pdf_url"],
                    record.mail_request)


def _same_comprobante(record: Record, accepted: Accepted) -> bool:
    def identity(detail: dict) -> dict:
        return {k: v for k, v in detail.items() if k not in CHANGEABLE_DATES}

    return record.cbte_tipo == accepted.tipo.cbte_tipo and identity(record.detail) == identity(accepted.detail)


@dataclass
class Outcome:
    """One item's fate: queued (`record`), or refused with `problems` (by webhook too when `notify`)."""

    reference: str
    problems: list[Problem] = field(default_factory=list)
    record: Record | None = None
    notify: bool = False


@dataclass
class Submission:
    """Items of one request submitted to one point of sale. Each is judged as it comes; those that pass
    are stored together by `finish()` (one transaction), which also sends the rejections' webhooks and
    wakes the lanes: an Outcome's `record` and late `problems` are known only after it."""

    r: object
    pdv: PointOfSale
    today: date = field(default_factory=clock.today_ar)
    due_lanes: dict = field(default_factory=dict)  # lane → when its earliest new comprobante falls due
    rejections: list = field(default_factory=list)  # (external_reference, messages) for `error` webhooks
    pending: list = field(default_factory=list)  # (Outcome, Accepted, lote_ref) to be stored by finish()
    room: Room | None = None  # what the point of sale may still hold waiting, read at its first need

    def _room(self) -> Room:
        if self.room is None:
            self.room = Room.read(self.r, self.pdv)
        return self.room

    def submit(self, item, *, lote_ref: str = "", found: tuple[Problem, ...] = ()) -> Outcome:
        """Judge one item; `found` are problems the caller already saw in it (its batch's rules)."""
        checked = check_item(item, self.pdv, today=self.today, envelope=CREDENTIALS, submitted=True)
        if found or checked.problems:
            return Outcome(checked.external_reference, [*found, *checked.problems], notify=not checked.basic_failure)
        accepted = checked.accepted
        if self.pdv.idempotent_submission:
            # A retry is answered before the quota is consulted: it buys nothing new.
            existing = Store(self.r).by_reference(self.pdv.id, accepted.external_reference)
            if existing:
                return self._retried(existing[0], accepted)
        full = self._room().refusal(self.pdv)
        if full is not None:
            return Outcome(accepted.external_reference, [full], notify=True)
        if not quota.reserve(self.r, self.pdv, self.today):
            problem = P.QUOTA(f"Se alcanzo el cupo mensual de {self.pdv.monthly_quota} comprobantes de tu suscripcion; "
                              f"este comprobante no se encolara.")
            return Outcome(accepted.external_reference, [problem], notify=True)
        self._room().take_comprobante()
        outcome = Outcome(accepted.external_reference)
        self.pending.append((outcome, accepted, lote_ref))
        return outcome

    def _store(self) -> None:
        pending, self.pending = self.pending, []
        try:
            stored = Store(self.r).accept_many(self.pdv, [(accepted, lote_ref) for _, accepted, lote_ref in pending])
        except BaseException:
            quota.release(self.r, self.pdv, self.today, units=len(pending))
            raise
        for (outcome, accepted, _), (record, new) in zip(pending, stored):
            if new:
                outcome.record = record
                self.due_lanes[record.lane] = min(record.due_at, self.due_lanes.get(record.lane, record.due_at))
                continue
            # Another request (or an earlier item of this one) took the reference first.
            quota.release(self.r, self.pdv, self.today)
            retried = self._retried(record, accepted)
            outcome.record, outcome.problems = retried.record, retried.problems

    @staticmethod
    def _retried(record: Record, accepted: Accepted) -> Outcome:
        if _same_comprobante(record, accepted):
            return Outcome(accepted.external_reference, record=record)
        # No webhook: one keyed by this reference would read as news of the comprobante already queued.
        problem = P.REFERENCE_TAKEN(f"Ya existe en la cola un comprobante distinto con la external_reference "
                                    f"{record.external_reference}; este request no se encolara.")
        return Outcome(accepted.external_reference, [problem])

    def notify(self, reference: str, messages: list[str]) -> None:
        """TusFacturas' nuevo_encola page: a request that meets the basic requirements but fails validation also gets an
        `error` webhook, unless the point of sale's hooks waiting are at their cap (producers/limits.py)."""
        if not self._room().take_hook():
            count(self.r, "encola_error_hooks_dropped", pdv=self.pdv.id)
            return
        self.rejections.append((reference, messages))

    def finish(self) -> None:
        """Store what passed, send the rejections' webhooks and wake the lanes that have work due now."""
        if self.pending:
            self._store()
        if self.rejections:
            events = [build_event(pdv_id=self.pdv.id, evento="error", external_reference=reference, intento=1,
                                  msg=messages) for reference, messages in self.rejections]
            pipe = self.r.pipeline()
            for event in events:
                outbox.stage(pipe, event)
            pipe.execute()
            outbox.publish(self.r, [event.hook_id for event in events])
        for lane, due_at in sorted(self.due_lanes.items()):
            kick_if_due(self.r, lane, due_at, lease=get_settings().lane_lease_seconds)


def enqueue(body) -> dict:
    """`nuevo_encola`: one comprobante into the queue (TusFacturas' nuevo_encola page)."""
    r = get_redis()
    reference, _ = reference_of(body.get("comprobante") if isinstance(body, dict) else None)
    pdv = point_of_sale(r, body)
    if pdv is None:
        return answers.error([BAD_CREDENTIALS], reference)
    refusal = pdv_refusal(pdv)
    if refusal is not None:
        return answers.error([refusal], reference)
    submission = Submission(r, pdv)
    outcome = submission.submit(body)
    if outcome.notify:
        submission.notify(outcome.reference, [p.text for p in outcome.problems])
    submission.finish()
    if outcome.problems:
        return answers.error(outcome.problems, outcome.reference)
    return answers.queued(standing(outcome.record, DocumentLinks(r)))
