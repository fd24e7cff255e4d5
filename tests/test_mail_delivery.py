"""E-mailing an emitted comprobante, attempt by attempt, against a real SMTP server (aiosmtpd on a free
port) and a Redis database no worker works in: the mail is staged by the `emitido` transition itself,
and each attempt is made here by calling the delivery, so every step can be looked at. The PDF comes
from the renderer the delivery is given."""

from __future__ import annotations

import pytest

from comprobantes.answers import queued
from comprobantes.document_links import NO_LINKS, DocumentLinks
from comprobantes.mail_request import NO_ADDRESS, NO_SERVER, NOTICES
from comprobantes.store import Store
from comprobantes.views import emitted_answer
from comprobantes.validation import check_item
from config import clock
from config.retry_policy import MAIL_DELAYS, MAIL_MAX_ATTEMPTS
from config.settings import DEFAULT_MAIL_FROM
from devtools.local_redis import free_port
from emission import outcomes
from mailing import delivery, outbox
from mailing.mail_log import mails_for_reference
from producers.submission import standing
from tests.support.bodies import item
from tests.support.smtp_server import SmtpServer, smtp_url
from tests.support.staged_hooks import staged
from webhook_dispatch.points_of_sale import create_point_of_sale, update_point_of_sale

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CAE = "76481234567890"


def render(record, pdv) -> bytes:
    return PDF


@pytest.fixture
def smtp_server(environment):
    server = SmtpServer(free_port()).start()
    environment(ENCOLA_SMTP_URL=smtp_url(server.port))
    yield server
    server.stop()


@pytest.fixture
def pdv(quiet_db):
    created, _ = create_point_of_sale(quiet_db, cuit=20111111112, pto_vta=7, webhook_url="http://127.0.0.1:9/hooks",
                                      cert_path="/nowhere/cert.pem", key_path="/nowhere/key.pem",
                                      razon_social="Encola Desarrollo SRL")
    return created


@pytest.fixture
def later(monkeypatch):
    """`later(seconds)`: the service's clock reads that much later from now on."""
    start = clock.timestamp()
    return lambda seconds: monkeypatch.setattr(clock, "timestamp", lambda: start + seconds)


def accepted(r, pdv, ref: str, *, to: str = "", envia: str = "S"):
    body = item(ref, clock.today_ar(), pto_vta=pdv.pto_vta)
    body["cliente"].update(email=to or f"{ref}@example.com", envia_por_mail=envia)
    checked = check_item(body, pdv, today=clock.today_ar())
    assert checked.problems == []
    record, _ = Store(r).accept(pdv, checked.accepted)
    return record


def emitted(r, record):
    """The record through the emitter's own transitions, as if AFIP had approved it."""
    store = Store(r)
    store.transition([record.id], outcomes.claim("lote-1"))
    store.transition([record.id], outcomes.emitted("lote-1", {record.id: {
        "numero": 12, "cae": CAE, "cae_vto": "20261231", "observaciones": []}}))
    return store.get(record.id)


def test_the_mail_arrives_with_the_pdf_attached_from_the_point_of_sales_sender(quiet_db, smtp_server, pdv):
    update_point_of_sale(quiet_db, pdv.id, mail_from="facturas@encola.example")
    record = emitted(quiet_db, accepted(quiet_db, pdv, "mail-1", to="uno@example.com, dos@example.com"))

    # nuevo_encola's answer, and nuevo's
    for answer in (queued(standing(record, DocumentLinks(quiet_db))), emitted_answer(record, pdv, NO_LINKS)):
        assert answer["envio_x_mail"] == "S"
        assert answer["envio_x_mail_direcciones"] == "uno@example.com, dos@example.com"
        assert answer["observaciones"] == ""
    assert delivery.deliver(quiet_db, record.id, render) == "enviado"

    [received] = smtp_server.received_by("uno@example.com")
    assert set(received.recipients) == {"uno@example.com", "dos@example.com"}
    assert received.sender == "facturas@encola.example"
    assert received.pdf_attachments() == [("FACTURA_B_00007-00000012.pdf", PDF)]
    assert CAE in received.message.get_body(("plain",)).get_content()
    [mail] = mails_for_reference(quiet_db, pdv.id, "mail-1")
    assert mail.state == "enviado" and [a["smtp_code"] for a in mail.attempts] == [250]
    assert not quiet_db.zscore(outbox.DUE, record.id)
    assert delivery.deliver(quiet_db, record.id, render) == "enviado"  # a duplicate publish sends nothing
    assert len(smtp_server.received_by("uno@example.com")) == 1


