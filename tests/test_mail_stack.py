"""A comprobante asking for mail on the real stack: accepted through the Python API, emitted at the
simulator, its mail published by beat's sweep and sent by the `correo` worker to a real SMTP server
(aiosmtpd, in this process), then read and resent with `encola mails` as an operator would."""

from __future__ import annotations

import io
import json
import subprocess

from pypdf import PdfReader

from config import clock
from config.retry_policy import MAIL_DELAYS
from config.celery_app import CORREO_QUEUE, app
from producers import enqueue
from tests.support.bodies import item
from tests.support.processes import REPO, Child, encola, procfile_args, wait_until, with_venv_path
from tests.support.records import wait_state


def mails(stack, pdv, ref: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(encola("mails", ref, "--pdv", pdv.id, *extra), cwd=REPO, env=stack.env,
                          capture_output=True, text=True, timeout=120)


def mail_of(stack, pdv, ref: str) -> dict:
    shown = mails(stack, pdv, ref, "--json")
    assert shown.returncode == 0, shown.stderr
    [mail] = json.loads(shown.stdout)["mails"]
    return mail


def submitted(pdv, ref: str, to: str) -> dict:
    body = pdv.body(item(ref, clock.today_ar(), pto_vta=pdv.pdv.pto_vta))
    body["cliente"].update(email=to, envia_por_mail="S")
    return enqueue(body)


def test_the_comprobante_reaches_the_smtp_server_with_its_pdf_from_the_point_of_sales_sender(stack, pdv, r):
    set_sender = subprocess.run(encola("pdv", "set", "--cuit", str(pdv.pdv.cuit), "--pto-vta", str(pdv.pdv.pto_vta),
                                       "--mail-from", "ventas@encola.example"), cwd=REPO, env=stack.env,
                                capture_output=True, text=True, timeout=60)
    assert json.loads(set_sender.stdout)["punto_venta"]["mail_from"] == "ventas@encola.example", set_sender.stderr
    answer = submitted(pdv, "correo-1", "correo-1@example.com, copia@example.com")
    assert (answer["envio_x_mail"], answer["envio_x_mail_direcciones"]) == (
        "S", "correo-1@example.com, copia@example.com")
    record = wait_state(r, pdv, "correo-1", "emitido")

    [received] = wait_until(lambda: stack.smtp.received_by("correo-1@example.com"), message="the mail to arrive")
    assert set(received.recipients) == {"correo-1@example.com", "copia@example.com"}
    assert received.sender == "ventas@encola.example"
    [(name, pdf)] = received.pdf_attachments()
    assert name == f"FACTURA_B_{record.pto_vta:05d}-{record.numero:08d}.pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert record.cae in text
    emitido = wait_until(lambda: next((h for h in stack.hooks(pdv) if h["evento"] == "emitido"), None),
                         message="the emitido hook")
    assert (emitido["envio_x_mail"], emitido["envio_x_mail_direcciones"]) == (
        "S", "correo-1@example.com, copia@example.com")
    assert wait_until(lambda: mail_of(stack, pdv, "correo-1")["state"] == "enviado", message="the mail enviado")


def test_a_server_refusing_then_accepting_shows_the_retries_and_an_operator_resends(stack, pdv, r, move_clock):
    stack.smtp.answer("correo-2@example.com", "451 4.3.0 Try again later")
    submitted(pdv, "correo-2", "correo-2@example.com")
    wait_state(r, pdv, "correo-2", "emitido")
    first = wait_until(lambda: (mail := mail_of(stack, pdv, "correo-2"))["attempts"] and mail, message="an attempt")
    assert first["state"] == "pendiente" and first["attempts"][0]["smtp_code"] == 451

    move_clock(clock.timestamp() + MAIL_DELAYS[0] * 1.2 + 1)
    sent = wait_until(lambda: (mail := mail_of(stack, pdv, "correo-2"))["state"] == "enviado" and mail,
                      message="the retry to be accepted")
    assert [(a["trigger"], a["smtp_code"]) for a in sent["attempts"]] == [("automatic", 451), ("automatic", 250)]
    human = mails(stack, pdv, "correo-2")
    assert human.returncode == 0 and "state enviado" in human.stdout and "Try again later" in human.stdout

    assert mails(stack, pdv, "correo-2", "--resend").returncode == 0
    wait_until(lambda: len(stack.smtp.received_by("correo-2@example.com")) == 2, message="the resent mail")
    assert [a["trigger"] for a in mail_of(stack, pdv, "correo-2")["attempts"]][-1] == "manual"


def test_a_permanent_refusal_stops_at_once(stack, pdv, r):
    stack.smtp.answer("correo-3@example.com", "550 5.1.1 No such user")
    submitted(pdv, "correo-3", "correo-3@example.com")
    failed = wait_until(lambda: (mail := mail_of(stack, pdv, "correo-3"))["state"] == "fallido" and mail,
                        message="the mail to fail")
    assert [a["smtp_code"] for a in failed["attempts"]] == [550] and failed["next_at"] is None
    assert wait_state(r, pdv, "correo-3", "emitido")


def test_the_procfiles_correo_line_starts_a_worker_of_the_correo_queue(stack):
    worker = Child("procfile-correo", procfile_args("correo"), with_venv_path(stack.env), stack.base_dir)

    def procfile_node():
        active = app.control.inspect(timeout=1).active_queues() or {}
        return next((node for node, queues in active.items()
                     if node.startswith("correo@") and [q["name"] for q in queues] == [CORREO_QUEUE]), None)

    try:
        assert wait_until(procfile_node, timeout=60, message="the Procfile's correo worker to answer")
    finally:
        worker.stop()
