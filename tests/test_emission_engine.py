"""The queue engine on real parts: lanes, scheduling by fecha, batching, exactly-once emission under
crashes, lost answers and outages, and the races between the client's changes and queued work."""

from __future__ import annotations

import os
import random
from datetime import timedelta

import pytest

from comprobantes.store import Store, lane_key
from comprobantes.validation import check_item
from config import clock
from config.keys import key
from emission.lane_lock import lock_key
from emission.schedule import DRAIN_TASK, inflight_key, kick_if_due, lane_key_meta
from producers import cambiar_fecha_encolado, eliminar_encolado, enqueue
from tests.support.bodies import ddmmyyyy, item
from tests.support.processes import wait_until
from tests.support.records import every_record, one, rewrite, wait_all, wait_state


def submit_many(pdv, refs, fecha, **kwargs):
    for ref in refs:
        answer = enqueue(pdv.body(item(ref, fecha, pto_vta=pdv.pdv.pto_vta, **kwargs)))
        assert answer["error"] == "N", answer


def lane_of(pdv, cbte_tipo=6) -> str:
    return lane_key(pdv.pdv.cuit, pdv.pdv.pto_vta, cbte_tipo)


def hold(r, lane):
    """Keep the lane's emitter away while comprobantes pile up, so they go out in one batch."""
    r.hset(lane_key_meta(lane), "retry_at", clock.timestamp() + 3600)


def release(r, lane):
    r.hset(lane_key_meta(lane), "retry_at", 0)
    kick_if_due(r, lane, 0, lease=5)


def assert_exactly_once(stack, r, pdv, refs, cbte_tipo=6):
    """AFIP holds numbers 1..N for the lane, each once, each the CAE of exactly one comprobante."""
    at_afip = [(n, cae) for cuit, pv, tipo, n, cae in stack.authorised()
               if (cuit, pv, tipo) == (pdv.pdv.cuit, pdv.pdv.pto_vta, cbte_tipo)]
    records = [rec for ref in refs for rec in Store(r).by_reference(pdv.id, ref)]
    emitted = [rec for rec in records if rec.state == "emitido"]
    assert [n for n, _ in at_afip] == list(range(1, len(at_afip) + 1)), "a gap or a duplicate at AFIP"
    assert sorted((rec.numero, rec.cae) for rec in emitted) == at_afip
    assert r.llen(key("lane", lane_of(pdv, cbte_tipo), "anomalies")) == 0
    return emitted


def emitido_hooks(stack, pdv) -> dict[str, int]:
    counts: dict[str, int] = {}
    for hook in stack.hooks(pdv):
        if hook["evento"] == "emitido":
            counts[hook["external_reference"]] = counts.get(hook["external_reference"], 0) + 1
    return counts


def assert_one_emitido_hook_each(stack, pdv, refs) -> None:
    wait_until(lambda: set(emitido_hooks(stack, pdv)) >= set(refs), message="an emitido hook for each")
    counts = emitido_hooks(stack, pdv)
    assert {ref: counts[ref] for ref in refs} == {ref: 1 for ref in refs}


def test_comprobantes_wait_for_their_day_and_go_out_in_fecha_then_arrival_order(stack, r, move_clock):
    pdv = stack.new_pdv(cuit=stack.new_cuit())
    today = clock.today_ar()
    submit_many(pdv, ["d2-a"], today + timedelta(days=2))
    submit_many(pdv, ["d1-a", "d1-b"], today + timedelta(days=1))
    submit_many(pdv, ["d0-a"], today)
    wait_state(r, pdv, "d0-a", "emitido")
    assert {one(r, pdv, ref).state for ref in ("d1-a", "d1-b", "d2-a")} == {"encolado"}

    move_clock(clock.start_of_day_ar(today + timedelta(days=1)) + 30)
    first_day = wait_all(r, pdv, ["d1-a", "d1-b"])
    assert [rec.numero for rec in sorted(first_day, key=lambda x: x.seq)] == [2, 3]
    assert one(r, pdv, "d2-a").state == "encolado"

    move_clock(clock.start_of_day_ar(today + timedelta(days=2)) + 30)
    assert wait_state(r, pdv, "d2-a", "emitido").numero == 4
    assert_exactly_once(stack, r, pdv, ["d0-a", "d1-a", "d1-b", "d2-a"])


