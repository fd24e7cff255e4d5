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

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from accounts.points_of_sale import PointOfSale
from comprobantes import answers, references
from comprobantes import problems as P
from comprobantes.answers import Problem, Standing
from comprobantes.document_links import DocumentLinks
from comprobantes.rules import reference_of
from comprobantes.store import NewRecord, Record, Store, log_accepted
from comprobantes.validation import Accepted, check_item
from config import clock
from config.redis_client import get_redis
from config.settings import get_settings
from emission.schedule import kick_if_due
from config.metrics import count
from config.lua import execute
from config.one_call import Writes
from producers import quota
from producers.access import BAD_CREDENTIALS, point_of_sale
from producers.limits import Room, read_waiting
from webhook_dispatch import outbox
from webhook_dispatch.events import Event, build_event

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


def plain_wording(outcome: Outcome) -> list[str]:
    """The messages of an `error` webhook: its problems' texts as they are."""
    return [problem.text for problem in outcome.problems]


@dataclass
class _Item:
    """One submitted item: its outcome, what passed validation (None when it did not) and how its `error`
    webhook words its problems (None: it gets none)."""

    outcome: Outcome
    accepted: Accepted | None
    lote_ref: str
    wording: Callable[[Outcome], list[str]] | None


@dataclass
class _Decision:
    """What one attempt at storing a request decided from one reading of Redis."""

    held: dict  # external_reference → the live comprobante holding it (idempotent submission)
    room: Room
    used: int  # this month's quota used before this request
    taken: int = 0  # quota and room this request takes
    news: list = field(default_factory=list)  # (Outcome, Accepted, lote_ref) to store
    repeats: list = field(default_factory=list)  # (Outcome, Accepted, index in news of the same reference)
    first: dict = field(default_factory=dict)  # external_reference → its index in news
    rejections: list = field(default_factory=list)  # (external_reference, messages) for `error` webhooks
    dropped: int = 0  # `error` webhooks not stored: the hooks waiting were at their cap


