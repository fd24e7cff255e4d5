"""Each branch of reconciliation (emission/reconciliation.py) through a WSFEv1 client each test scripts,
on a real Redis: what AFIP holds at the numbers of a batch in flight decides whether its comprobantes
are adopted with their CAE, given back to the queue, or waited for; and the lane backs off when AFIP
cannot be asked. The end-to-end scenarios against the simulator are in tests/test_emission_engine.py."""

from __future__ import annotations

import json

import pytest

from accounts.points_of_sale import get_point_of_sale
from afip.failures import AuthError, SequenceError, TransientError
from afip.wsfe import CaeResult, DetailResult
from comprobantes.emission_messages import AFTER_REJECTED, ORPHANED, RENUMBERED, UNANSWERED, afip_messages
from comprobantes.store import Store
from comprobantes.validation import check_item
from comprobantes.wsfe_mapping import numbered
from config import clock
from config.keys import key
from config.settings import get_settings
from emission import outcomes
from emission.afip_caches import HEALTH_KEY
from emission.backoff import Backoff
from emission.emitter import MAX_SEQUENCE_RETRIES, LaneEmitter
from emission.lane_context import LaneContext
from emission.lane_state import LaneState
from emission.reconciliation import reconcile, recover_orphans
from webhook_dispatch.points_of_sale import create_point_of_sale
from emission.schedule import inflight_key, lane_key_meta
from tests.support.bodies import item

CAE, CAE_VTO = "76543210987654", "20261231"
SEQUENCE = SequenceError("FECAESolicitar refused the numbering", [(10016, "El numero o fecha del comprobante "
                                                                           "no se corresponde con el proximo")])


class ScriptedWsfe:
    """WSFEv1 as a test scripts it: AFIP's last number (or the failure asking it raises), what it holds
    at each number, and FECAESolicitar's answers in turn (a failure to raise, or None to approve every
    detail sent)."""

    def __init__(self, last: int | Exception = 0, held: dict[int, dict] | None = None, answers=()):
        self.last = last
        self.held = held or {}
        self.answers = list(answers)
        self.sent: list[list[int]] = []

    def ultimo_autorizado(self, pto_vta: int, cbte_tipo: int) -> int:
        if isinstance(self.last, Exception):
            raise self.last
        return self.last

    def consultar(self, pto_vta: int, cbte_tipo: int, numero: int) -> dict | None:
        return self.held.get(numero)

    def tot_x_request(self) -> int:
        return 250

    def healthy(self) -> bool:
        return True

    def detail_problem(self, detail: dict) -> str | None:
        return None

    def cae_request(self, pto_vta: int, cbte_tipo: int, details: list[dict]) -> list[dict]:
        return details

    def send_cae(self, details: list[dict]) -> CaeResult:
        self.sent.append([detail["CbteDesde"] for detail in details])
        answer = self.answers.pop(0)
        if answer is not None:
            raise answer
        return CaeResult("A", [DetailResult(d["CbteDesde"], "A", CAE, CAE_VTO) for d in details], [], [], "")


@pytest.fixture
def queued(quiet_db):
    """`queued(n)`: n comprobantes `encolado` in one lane of the quiet database, notifying no one."""
    pdv, _ = create_point_of_sale(quiet_db, cuit=20111111112, pto_vta=4, webhook_url="", cert_path="", key_path="",
                                  idempotent_submission=False)

    def make(n: int) -> list:
        store = Store(quiet_db)
        checked = [check_item(item(f"RC-{i}", clock.today_ar(), pto_vta=4), pdv, today=clock.today_ar())
                   for i in range(n)]
        assert not [c.problems for c in checked if c.problems]
        return [store.accept(pdv, c.accepted, notify=False)[0] for c in checked]

    return make