def test_a_server_that_refuses_for_now_is_tried_again_on_schedule_until_it_accepts(quiet_db, smtp_server, pdv, later):
    record = emitted(quiet_db, accepted(quiet_db, pdv, "mail-2"))
    smtp_server.answer("mail-2@example.com", "451 4.3.0 Try again later", "421 4.4.2 Busy")

    assert delivery.deliver(quiet_db, record.id, render) == "pendiente"
    assert delivery.deliver(quiet_db, record.id, render) == "not-due"
    later(MAIL_DELAYS[0] * 1.2 + 1)
    assert delivery.deliver(quiet_db, record.id, render) == "pendiente"
    later(MAIL_DELAYS[0] * 1.2 + MAIL_DELAYS[1] * 1.2 + 2)
    assert delivery.deliver(quiet_db, record.id, render) == "enviado"

    [mail] = mails_for_reference(quiet_db, pdv.id, "mail-2")
    assert [(a["attempt"], a["trigger"], a["smtp_code"]) for a in mail.attempts] == [
        (1, "automatic", 451), (2, "automatic", 421), (3, "automatic", 250)]
    assert "Try again later" in mail.attempts[0]["error"]
    [received] = smtp_server.received_by("mail-2@example.com")
    assert received.sender == DEFAULT_MAIL_FROM  # the point of sale has no sender of its own


def test_a_permanent_refusal_ends_the_attempts_at_once_and_an_operator_can_resend(quiet_db, smtp_server, pdv):
    record = emitted(quiet_db, accepted(quiet_db, pdv, "mail-3"))
    smtp_server.answer("mail-3@example.com", "550 5.1.1 No such user")

    assert delivery.deliver(quiet_db, record.id, render) == "fallido"
    [mail] = mails_for_reference(quiet_db, pdv.id, "mail-3")
    assert mail.next_at is None and "550" in mail.failure and len(mail.attempts) == 1
    assert not quiet_db.zscore(outbox.DUE, record.id)
    assert Store(quiet_db).get(record.id).state == "emitido"  # a mail's failure is the mail's alone

    assert outbox.request_resend(quiet_db, record.id)
    assert delivery.deliver(quiet_db, record.id, render) == "enviado"
    smtp_server.answer("mail-3@example.com", "550 5.7.1 Refused")
    assert outbox.request_resend(quiet_db, record.id)
    assert delivery.deliver(quiet_db, record.id, render) == "enviado"  # a failed resend leaves it sent
    [mail] = mails_for_reference(quiet_db, pdv.id, "mail-3")
    assert [(a["trigger"], a["smtp_code"]) for a in mail.attempts] == [
        ("automatic", 550), ("manual", 250), ("manual", 550)]


def test_a_server_refusing_some_recipients_sends_to_the_others_and_names_the_refused(quiet_db, smtp_server, pdv):
    smtp_server.refuse_recipient("nadie@example.com")
    record = emitted(quiet_db, accepted(quiet_db, pdv, "mail-8", to="alguien@example.com, nadie@example.com"))
    assert delivery.deliver(quiet_db, record.id, render) == "enviado"
    [received] = smtp_server.received_by("alguien@example.com")
    assert received.recipients == ("alguien@example.com",)
    [mail] = mails_for_reference(quiet_db, pdv.id, "mail-8")
    assert mail.attempts[0]["refused"] == ["nadie@example.com"]