def test_many_lanes_emit_in_parallel(stack, r):
    lanes = [stack.new_pdv() for _ in range(4)]
    today = clock.today_ar()
    refs = [f"m-{i}" for i in range(15)]
    for pdv in lanes:
        submit_many(pdv, refs, today)
        submit_many(pdv, [f"c-{ref}" for ref in refs[:5]], today, tipo="FACTURA C", precio="121.00",
                    total="121.00")
    for pdv in lanes:
        wait_all(r, pdv, refs + [f"c-{ref}" for ref in refs[:5]])
        assert len(assert_exactly_once(stack, r, pdv, refs)) == 15
        assert len(assert_exactly_once(stack, r, pdv, [f"c-{ref}" for ref in refs[:5]], cbte_tipo=11)) == 5
        assert_one_emitido_hook_each(stack, pdv, refs)


def test_four_workers_on_one_lane_never_collide(stack, r, faults):
    extra = [stack.start_worker("emision", concurrency=2) for _ in range(3)]
    try:
        faults(latency_ms=50)
        pdv = stack.new_pdv(batch_size=7)
        refs = [f"w-{i}" for i in range(120)]
        submit_many(pdv, refs, clock.today_ar())
        wait_all(r, pdv, refs, timeout=120)
        assert len(assert_exactly_once(stack, r, pdv, refs)) == 120
        assert_one_emitido_hook_each(stack, pdv, refs)
    finally:
        for worker in extra:
            worker.stop()


@pytest.fixture
def only_extra_emision_workers(stack):
    """Workers this test may kill: the session's emission worker stops consuming meanwhile."""
    session_worker = stack.worker("emision1")
    extra = [stack.start_worker("emision", concurrency=2) for _ in range(2)]
    stack.set_consuming(session_worker, "emision", False)
    yield extra
    stack.set_consuming(session_worker, "emision", True)
    for worker in extra:
        worker.stop()


def test_sigkill_of_the_lane_holder_mid_batch_leaves_no_duplicate_and_no_gap(stack, r, faults,
                                                                              only_extra_emision_workers):
    faults(latency_ms=800)
    pdv = stack.new_pdv(batch_size=10)
    lane = lane_of(pdv)
    refs = [f"k-{i}" for i in range(100)]
    extra = only_extra_emision_workers
    hold(r, lane)
    submit_many(pdv, refs, clock.today_ar())
    release(r, lane)
    for _ in range(3):
        # wait until a worker holds the lane with a batch in flight, then kill it
        holder = wait_until(lambda: (token := r.get(lock_key(lane))) and r.hlen(inflight_key(lane))
                            and next((w for w in extra if w.alive() and f":{w.pid}:" in token), None),
                            timeout=60, interval=0.05, message="a worker holding the lane mid-batch")
        holder.kill()
        extra.remove(holder)
        extra.append(stack.start_worker("emision", concurrency=2))
    faults(latency_ms=0)
    wait_all(r, pdv, refs, timeout=120)
    emitted = assert_exactly_once(stack, r, pdv, refs)
    assert len(emitted) == 100
    assert_one_emitido_hook_each(stack, pdv, refs)


def test_answers_lost_after_commit_are_reconciled_without_a_second_cae(stack, r, faults):
    faults(drop_probability=0.4)
    pdv = stack.new_pdv(batch_size=5)
    refs = [f"drop-{i}" for i in range(60)]
    submit_many(pdv, refs, clock.today_ar())
    wait_all(r, pdv, refs, timeout=120)
    emitted = assert_exactly_once(stack, r, pdv, refs)
    reconciled = [rec for rec in emitted if any(e.get("reconciliado") for e in Store(r).audit(rec.id))]
    assert reconciled, "no answer was lost: the test did not exercise reconciliation"
    assert_one_emitido_hook_each(stack, pdv, refs)


