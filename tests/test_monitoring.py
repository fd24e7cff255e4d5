"""Operating signals on the real stack: JSON-lines logs that carry the ids and no secret, and the
Prometheus metrics every process records."""

from __future__ import annotations

import json
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from devtools.development import create_development_pdv
from comprobantes.store import LANES_DUE, lane_key, pending_key, pending_score
from config import clock
from config.keys import key
from config.liveness import SWEEP_TASKS, beat_identity, last_sweeps, record_leader, record_sweep
from emission.lane_lock import lock_key
from emission.schedule import lane_key_meta
from monitoring import liveness_view
from monitoring.exposition import exposition
from producers import enqueue
from tests.support.bodies import item
from tests.support.processes import wait_until
from tests.support.records import wait_state
from webhook_dispatch.outbox import DUE


def samples(r) -> dict[tuple[str, tuple], float]:
    text, content_type = exposition(r)
    assert content_type.startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text.decode()) for s in family.samples}


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_logs_are_json_lines_with_ids_and_without_secrets(stack, pdv, r):
    enqueue(pdv.body(item("logged-1", clock.today_ar(), pto_vta=pdv.pdv.pto_vta)))
    record = wait_state(r, pdv, "logged-1", "emitido")
    wait_until(lambda: len(stack.receiver.received(pdv.hook_path)) >= 2, message="the two webhooks")

    def records():
        lines = [line for path in stack.base_dir.glob("*.log")
                 for line in path.read_text(errors="replace").splitlines() if line.startswith("{")]
        return [json.loads(line) for line in lines]

    def logged():
        found = records()
        batch = any(record.id in rec.get("emitted", []) and rec.get("lane") == record.lane and rec.get("batch")
                    for rec in found)
        hooks = sum(rec.get("hook", "").startswith("hk_") and rec.get("pdv") == pdv.id for rec in found)
        return batch and hooks >= 2 and found

    found = wait_until(logged, message="the batch line and both webhook lines")
    assert all({"time", "level", "logger", "message"} <= set(rec) for rec in found)

    ticket = r.get(key("wsaa", "ta", pdv.pdv.cuit, "wsfe"))
    secrets = [pdv.credentials["apitoken"], pdv.credentials["usertoken"], pdv.webhook_secret,
               pdv.pdv.webhook_token, json.loads(ticket)["token"], json.loads(ticket)["sign"]]
    text = "\n".join(path.read_text(errors="replace") for path in stack.base_dir.glob("*.log"))
    for secret in secrets:
        assert secret not in text
    assert "BEGIN PRIVATE KEY" not in text


def test_the_sweeps_run_every_second_without_a_line_in_the_logs(stack, r):
    """beat's ticks and the workers' runs of the sweeps were six INFO lines a second; a sweep that
    publishes nothing now writes none, and one that publishes something says so itself."""
    wait_until(lambda: (sweeps := last_sweeps(r)) and len(sweeps) == len(SWEEP_TASKS) and
               all(time.time() - at < 3 for at in sweeps.values()), message="every sweep to run")
    lines = [json.loads(line) for name in ("beat", "emision1", "webhooks2", "correo3")
             for line in (stack.base_dir / f"{name}.log").read_text(errors="replace").splitlines()
             if line.startswith("{")]
    about_sweeps = [line for line in lines if any(task in json.dumps(line) for task in SWEEP_TASKS)]
    assert about_sweeps == []
    assert all(line["message"].startswith("sweep ") for line in lines if line["logger"] == "encola.sweeps")