def test_a_message_that_cannot_be_prepared_is_a_failed_attempt_not_a_lost_mail(quiet_db, smtp_server, pdv):
    record = emitted(quiet_db, accepted(quiet_db, pdv, "mail-9"))

    def broken(record, pdv) -> bytes:
        raise RuntimeError("no fonts")

    assert delivery.deliver(quiet_db, record.id, broken) == "pendiente"
    [mail] = mails_for_reference(quiet_db, pdv.id, "mail-9")
    assert mail.attempts[0]["smtp_code"] is None and "could not be prepared" in mail.attempts[0]["error"]
    assert mail.next_at is not None and smtp_server.received_by("mail-9@example.com") == []


def test_every_attempt_failing_ends_the_mail_fallido_after_its_budget(quiet_db, smtp_server, pdv, later):
    record = emitted(quiet_db, accepted(quiet_db, pdv, "mail-4"))
    smtp_server.answer("mail-4@example.com", *["451 4.3.0 Try again later"] * MAIL_MAX_ATTEMPTS)
    waited = 0.0
    for delay in (0, *MAIL_DELAYS):
        waited += delay * 1.2 + 1
        later(waited)
        state = delivery.deliver(quiet_db, record.id, render)
    assert state == "fallido"
    [mail] = mails_for_reference(quiet_db, pdv.id, "mail-4")
    assert len(mail.attempts) == MAIL_MAX_ATTEMPTS and f"no attempt of {MAIL_MAX_ATTEMPTS}" in mail.failure


def test_no_mail_server_the_comprobante_is_emitted_and_every_answer_says_the_mail_is_not_sent(quiet_db, pdv,
                                                                                              environment):
    environment(ENCOLA_SMTP_URL=None)
    record = accepted(quiet_db, pdv, "mail-5")
    answer = queued(standing(record, DocumentLinks(quiet_db)))
    record = emitted(quiet_db, record)
    assert (answer["envio_x_mail"], answer["envio_x_mail_direcciones"]) == ("N", "")
    assert answer["observaciones"] == NOTICES[NO_SERVER]
    assert record.state == "emitido" and not quiet_db.exists(outbox.mail_key(record.id))
    instant = emitted_answer(record, pdv, NO_LINKS)
    assert instant["envio_x_mail"] == "N" and instant["observaciones"] == NOTICES[NO_SERVER]
    hook = next(h for h in staged(quiet_db, pdv.id) if h["evento"] == "emitido")
    assert hook["envio_x_mail"] == "N" and NOTICES[NO_SERVER] in hook["msg"]


def test_asking_for_mail_without_an_address_is_answered_with_why_it_is_not_sent(quiet_db, smtp_server, pdv):
    record = accepted(quiet_db, pdv, "mail-10", to=" ")
    answer = queued(standing(record, DocumentLinks(quiet_db)))
    assert (answer["envio_x_mail"], answer["observaciones"]) == ("N", NOTICES[NO_ADDRESS])
    record = emitted(quiet_db, record)
    assert not quiet_db.exists(outbox.mail_key(record.id))
    hook = next(h for h in staged(quiet_db, pdv.id) if h["evento"] == "emitido")
    assert hook["envio_x_mail"] == "N" and NOTICES[NO_ADDRESS] in hook["msg"]


def test_a_comprobante_not_asking_for_mail_gets_none(quiet_db, smtp_server, pdv):
    record = emitted(quiet_db, accepted(quiet_db, pdv, "mail-6", envia="N"))
    answer = queued(standing(record, DocumentLinks(quiet_db)))
    assert (answer["envio_x_mail"], answer["envio_x_mail_direcciones"], answer["observaciones"]) == ("N", "", "")
    assert not quiet_db.exists(outbox.mail_key(record.id)) and mails_for_reference(quiet_db, pdv.id, "mail-6") == []
    hook = next(h for h in staged(quiet_db, pdv.id) if h["evento"] == "emitido")
    assert hook["envio_x_mail"] == "N" and hook["msg"] == []


def test_the_emitido_hook_names_the_addresses_the_mail_goes_to(quiet_db, smtp_server, pdv):
    emitted(quiet_db, accepted(quiet_db, pdv, "mail-7", to="a@example.com,b@example.com"))
    hook = next(h for h in staged(quiet_db, pdv.id) if h["evento"] == "emitido")
    assert (hook["envio_x_mail"], hook["envio_x_mail_direcciones"]) == ("S", "a@example.com, b@example.com")