def emit_one_spoiled(r, pdv, refs: list[str], spoiled: int, **detail) -> None:
    """Store `refs` in one batch, straight into the store (past validation), the `spoiled`-th with its
    FECAEDetRequest changed by `detail`, and let the lane emit them."""
    lane = lane_of(pdv)
    hold(r, lane)
    today = clock.today_ar()
    for n, ref in enumerate(refs):
        checked = check_item(item(ref, today, pto_vta=pdv.pdv.pto_vta), pdv.pdv, today=today)
        if n == spoiled:
            checked.accepted.detail.update(detail)
        Store(r).accept(pdv.pdv, checked.accepted)
    release(r, lane)


def test_a_detail_rejected_mid_batch_fails_alone_and_the_rest_go_out_next(stack, r):
    pdv = stack.new_pdv()
    # an amount AFIP refuses (ImpTotal is not the sum of its parts)
    emit_one_spoiled(r, pdv, [f"b-{n}" for n in range(5)], 2, ImpTotal="140.00")
    records = wait_all(r, pdv, [f"b-{n}" for n in range(5)], states=("emitido", "error"))
    by_ref = {rec.external_reference: rec for rec in records}
    assert by_ref["b-2"].state == "error" and "10048" in by_ref["b-2"].last_error[0]
    assert [by_ref[f"b-{n}"].numero for n in (0, 1, 3, 4)] == [1, 2, 3, 4]
    assert_exactly_once(stack, r, pdv, [f"b-{n}" for n in (0, 1, 3, 4)])
    # the ones behind the rejected detail went back without spending an attempt
    assert by_ref["b-3"].attempts == 1 and by_ref["b-4"].attempts == 1


@pytest.mark.parametrize("outage", ["refuse", "503"])
def test_an_afip_outage_is_waited_out_and_emission_resumes_by_itself(stack, r, faults, outage):
    faults(down=outage)
    pdv = stack.new_pdv()
    refs = [f"out-{i}" for i in range(5)]
    submit_many(pdv, refs, clock.today_ar())
    wait_until(lambda: all((rec := one(r, pdv, ref)) and rec.attempts >= 1 for ref in refs),
               message="a failed attempt on each")
    assert {one(r, pdv, ref).state for ref in refs} == {"encolado"}
    reasons = [entry.get("motivo", "") for entry in Store(r).audit(one(r, pdv, refs[0]).id)]
    expected = "could not be reached" if outage == "refuse" else "HTTP 503"
    assert any(expected in reason for reason in reasons), reasons
    faults(down=None)
    records = wait_all(r, pdv, refs, timeout=90)
    assert all(rec.attempts >= 2 for rec in records), "the failed attempts were not counted"
    assert_exactly_once(stack, r, pdv, refs)


def test_the_last_attempt_ends_in_error_with_an_error_webhook(stack, r, faults):
    pdv = stack.new_pdv()
    lane = lane_of(pdv)
    hold(r, lane)
    submit_many(pdv, ["last"], clock.today_ar())
    rewrite(r, one(r, pdv, "last"), attempts=99)
    faults(down="503")
    release(r, lane)
    failed = wait_state(r, pdv, "last", "error")
    assert failed.attempts == 100 and "máximo de 100 intentos" in failed.last_error[0]
    hook = wait_until(lambda: next((h for h in stack.hooks(pdv) if h["evento"] == "error"), None),
                      message="the error hook")
    assert hook["intento"] == 100 and hook["msg"] == failed.last_error


