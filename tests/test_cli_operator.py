"""The operator's `encola` commands, run as a user would (a child process) against the real stack."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta

from config import clock
from tests.support.bodies import ddmmyyyy, item
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