@dataclass
class Submission:
    """Items of one request submitted to one point of sale. `submit` judges each as it comes; `finish()`
    decides, in the items' order, which are retries, which meet a cap or the quota and which `error`
    webhooks fit, and stores it all in one transaction: an Outcome's `record` and late `problems` are
    known only after it."""

    r: object
    pdv: PointOfSale
    today: date = field(default_factory=clock.today_ar)
    items: list = field(default_factory=list)

    def submit(self, item, *, lote_ref: str = "", found: tuple[Problem, ...] = (),
               wording: Callable[[Outcome], list[str]] | None = plain_wording) -> Outcome:
        """Judge one item; `found` are problems the caller already saw in it (its batch's rules)."""
        checked = check_item(item, self.pdv, today=self.today, envelope=CREDENTIALS, submitted=True)
        if found or checked.problems:
            outcome = Outcome(checked.external_reference, [*found, *checked.problems],
                              notify=not checked.basic_failure)
            self.items.append(_Item(outcome, None, lote_ref, wording))
        else:
            outcome = Outcome(checked.external_reference)
            self.items.append(_Item(outcome, checked.accepted, lote_ref, wording))
        return outcome

    def finish(self) -> None:
        """Store what passed and the rejections' webhooks in one transaction, publish the hooks once and
        wake the lanes that have work due now. A reference or the quota that changed meanwhile (WATCH)
        has the request decided again."""
        if not any(item.accepted or self._notified(item) for item in self.items):
            return
        store = Store(self.r)
        news, events = self.r.transaction(lambda pipe: self._stage(pipe, store), *self._watched(),
                                          value_from_callable=True)
        outbox.publish_new(self.r, events, urls=self._urls)
        log_accepted(news)
        due_lanes = {}  # lane → when its earliest new comprobante falls due
        for new in news:
            due_at = clock.start_of_day_ar(new.fecha)
            due_lanes[new.lane] = min(due_at, due_lanes.get(new.lane, due_at))
        for lane, due_at in sorted(due_lanes.items()):
            kick_if_due(self.r, lane, due_at, lease=get_settings().lane_lease_seconds)

    @property
    def _urls(self) -> dict[str, str]:
        """What the hooks of this request are staged and then published with (outbox.stage_many): its point
        of sale's webhook URL, which puts them straight into their origin's line."""
        return {self.pdv.id: self.pdv.webhook_url}

    @staticmethod
    def _notified(item: _Item) -> bool:
        return bool(item.outcome.problems and item.outcome.notify and item.wording is not None)

    def _references(self) -> list[str]:
        """The references whose holders decide retries (idempotent submission)."""
        if not self.pdv.idempotent_submission:
            return []
        return list(dict.fromkeys(item.accepted.external_reference for item in self.items if item.accepted))

    def _watched(self) -> list[str]:
        keys = list(dict.fromkeys(references.bucket_key(self.pdv.id, reference) for reference in self._references()))
        if self.pdv.monthly_quota > 0:
            keys.append(quota.month_key(self.pdv, self.today))
        return keys

    def _read(self, store: Store) -> _Decision:
        """The holders of the references, the room and the quota used, in one round trip (and one more
        for the holders' records, when there are any)."""
        wanted = self._references()
        pipe = self.r.pipeline(transaction=False)
        read_waiting(pipe, self.pdv.id)
        pipe.get(quota.month_key(self.pdv, self.today))
        references.read(pipe, self.pdv.id, wanted)
        *read, found = execute(pipe)
        holders = references.holders(found, len(wanted))
        records = {record.id: record for record in store.get_many([rid for ids in holders for rid in ids])}
        held = {}
        for reference, ids in zip(wanted, holders):
            live = [records[rid] for rid in ids if rid in records]
            if live:
                held[reference] = live[0]
        return _Decision(held, Room.of(self.pdv, read[:-1]), int(read[-1] or 0))

    def _stage(self, pipe, store: Store) -> tuple[list[NewRecord], list[Event]]:
        decision = self._read(store)
        for item in self.items:
            if item.accepted is not None:
                self._place(item, decision)
            if self._notified(item):
                if decision.room.take_hook():
                    decision.rejections.append((item.outcome.reference, item.wording(item.outcome)))
                else:
                    decision.dropped += 1
        news = store.prepare_many(self.pdv, [(accepted, lote_ref) for _, accepted, lote_ref in decision.news])
        for (outcome, _, _), new in zip(decision.news, news):
            outcome.record = new.record
        for outcome, accepted, index in decision.repeats:
            _retried(outcome, news[index].record, accepted)
        errors = [build_event(pdv_id=self.pdv.id, evento="error", external_reference=reference, intento=1,
                              msg=messages) for reference, messages in decision.rejections]
        writes = Writes()
        Store.stage_news(writes, news)
        if news:
            quota.stage_take(writes, self.pdv, self.today, len(news))
        outbox.stage_many(writes, errors, urls=self._urls)
        if decision.dropped:
            count(writes, "encola_error_hooks_dropped", decision.dropped, pdv=self.pdv.id)
        pipe.multi()
        writes.send(pipe)
        return news, [new.event for new in news if new.event is not None] + errors

    def _place(self, item: _Item, decision: _Decision) -> None:
        """Decide one validated item: a retry, refused by a cap or the quota, or to be stored."""
        outcome, accepted = item.outcome, item.accepted
        outcome.problems, outcome.record, outcome.notify = [], None, False  # from an earlier attempt
        reference = accepted.external_reference
        if reference in decision.held:
            # A retry is answered before the quota is consulted: it buys nothing new.
            _retried(outcome, decision.held[reference], accepted)
            return
        full = decision.room.refusal(self.pdv)
        if full is None and quota.exhausted(self.pdv, decision.used + decision.taken):
            full = P.QUOTA(f"Se alcanzo el cupo mensual de {self.pdv.monthly_quota} comprobantes de tu suscripcion; "
                           f"este comprobante no se encolara.")
        if full is not None:
            outcome.problems, outcome.notify = [full], True
            return
        decision.room.take_comprobante()
        decision.taken += 1
        if reference in decision.first:
            # An earlier item of this request takes the reference; its quota counted until the commit.
            decision.repeats.append((outcome, accepted, decision.first[reference]))
            return
        if self.pdv.idempotent_submission:
            decision.first[reference] = len(decision.news)
        decision.news.append((outcome, accepted, item.lote_ref))


def _retried(outcome: Outcome, record: Record, accepted: Accepted) -> None:
    """A reference already held: its comprobante's answer, or a refusal when this one is another comprobante."""
    if _same_comprobante(record, accepted):
        outcome.record = record
        return
    # No webhook: one keyed by this reference would read as news of the comprobante already queued.
    outcome.problems = [P.REFERENCE_TAKEN(f"Ya existe en la cola un comprobante distinto con la external_reference "
                                          f"{record.external_reference}; este request no se encolara.")]


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
    submission.finish()
    if outcome.problems:
        return answers.error(outcome.problems, outcome.reference)
    return answers.queued(standing(outcome.record, DocumentLinks(r)))