def test_metrics_count_what_happened_and_measure_the_backlog(stack, r):
    before = samples(r)
    pdv = stack.new_pdv()
    enqueue(pdv.body(item("metric-1", clock.today_ar(), pto_vta=pdv.pdv.pto_vta)))
    wait_state(r, pdv, "metric-1", "emitido")
    wait_until(lambda: len(stack.receiver.received(pdv.hook_path)) >= 2, message="the two webhooks")
    wait_until(lambda: value(samples(r), "encola_webhook_deliveries_total", outcome="delivered")
               >= value(before, "encola_webhook_deliveries_total", outcome="delivered") + 2,
               message="the deliveries to be counted")
    after = samples(r)
    assert value(after, "encola_comprobantes_accepted_total", pdv=pdv.id) == 1
    assert value(after, "encola_comprobante_transitions_total", pdv=pdv.id, state="emitido") == 1
    assert value(after, "encola_emission_attempts_total", outcome="approved") > value(
        before, "encola_emission_attempts_total", outcome="approved")
    assert value(after, "encola_afip_latency_seconds_count", operation="FECAESolicitar") >= 1
    assert value(after, "encola_afip_latency_seconds_bucket", operation="FECAESolicitar", le="+Inf") == value(
        after, "encola_afip_latency_seconds_count", operation="FECAESolicitar")

    # a lane held back with due work shows its backlog and how long it has waited
    held = stack.new_pdv()
    lane = lane_key(held.pdv.cuit, held.pdv.pto_vta, 6)
    r.hset(lane_key_meta(lane), "retry_at", clock.timestamp() + 3600)
    enqueue(held.body(item("metric-held", clock.today_ar(), pto_vta=held.pdv.pto_vta)))
    found = samples(r)
    assert value(found, "encola_lane_backlog", lane=lane) == 1
    assert value(found, "encola_queue_comprobantes", pdv=held.id, state="encolado") == 1
    assert value(found, "encola_oldest_due_seconds") >= clock.timestamp() - clock.start_of_day_ar(clock.today_ar()) - 5


def test_metrics_tell_nothing_is_due_from_due_work_that_is_not_moving(stack, quiet_db):
    found = samples(quiet_db)
    assert (value(found, "encola_beat_leader"), value(found, "encola_lanes_stalled"),
            value(found, "encola_webhooks_overdue")) == (0, 0, 0)
    assert not [name for name, _ in found if name == "encola_sweep_age_seconds"]
    assert value(found, "encola_redis_durable") == 0, "the run's Redis has no AOF"

    # given a fresh sweep record and a leading beat
    record_sweep(quiet_db, "promote_due_lanes", 2)
    record_leader(quiet_db, 30)
    # a lane due a minute ago that nobody published, one as late but held by its emitter, one due later
    now = clock.timestamp()
    quiet_db.zadd(LANES_DUE, {"20111111112:1:6": now - 60, "20111111112:1:11": now - 60,
                              "20111111112:1:1": now + 600})
    quiet_db.set(lock_key("20111111112:1:11"), "host:1:token", px=30_000)
    # a point of sale's lane holding a comprobante but missing from the due set
    pdv, _ = create_development_pdv(quiet_db, cert=stack.cert, webhook_url=stack.receiver.base_url + "/quiet",
                                    pto_vta=7)
    left_out = lane_key(pdv.cuit, 7, 6)
    quiet_db.zadd(pending_key(left_out), {"1": pending_score(clock.today_ar(), 1)})
    # a webhook attempt overdue, and one due in a minute
    quiet_db.zadd(DUE, {"hk_overdue": now - 60, "hk_later": now + 60})

    found = samples(quiet_db)
    assert value(found, "encola_lanes_stalled") == 2
    assert value(found, "encola_webhooks_overdue") == 1
    assert value(found, "encola_beat_leader") == 1
    assert 0 <= value(found, "encola_sweep_age_seconds", sweep="promote_due_lanes") < 5
    seen = liveness_view.read(quiet_db)
    assert seen.stalled_lanes == {"20111111112:1:6": pytest.approx(now - 60)}
    assert seen.unscheduled_lanes == [left_out]
    assert seen.leader == beat_identity() and not seen.moving
    assert seen.oldest_overdue_hook == pytest.approx(now - 60)

    # once each is published again (its score a lease ahead), due work is moving
    quiet_db.zadd(LANES_DUE, {"20111111112:1:6": now + 30, left_out: now + 30})
    quiet_db.zadd(DUE, {"hk_overdue": now + 120})
    found = samples(quiet_db)
    assert (value(found, "encola_lanes_stalled"), value(found, "encola_webhooks_overdue")) == (0, 0)
    assert liveness_view.read(quiet_db).moving