@pytest.mark.parametrize("change", ["date", "delete"])
def test_a_date_change_or_a_deletion_wins_over_a_drain_already_queued(stack, r, move_clock, change):
    pdv = stack.new_pdv(cuit=stack.new_cuit())
    tomorrow = clock.today_ar() + timedelta(days=1)
    submit_many(pdv, ["race"], tomorrow)
    # three seconds before its day: beat publishes the lane's drain with an ETA inside the horizon
    move_clock(clock.start_of_day_ar(tomorrow) - 3)
    wait_until(lambda: r.zscore(key("lanes", "due"), lane_of(pdv)) > clock.start_of_day_ar(tomorrow),
               message="beat to publish the lane's drain")
    creds = {**pdv.credentials, "external_reference": "race"}
    if change == "date":
        later = tomorrow + timedelta(days=2)
        assert cambiar_fecha_encolado({**creds, "fecha": ddmmyyyy(later)})["error"] == "N"
    else:
        assert eliminar_encolado(creds)["error"] == "N"
    wait_until(lambda: clock.timestamp() > clock.start_of_day_ar(tomorrow) + 6, timeout=15, message="the ETA")
    record = every_record(r, pdv)[0]
    assert record.state == ("encolado" if change == "date" else "eliminado")
    assert not [row for row in stack.authorised() if row[:2] == (pdv.pdv.cuit, pdv.pdv.pto_vta)]


def test_far_future_comprobantes_stay_out_of_the_broker(stack, r):
    pdv = stack.new_pdv()
    refs = [f"future-{i}" for i in range(300)]
    submit_many(pdv, refs, clock.today_ar() + timedelta(days=random.randint(3, 9)))
    lane = f"'{lane_of(pdv)}'"  # as a task's argsrepr names it, in its headers
    assert not [m for m in r.lrange("emision", 0, -1) if lane in m], "future work reached the broker's queue"
    # kombu keeps a message a worker took in `unacked` until it is acknowledged (other tests' SIGKILLed
    # workers leave theirs there until the visibility timeout: only this lane's count)
    assert not [m for m in r.hvals("unacked") if lane in m], "future work is held by a worker"
    assert r.zscore(key("lanes", "due"), lane_of(pdv)) >= clock.start_of_day_ar(clock.today_ar() + timedelta(days=3))
    assert one(r, pdv, refs[0]).detail["CbteFch"] > clock.today_ar().strftime("%Y%m%d")


def test_requests_publish_no_drain_while_the_lane_is_held_and_one_while_a_drain_waits(stack, r, faults, environment):
    # A kick marks its drain waiting for one lease: this process's requests must all fall within it, however
    # slow the machine (at the stack's 5 s, twenty requests on a loaded machine did not).
    environment(ENCOLA_LANE_LEASE_SECONDS="120")
    pdv = stack.new_pdv()
    argsrepr, worker = f"'{lane_of(pdv)}'", stack.worker("emision1")  # the lane as a task's headers name it

    def published_here() -> int:
        """Drains of the lane this process published (kicks) waiting in the broker; beat's are not."""
        origin = f'"origin": "gen{os.getpid()}@'
        return len([m for m in r.lrange("emision", 0, -1) if argsrepr in m and DRAIN_TASK in m and origin in m])

    faults(latency_ms=3000)
    submit_many(pdv, ["first"], clock.today_ar())
    wait_until(lambda: r.hlen(inflight_key(lane_of(pdv))), message="an emitter with a call in flight")
    stack.set_consuming(worker, "emision", False)
    try:
        # the emitter holding the lane finds what arrives meanwhile (its finish checks the lane atomically)
        submit_many(pdv, [f"held-{i}" for i in range(20)], clock.today_ar())
        assert published_here() == 0
        faults(latency_ms=0)
        wait_all(r, pdv, ["first"] + [f"held-{i}" for i in range(20)])
        wait_until(lambda: not r.exists(lock_key(lane_of(pdv))), message="the lane released")
        # nobody holds the lane: the first request publishes a drain, the next ones find it waiting
        submit_many(pdv, [f"queued-{i}" for i in range(20)], clock.today_ar())
        assert published_here() == 1
    finally:
        stack.set_consuming(worker, "emision", True)
    refs = ["first"] + [f"{kind}-{i}" for kind in ("held", "queued") for i in range(20)]
    wait_all(r, pdv, refs)
    assert len(assert_exactly_once(stack, r, pdv, refs)) == 41