def in_flight(r, records, batch_id: str, first: int, *, sent_at: float | None = None, answered: bool = False,
              refused: bool | None = None) -> list[dict]:
    """Claim `records` into `batch_id` and write its in-flight record as the emitter writes it (without
    `refused` unless given, as records written before it existed); returns the details sent."""
    Store(r).transition([rec.id for rec in records], outcomes.claim(batch_id))
    details = [numbered(rec.detail, first + n) for n, rec in enumerate(records)]
    entry = {"batch": batch_id, "items": [[rec.id, first + n] for n, rec in enumerate(records)], "details": details,
             "sent_at": clock.timestamp() if sent_at is None else sent_at, "answered": answered}
    if refused is not None:
        entry["refused"] = refused
    r.hset(inflight_key(records[0].lane), batch_id, json.dumps(entry))
    return details


def context(r, lane: str, client: ScriptedWsfe) -> LaneContext:
    state = LaneState.load(r, lane)
    return LaneContext(r, Store(r), get_settings(), state, get_point_of_sale(r, state.pdv), client)


def authorised(detail: dict, **changes) -> dict:
    """What FECompConsultar answers for `detail` authorised (with `changes`)."""
    return {**detail, "CodAutorizacion": CAE, "FchVto": CAE_VTO, **changes}


def states(r, records) -> list[tuple[str, int]]:
    return [(rec.state, rec.attempts) for rec in Store(r).get_many([rec.id for rec in records])]


def last_audit(r, record) -> dict:
    return Store(r).audit(record.id)[-1]


def test_a_number_afip_holds_for_the_same_comprobante_is_adopted_with_its_cae(quiet_db, queued):
    records = queued(2)
    details = in_flight(quiet_db, records, "b1", 8)

    reconcile(context(quiet_db, records[0].lane, ScriptedWsfe(9, {n: authorised(d) for n, d in zip((8, 9), details)})),
              count_attempt=True)

    assert states(quiet_db, records) == [("emitido", 1), ("emitido", 1)]
    stored = Store(quiet_db).get_many([rec.id for rec in records])
    assert [(rec.numero, rec.cae) for rec in stored] == [(8, CAE), (9, CAE)]
    assert last_audit(quiet_db, records[0])["reconciliado"] is True
    assert quiet_db.hlen(inflight_key(records[0].lane)) == 0
    meta = quiet_db.hgetall(lane_key_meta(records[0].lane))
    assert (meta["last_numero"], meta["last_fecha"]) == ("9", details[1]["CbteFch"])


def test_a_number_another_comprobante_holds_is_released_and_recorded_as_an_anomaly(quiet_db, queued):
    records = queued(1)
    details = in_flight(quiet_db, records, "b1", 5)
    other = authorised(details[0], DocNro=30500010912, DocTipo=80)

    reconcile(context(quiet_db, records[0].lane, ScriptedWsfe(5, {5: other})), count_attempt=True)

    assert states(quiet_db, records) == [("encolado", 1)]
    assert last_audit(quiet_db, records[0])["motivo"] == UNANSWERED
    anomalies = [json.loads(a) for a in quiet_db.lrange(key("lane", records[0].lane, "anomalies"), 0, -1)]
    assert [(a["numero"], a["comprobante"], a["afip"]["DocNro"]) for a in anomalies] == [
        (5, records[0].id, 30500010912)]
    assert quiet_db.hlen(inflight_key(records[0].lane)) == 0


def test_a_number_beyond_afip_last_without_an_answer_is_waited_for_until_it_settles(quiet_db, queued):
    records = queued(2)
    sent_at = clock.timestamp()
    details = in_flight(quiet_db, records, "b1", 1, sent_at=sent_at)

    # AFIP holds the first number for it already, but the second is not there yet: nothing is decided
    with pytest.raises(Backoff) as waiting:
        reconcile(context(quiet_db, records[0].lane, ScriptedWsfe(1, {1: authorised(details[0])})), count_attempt=True)

    assert waiting.value.until == sent_at + get_settings().afip_read_timeout
    assert states(quiet_db, records) == [("procesando", 0), ("procesando", 0)]
    assert quiet_db.hlen(inflight_key(records[0].lane)) == 1


