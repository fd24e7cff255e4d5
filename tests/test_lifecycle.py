"""The comprobante's lifecycle table (comprobantes/lifecycle.py): what it allows, that docs/queue.md shows
it, and that the store and the change functions refuse what it does not hold, on a real Redis."""

from __future__ import annotations

import itertools

import pytest

from comprobantes import lifecycle, queue_changes
from comprobantes.lifecycle import TRANSITIONS, Conflict, State
from comprobantes.store import Store, state_key
from comprobantes.validation import check_item
from config import clock
from emission import outcomes
from tests.support.bodies import item
from tests.support.processes import REPO
from webhook_dispatch.events import EVENTS
from webhook_dispatch.points_of_sale import create_point_of_sale

ALLOWED = {(t.source, t.target) for t in TRANSITIONS}


def test_states_keep_the_values_stored_in_redis():
    assert [str(s) for s in State] == ["encolado", "procesando", "emitido", "error", "eliminado"]


def test_every_event_the_table_emits_is_a_webhook_event():
    assert {t.event for t in TRANSITIONS if t.event} <= set(EVENTS)


def test_each_change_sends_one_event_per_target():
    assert lifecycle.event("change_date", State.ENCOLADO) == "cambio_fecha"
    assert lifecycle.event("released", State.ENCOLADO) is None
    assert lifecycle.event("released", State.ERROR) == "error"
    for t in TRANSITIONS:
        assert lifecycle.event(t.change, t.target) == t.event
    with pytest.raises(KeyError):
        lifecycle.event("claim", State.EMITIDO)


def test_emitido_and_eliminado_are_final():
    assert not [t for t in TRANSITIONS if t.source in (State.EMITIDO, State.ELIMINADO)]


def test_from_states_of_each_change():
    assert lifecycle.from_states("claim") == {State.ENCOLADO}
    assert lifecycle.from_states("emitted") == {State.PROCESANDO}
    assert lifecycle.from_states("released") == {State.PROCESANDO}
    assert lifecycle.from_states("requeue") == {State.ERROR}
    assert lifecycle.from_states("change_date") == {State.ENCOLADO, State.ERROR}
    assert lifecycle.from_states("eliminate") == {State.ENCOLADO, State.ERROR}
    with pytest.raises(KeyError):
        lifecycle.from_states("resurrect")


@pytest.mark.parametrize("source,target", [pair for pair in itertools.product(State, State) if pair not in ALLOWED])
def test_a_transition_not_in_the_table_is_refused(source, target):
    with pytest.raises(Conflict):
        lifecycle.check_transition("1", source, target)


@pytest.mark.parametrize("source,target", sorted(ALLOWED))
def test_a_transition_in_the_table_is_allowed(source, target):
    lifecycle.check_transition("1", source, target)


def test_a_change_refuses_a_state_it_does_not_start_from():
    with pytest.raises(Conflict):
        lifecycle.require("requeue", "1", State.ENCOLADO)
    lifecycle.require("requeue", "1", State.ERROR)


def test_the_queue_page_shows_the_table():
    assert lifecycle.markdown_table() in (REPO / "docs" / "queue.md").read_text()


@pytest.fixture
def queued(quiet_db):
    """One comprobante `encolado` in the quiet database, notifying no one."""
    pdv, _ = create_point_of_sale(quiet_db, cuit=20111111112, pto_vta=3, webhook_url="", cert_path="",
                                  key_path="", idempotent_submission=False)
    checked = check_item(item("LC-1", clock.today_ar(), pto_vta=3), pdv, today=clock.today_ar())
    assert not checked.problems, checked.problems
    record, _ = Store(quiet_db).accept(pdv, checked.accepted, notify=False)
    return record


def test_the_store_refuses_a_transition_not_in_the_table(quiet_db, queued):
    def straight_to_emitido(pipe, record):
        Store.stage_state(pipe, record, State.EMITIDO, {"emitted_at": "1.0"}, {})

    store = Store(quiet_db)
    assert store.transition([queued.id], straight_to_emitido) == []
    assert store.get(queued.id).state == State.ENCOLADO
    assert quiet_db.zrange(state_key(queued.pdv, State.EMITIDO), 0, -1) == []


def test_change_functions_refuse_what_their_from_states_exclude(quiet_db, queued):
    store = Store(quiet_db)
    assert store.transition([queued.id], queue_changes.requeue()) == []
    assert store.transition([queued.id], outcomes.released("b1", count_attempt=False, reason="x", max_attempts=3,
                                                           exhausted_message="y")) == []
    assert store.transition([queued.id], outcomes.claim("b1")) == [queued.id]
    assert store.transition([queued.id], queue_changes.eliminate()) == []
    assert store.transition([queued.id], outcomes.failed(None, {queued.id: ["z"]})) == []
    assert store.get(queued.id).state == State.PROCESANDO


def test_only_the_date_guards_failure_leaves_the_earliest_fecha_its_lane_accepts(quiet_db, queued):
    store = Store(quiet_db)
    earliest = clock.today_ar()
    assert store.transition([queued.id], outcomes.claim("b1")) == [queued.id]
    store.transition([queued.id], outcomes.failed("b1", {queued.id: ["guard"]}, earliest={queued.id: earliest}))
    assert store.get(queued.id).fecha_minima == earliest
    assert store.audit(queued.id)[-1]["fecha_minima"] == earliest.isoformat()
    # resent, it fails for another reason: the earliest fecha no longer describes its error
    assert store.transition([queued.id], queue_changes.requeue()) == [queued.id]
    assert store.transition([queued.id], outcomes.claim("b2")) == [queued.id]
    store.transition([queued.id], outcomes.failed("b2", {queued.id: ["AFIP"]}))
    failed = store.get(queued.id)
    assert (failed.state, failed.fecha_minima) == (State.ERROR, None)
    assert "fecha_minima" not in store.audit(queued.id)[-1]
