"""Records carried into a transition instead of read again (Store.transitioned's `known`, issue 19), on a
real Redis: one still at its stored version is used as carried, one changed or removed meanwhile is read
again (and a change that no longer applies to it is refused), and a batch reads each of its comprobantes
whole once."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from comprobantes import queue_changes
from comprobantes.lifecycle import Conflict, State
from comprobantes.store import Store, cbte_key
from comprobantes.validation import check_item
from config import clock
from emission import outcomes
from emission.emitter import LaneEmitter
from tests.support.bodies import item
from tests.test_reconciliation import ScriptedWsfe
from webhook_dispatch.points_of_sale import create_point_of_sale


@pytest.fixture
def queued(quiet_db):
    """`queued(n)`: n comprobantes `encolado` in one lane of the quiet database, notifying no one."""
    pdv, _ = create_point_of_sale(quiet_db, cuit=20111111112, pto_vta=6, webhook_url="", cert_path="", key_path="",
                                  idempotent_submission=False)

    def make(n: int) -> list:
        checked = [check_item(item(f"KN-{i}", clock.today_ar(), pto_vta=6), pdv, today=clock.today_ar())
                   for i in range(n)]
        assert not [c.problems for c in checked if c.problems]
        return [Store(quiet_db).accept(pdv, c.accepted, notify=False)[0] for c in checked]

    return make


def seen_by(store: Store, record, known) -> list[str]:
    """The external_reference a change reads for `record` when `known` is carried in."""
    seen = []

    def look(pipe, current):
        seen.append(current.external_reference)
        raise Conflict(current.id)

    store.transition([record.id], look, known=known)
    return seen


def test_a_carried_record_at_its_stored_version_is_used_as_carried(quiet_db, queued):
    record, = queued(1)
    carried = replace(record, external_reference="as carried")
    assert seen_by(Store(quiet_db), record, {record.id: carried}) == ["as carried"]


def test_a_carried_record_changed_meanwhile_is_read_again(quiet_db, queued):
    record, = queued(1)
    store = Store(quiet_db)
    assert store.transition([record.id], outcomes.claim("b1")) == [record.id]
    carried = replace(record, external_reference="as carried")
    assert seen_by(store, record, {record.id: carried}) == ["KN-0"]


def test_a_comprobante_deleted_meanwhile_is_not_claimed_from_its_carried_record(quiet_db, queued):
    record, = queued(1)
    store = Store(quiet_db)
    assert store.transition([record.id], queue_changes.eliminate()) == [record.id]
    assert store.transition([record.id], outcomes.claim("b1"), known={record.id: record}) == []
    assert store.get(record.id).state == State.ELIMINADO


def test_a_comprobante_removed_meanwhile_is_left_out(quiet_db, queued):
    record, = queued(1)
    quiet_db.delete(cbte_key(record.id))
    assert Store(quiet_db).transition([record.id], outcomes.claim("b1"), known={record.id: record}) == []
    assert not quiet_db.exists(cbte_key(record.id))


def test_claimed_is_the_record_the_claim_stored(quiet_db, queued):
    record, = queued(1)
    store = Store(quiet_db)
    written = {}
    read, = store.transitioned([record.id], outcomes.claim("b1", written))
    assert written[read.id] == store.get(record.id)


def test_a_batch_reads_each_comprobante_whole_once(quiet_db, queued, monkeypatch):
    records = queued(3)
    reads = Counter()
    get_many = Store.get_many

    def counted(self, rids):
        reads.update(rids)
        return get_many(self, rids)

    monkeypatch.setattr(Store, "get_many", counted)
    client = ScriptedWsfe(answers=[None])
    assert LaneEmitter(quiet_db, records[0].lane, client_factory=lambda r, pdv: client).drain() == "done"
    assert reads == {rec.id: 1 for rec in records}
    assert client.sent == [[1, 2, 3]]
    assert [Store(quiet_db).get(rec.id).numero for rec in records] == [1, 2, 3]