@pytest.mark.parametrize("answered,age", [(False, "settled"), (True, "fresh")])
@pytest.mark.parametrize("count_attempt", [True, False])
def test_a_number_beyond_afip_last_is_released_once_settled_or_answered(quiet_db, queued, answered, age,
                                                                       count_attempt):
    records = queued(1)
    settle = get_settings().afip_read_timeout
    in_flight(quiet_db, records, "b1", 4, answered=answered,
              sent_at=clock.timestamp() - (settle + 1 if age == "settled" else 0))

    reconcile(context(quiet_db, records[0].lane, ScriptedWsfe(3)), count_attempt=count_attempt)

    assert states(quiet_db, records) == [("encolado", 1 if count_attempt else 0)]
    assert last_audit(quiet_db, records[0])["motivo"] == UNANSWERED
    assert (Store(quiet_db).get(records[0].id).last_error == [UNANSWERED]) is count_attempt
    assert quiet_db.hlen(inflight_key(records[0].lane)) == 0


def test_a_batch_refused_with_10016_is_released_even_where_afip_holds_identical_comprobantes(quiet_db, queued):
    records = queued(2)
    details = in_flight(quiet_db, records, "b1", 1, answered=True, refused=True)

    reconcile(context(quiet_db, records[0].lane, ScriptedWsfe(2, {n: authorised(d) for n, d in zip((1, 2), details)})),
              count_attempt=False)

    assert states(quiet_db, records) == [("encolado", 0), ("encolado", 0)]
    assert [last_audit(quiet_db, rec)["motivo"] for rec in records] == [RENUMBERED] * 2
    assert quiet_db.hlen(inflight_key(records[0].lane)) == 0


def test_comprobantes_claimed_without_an_in_flight_record_are_given_back(quiet_db, queued):
    orphans, sent = queued(2), queued(1)
    Store(quiet_db).transition([rec.id for rec in orphans], outcomes.claim("b-dead"))
    in_flight(quiet_db, sent, "b-sent", 1)

    recover_orphans(context(quiet_db, sent[0].lane, ScriptedWsfe()))

    assert states(quiet_db, orphans) == [("encolado", 0), ("encolado", 0)]
    assert [last_audit(quiet_db, rec)["motivo"] for rec in orphans] == [ORPHANED] * 2
    assert states(quiet_db, sent) == [("procesando", 0)], "a batch in flight is reconciliation's"


def test_after_repeated_10016_the_first_comprobante_fails_and_the_rest_go_out(quiet_db, queued):
    records = queued(3)
    client = ScriptedWsfe(0, answers=[SEQUENCE] * (MAX_SEQUENCE_RETRIES + 1) + [None])

    assert LaneEmitter(quiet_db, records[0].lane, client_factory=lambda r, pdv: client).drain() == "done"

    assert client.sent == [[1, 2, 3]] * (MAX_SEQUENCE_RETRIES + 1) + [[1, 2]]
    first, *rest = Store(quiet_db).get_many([rec.id for rec in records])
    assert (first.state, first.last_error) == ("error", afip_messages(SEQUENCE.codes))
    assert [(rec.state, rec.numero) for rec in rest] == [("emitido", 1), ("emitido", 2)]
    motives = [entry.get("motivo") for entry in Store(quiet_db).audit(rest[0].id)]
    assert motives.count(RENUMBERED) == MAX_SEQUENCE_RETRIES and AFTER_REJECTED in motives


@pytest.mark.parametrize("failure,waits_at_least,marks_afip_down", [
    (TransientError("FECompUltimoAutorizado timed out"), 0, True),
    (AuthError("WSAA is holding logins", retry_after=600), 600, False),
])
def test_a_failure_asking_afip_during_reconciliation_backs_the_lane_off(quiet_db, queued, failure, waits_at_least,
                                                                       marks_afip_down):
    records = queued(1)
    in_flight(quiet_db, records, "b1", 1)
    lane = records[0].lane
    before = clock.timestamp()

    assert LaneEmitter(quiet_db, lane, client_factory=lambda r, pdv: ScriptedWsfe(failure)).drain() == "done"

    meta = quiet_db.hgetall(lane_key_meta(lane))
    assert float(meta["retry_at"]) > before + waits_at_least
    assert (meta["failures"], meta["probe_first"]) == ("1", "1")
    assert (quiet_db.get(HEALTH_KEY) == "down") is marks_afip_down
    assert states(quiet_db, records) == [("procesando", 0)]
    assert quiet_db.hlen(inflight_key(lane)) == 1