def test_a_kick_skipped_for_a_held_lane_still_brings_the_lane_due_for_beat_within_the_lease(r):
    # a holder that then dies leaves its lock and, once a backoff is lifted, a due time an hour away:
    # beat must find the lane within the lease, as no drain was published
    lane = "20000000001:9999:6"
    r.zadd(key("lanes", "due"), {lane: clock.timestamp() + 3600})
    r.set(lock_key(lane), "gone:1:token", px=60_000)
    try:
        kick_if_due(r, lane, 0, lease=5)
        assert r.zscore(key("lanes", "due"), lane) <= clock.timestamp() + 5
    finally:
        r.delete(lock_key(lane))
        r.zrem(key("lanes", "due"), lane)


def test_comprobantes_claimed_by_an_emitter_that_died_before_sending_are_recovered(stack, r):
    # given comprobantes claimed into a batch whose emitter died before recording the call
    from emission import outcomes

    pdv = stack.new_pdv()
    lane = lane_of(pdv)
    hold(r, lane)
    refs = [f"orphan-{i}" for i in range(3)]
    submit_many(pdv, refs, clock.today_ar())
    rids = [one(r, pdv, ref).id for ref in refs]
    Store(r).transition(rids, outcomes.claim("b-dead-emitter"))
    assert {one(r, pdv, ref).state for ref in refs} == {"procesando"} and not r.hlen(inflight_key(lane))

    # when the lane is worked again, they go back to the queue and out, numbered in order
    release(r, lane)
    records = wait_all(r, pdv, refs)
    assert sorted(rec.numero for rec in records) == [1, 2, 3]
    assert all(rec.attempts == 1 for rec in records), "the dead emitter's claim is not an attempt"
    assert_exactly_once(stack, r, pdv, refs)


def test_a_stale_last_number_never_hands_out_the_cae_of_an_identical_comprobante(stack, r):
    # given three comprobantes emitted, and the lane's last number lost (a store that died between
    # settling a batch and learning its last number), and three more identical in every field AFIP keeps
    pdv = stack.new_pdv()
    lane = lane_of(pdv)
    first = [f"same-{i}" for i in range(3)]
    submit_many(pdv, first, clock.today_ar())
    wait_all(r, pdv, first)
    hold(r, lane)
    r.hset(lane_key_meta(lane), "last_numero", 0)
    second = [f"same-{i}" for i in range(3, 6)]
    submit_many(pdv, second, clock.today_ar())

    # when the lane is worked: AFIP refuses the batch numbered 1..3 (10016)
    release(r, lane)

    # then the refused batch is numbered again after AFIP's last, each comprobante with a CAE of its own
    records = wait_all(r, pdv, second)
    assert sorted(rec.numero for rec in records) == [4, 5, 6]
    assert all("10016" in " ".join(str(entry) for entry in Store(r).audit(rec.id)) for rec in records)
    assert_exactly_once(stack, r, pdv, first + second)


def test_a_comprobante_that_cannot_be_written_as_xml_fails_alone_at_once_and_the_rest_go_out(stack, r):
    # given a batch with a comprobante stored before submissions were checked for control characters,
    # when the lane is worked
    pdv = stack.new_pdv()
    refs = [f"poison-{n}" for n in range(5)]
    emit_one_spoiled(r, pdv, refs, 2, Opcionales={"Opcional": [{"Id": "2", "Valor": "a\u0001b"}]})

    # then the poison one fails at once as a data error, without a number or a retry, and the others
    # are emitted with consecutive numbers in the same drain
    records = wait_all(r, pdv, refs, states=("emitido", "error"), timeout=20)
    by_ref = {rec.external_reference: rec for rec in records}
    poison = by_ref.pop("poison-2")
    assert poison.state == "error" and poison.attempts == 1 and not poison.numero
    assert "no pueden enviarse a AFIP" in poison.last_error[0]
    assert [by_ref[ref].numero for ref in sorted(by_ref)] == [1, 2, 3, 4]
    assert all(rec.attempts == 1 for rec in by_ref.values())
    assert_exactly_once(stack, r, pdv, list(by_ref))
    hook = wait_until(lambda: next((h for h in stack.hooks(pdv) if h["evento"] == "error"), None),
                      message="the error hook")
    assert hook["external_reference"] == "poison-2" and hook["msg"] == poison.last_error
