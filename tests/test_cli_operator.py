"""The operator's `encola` commands, run as a user would (a child process) against the real stack."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta

from pypdf import PdfReader

import producers
from comprobantes.store import Store, lane_key
from comprobantes.validation import check_item
from config import clock
from config.liveness import LEADER_KEY, SWEEPS_KEY, beat_identity, record_leader, record_sweep
from tests.support.bodies import ddmmyyyy, item
from devtools.local_redis import free_port
from tests.support.processes import REPO, encola, wait_until
from tests.support.records import one, wait_all, wait_state


def run(stack, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(encola(*args), cwd=REPO, env=stack.env, capture_output=True, text=True, timeout=120)


def as_json(result: subprocess.CompletedProcess) -> dict:
    assert result.stdout, result.stderr
    return json.loads(result.stdout)


def test_submit_a_json_lines_file_and_follow_a_comprobante(stack, pdv, r, tmp_path):
    today = clock.today_ar()
    lines = [item(f"file-{n}", today, pto_vta=pdv.pdv.pto_vta) for n in range(30)]
    broken = item("file-bad", today, pto_vta=pdv.pdv.pto_vta)
    broken["comprobante"]["total"] = "1.00"
    lines += [broken, {"cliente": {}, "comprobante": {"external_reference": "file-empty"}}]
    path = tmp_path / "ventas.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")

    result = run(stack, "submit", str(path), "--pdv", pdv.id, "--json")

    assert result.returncode == 1, result.stderr
    summary = as_json(result)
    assert (summary["accepted"], summary["refused"]) == (30, 2)
    assert [i["external_reference"] for i in summary["refused_items"]] == ["file-bad", "file-empty"]
    assert any("total" in reason["reason"] for reason in summary["reasons"])
    wait_all(r, pdv, [f"file-{n}" for n in range(30)])

    shown = as_json(run(stack, "show", "file-7", "--pdv", pdv.id, "--json"))["comprobantes"][0]
    assert shown["state"] == "emitido" and shown["numero"] >= 1 and len(shown["cae"]) == 14
    assert [entry["estado"] for entry in shown["audit"]][-1] == "emitido"
    human = run(stack, "show", "file-7", "--pdv", pdv.id)
    assert human.returncode == 0 and f"CAE {shown['cae']}" in human.stdout

    hooks = wait_until(lambda: len(h := as_json(run(stack, "hooks", "file-7", "--pdv", pdv.id, "--json"))["hooks"]) == 2
                       and all(x["state"] == "entregado" for x in h) and h, message="both hooks delivered")
    redone = run(stack, "redeliver", hooks[1]["hook_id"], "--pdv", pdv.id, "--json")
    assert redone.returncode == 0 and as_json(redone)["redelivered"] == [hooks[1]["hook_id"]]
    wait_until(lambda: any(a["trigger"] == "manual" for a in as_json(
        run(stack, "hooks", "file-7", "--pdv", pdv.id, "--json"))["hooks"][1]["attempts"]), message="a manual attempt")


def test_fix_a_failed_comprobantes_date_and_delete_another(stack, pdv, r, tmp_path):
    from producers import enqueue

    today = clock.today_ar()
    assert enqueue(pdv.body(item("late-0", today, pto_vta=pdv.pdv.pto_vta)))["error"] == "N"
    wait_state(r, pdv, "late-0", "emitido")
    assert enqueue(pdv.body(item("late-1", today - timedelta(days=1), pto_vta=pdv.pdv.pto_vta)))["error"] == "N"
    wait_state(r, pdv, "late-1", "error")

    assert run(stack, "reprocess", "late-1", "--pdv", pdv.id).returncode == 0
    wait_state(r, pdv, "late-1", "error")
    changed = run(stack, "change-date", "late-1", ddmmyyyy(today), "--pdv", pdv.id, "--json")
    assert changed.returncode == 0 and as_json(changed)["error"] == "N"
    assert wait_state(r, pdv, "late-1", "emitido").numero == 2

    assert enqueue(pdv.body(item("later", today + timedelta(days=4), pto_vta=pdv.pdv.pto_vta)))["error"] == "N"
    deleted = run(stack, "delete", "later", "--pdv", pdv.id)
    assert deleted.returncode == 0 and "se ha eliminado correctamente" in deleted.stdout
    assert one(r, pdv, "later") is None
    assert run(stack, "delete", "later", "--pdv", pdv.id).returncode == 1


def test_status_shows_workers_queues_and_afip(stack):
    result = run(stack, "status", "--json")
    status = as_json(result)
    assert result.returncode == 0, result.stdout
    queues = {q for queues in status["workers"].values() for q in queues}
    assert {"emision", "webhooks"} <= queues
    assert status["afip"]["ok"] and status["afip"]["servers"] == {"AppServer": "OK", "DbServer": "OK", "AuthServer": "OK"}
    assert set(status["broker"]) == {"emision", "webhooks"}


def test_status_counts_the_emitted_and_says_its_zone(stack, pdv, r):
    from producers import enqueue

    assert enqueue(pdv.body(item("contado", clock.today_ar(), pto_vta=pdv.pdv.pto_vta)))["error"] == "N"
    wait_state(r, pdv, "contado", "emitido")
    emitted = as_json(run(stack, "status", "--json"))["emitted"]
    assert emitted["total"] >= emitted["today"] >= 1
    human = run(stack, "status").stdout
    assert f"emitted: {emitted['total']}, " in human and " (Argentina time)" in human.splitlines()[0]


def test_status_from_a_shell_without_the_stacks_afip_settings_says_so_in_one_line(stack, r):
    from emission.afip_caches import HEALTH_KEY

    elsewhere = {**stack.env, "ENCOLA_AFIP_SIM_PORT": str(free_port())}  # nothing listens there
    r.delete(HEALTH_KEY)
    alone = subprocess.run(encola("status", "--json"), cwd=REPO, env=elsewhere, capture_output=True, text=True,
                           timeout=120)
    afip = as_json(alone)["afip"]
    assert alone.returncode == 1 and not afip["ok"] and afip["checked_from"] == "shell"
    assert "does not answer this shell (Connection refused)" in afip["summary"]
    assert "ENCOLA_AFIP_SIM_PORT" in afip["summary"] and "urllib3" not in afip["summary"]
    # the emitters' own verdict, while Redis holds it, speaks for the service
    r.set(HEALTH_KEY, "ok", ex=60)
    try:
        seen = subprocess.run(encola("status"), cwd=REPO, env=elsewhere, capture_output=True, text=True, timeout=120)
    finally:
        r.delete(HEALTH_KEY)
    line = next(line for line in seen.stdout.splitlines() if line.startswith("AFIP:"))
    assert "AFIP answers, as the emitters' own FEDummy said" in line and "Connection" in line


def test_status_shows_redis_memory_and_fails_above_the_alert(stack, r):
    quiet = as_json(run(stack, "status", "--json"))["redis_memory"]
    assert quiet["used_bytes"] > 0 and quiet["alert"] is None

    used = int(r.info("memory")["used_memory"])
    r.config_set("maxmemory", used * 2 + 32 * 1048576)  # far from full (above 1 %): the suite's writes go on
    try:
        env = {**stack.env, "ENCOLA_REDIS_MEMORY_ALERT_PERCENT": "1"}
        result = subprocess.run(encola("status", "--json"), cwd=REPO, env=env, capture_output=True, text=True,
                                timeout=120)
        human = subprocess.run(encola("status"), cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    finally:
        r.config_set("maxmemory", 0)
    memory = as_json(result)["redis_memory"]
    assert result.returncode == 1 and memory["maxmemory_bytes"] > 0 and 1 <= memory["percent"] < 50
    assert "above the alert at 1 %" in memory["alert"]
    assert "Redis memory:" in human.stdout and "ALERT: Redis uses" in human.stdout


def test_status_fails_while_due_work_is_not_moving(stack, pdv, r):
    beat = stack.worker("beat")
    beat.stop()
    try:
        record_sweep(r, "status-test-sweep", 0)
        record_leader(r, 10)
        # a comprobante due today, stored while no beat runs: its lane is due and nobody publishes it
        checked = check_item(item("stuck", clock.today_ar(), pto_vta=pdv.pdv.pto_vta), pdv.pdv,
                             today=clock.today_ar())
        Store(r).accept(pdv.pdv, checked.accepted)
        lane = lane_key(pdv.pdv.cuit, pdv.pdv.pto_vta, 6)

        result = run(stack, "status", "--json")
        assert result.returncode == 1, result.stdout
        liveness = as_json(result)["liveness"]
        assert not liveness["moving"] and lane in liveness["stalled_lanes"]
        assert liveness["beat_leader"] == beat_identity()
        assert 0 <= liveness["sweep_age_seconds"]["status-test-sweep"] < 60
        human = run(stack, "status").stdout
        assert "due work NOT moving" in human and f"lane {lane} due since" in human
        assert f"beat: leader {beat_identity()}" in human and "status-test-sweep" in human
    finally:
        r.hdel(SWEEPS_KEY, "status-test-sweep:at", "status-test-sweep:moved")
        r.delete(LEADER_KEY)
        stack.start_beat()

    wait_state(r, pdv, "stuck", "emitido")
    moving = wait_until(lambda: (done := run(stack, "status", "--json")).returncode == 0 and done,
                        message="status to pass with beat back")
    assert as_json(moving)["liveness"]["moving"]


def test_mistakes_get_a_clear_message_and_exit_code_2(stack, pdv, tmp_path):
    bad_pdv = run(stack, "show", "x", "--pdv", "20111111112")
    assert bad_pdv.returncode == 2 and "CUIT-PUNTO" in bad_pdv.stderr
    unknown = run(stack, "show", "x", "--pdv", "20111111112-09999")
    assert unknown.returncode == 2 and "no point of sale" in unknown.stderr
    missing = run(stack, "submit", str(tmp_path / "nope.json"), "--pdv", pdv.id)
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text('{"cliente": {}}\nnot json\n')
    assert "line 2: not JSON" in run(stack, "submit", str(garbage), "--pdv", pdv.id).stderr
    assert "Traceback" not in bad_pdv.stderr + unknown.stderr + missing.stderr


def test_queue_lists_what_is_not_emitted_yet_with_filters(stack, pdv, r):
    from producers import enqueue

    today = clock.today_ar()
    for n, days in enumerate((3, 1, 2)):
        assert enqueue(pdv.body(item(f"q-{n}", today + timedelta(days=days), pto_vta=pdv.pdv.pto_vta)))["error"] == "N"
    listed = as_json(run(stack, "queue", "--pdv", pdv.id, "--json"))
    assert listed["total"] == 3
    assert [c["external_reference"] for c in listed["comprobantes"]] == ["q-1", "q-2", "q-0"]
    narrowed = as_json(run(stack, "queue", "--pdv", pdv.id, "--json", "--state", "encolado",
                           "--from", ddmmyyyy(today + timedelta(days=2)), "--tipo", "FACTURA B"))
    assert [c["external_reference"] for c in narrowed["comprobantes"]] == ["q-2", "q-0"]
    assert as_json(run(stack, "queue", "--pdv", pdv.id, "--json", "--tipo", "FACTURA C"))["total"] == 0
    human = run(stack, "queue", "--pdv", pdv.id)
    assert human.returncode == 0 and "3 comprobantes not emitted yet" in human.stdout
    assert run(stack, "queue", "--pdv", pdv.id, "--from", "2026-01-01").returncode == 2


def test_pdf_writes_an_emitted_comprobantes_a4_or_ticket(stack, pdv, r, tmp_path):
    assert producers.enqueue(pdv.body(item("impreso", clock.today_ar(), pto_vta=pdv.pdv.pto_vta)))["error"] == "N"
    emitted = wait_state(r, pdv, "impreso", "emitido")

    written = run(stack, "pdf", "impreso", "--pdv", pdv.id, "-o", str(tmp_path / "factura.pdf"))
    assert written.returncode == 0, written.stderr
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "factura.pdf").pages)
    assert emitted.cae in text and f"{emitted.pto_vta:05d}-{emitted.numero:08d}" in text

    ticket = as_json(run(stack, "pdf", "impreso", "--pdv", pdv.id, "--ticket", "--json"))
    assert ticket["written"] == f"FACTURA_B_{emitted.pto_vta:05d}-{emitted.numero:08d}_ticket.pdf"
    assert (REPO / ticket["written"]).read_bytes().startswith(b"%PDF")
    (REPO / ticket["written"]).unlink()

    missing = run(stack, "pdf", "no-such-reference", "--pdv", pdv.id)
    assert missing.returncode == 1 and "no emitted comprobante" in missing.stdout
