"""One attempt to e-mail a stored mail: render the comprobante's A4 PDF, hand the message to the mail
server, record the attempt, decide what comes next (config/retry_policy.py: 10 attempts over about a
day; a permanent refusal ends them at once).

An attempt is automatic (the schedule has come to it) or manual (an operator's resend: one attempt now,
whatever the mail's state; a failed one leaves the mail as it was). Nothing here touches the
comprobante or its webhooks: a mail that fails stays a failed mail.
"""

from __future__ import annotations

import json
import logging
import math
import secrets
from typing import Callable

from accounts.points_of_sale import PointOfSale, UnknownPointOfSale, get_point_of_sale
from comprobantes.store import Record, Store
from config import clock
from config.retry_policy import mail_delay, mail_outcome
from config.settings import get_settings
from mailing import message, smtp
from mailing.outbox import DUE, mail_key
from mailing.smtp import SmtpAnswer

log = logging.getLogger("encola.mail")

# `render(record, point_of_sale)`: the comprobante's A4 PDF.
Render = Callable[[Record, PointOfSale], bytes]

# SMTP timeouts bound each network operation, and one hand-over makes several (connect, EHLO, STARTTLS,
# EHLO again, login, MAIL, DATA, QUIT, and one RCPT for each of up to 15 addresses); the lock and the
# lease outlive that many plus this margin.
OPERATIONS_PER_ATTEMPT = 8 + 15
LEASE_MARGIN_SECONDS = 5
# Published tasks may run a little before their due time as this process sees the shared clock.
DUE_SLACK_SECONDS = 2.0
ATTEMPTS_KEPT = 100
NO_SERVER = "ENCOLA_SMTP_URL is not set: this service has no mail server"

_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


def deliver(r, mail_id: str, render: Render) -> str:
    """Make the attempt the mail is due for, if any. Returns its state afterwards, or why nothing was
    sent: `missing`, `not-due` (a duplicate publish) or `busy` (another attempt is under way)."""
    smtp_target = get_settings().smtp
    lease = (smtp_target.timeout if smtp_target else 0) * OPERATIONS_PER_ATTEMPT + LEASE_MARGIN_SECONDS
    lock = mail_key(mail_id, "lock")
    token = secrets.token_hex(8)
    if not r.set(lock, token, nx=True, ex=math.ceil(lease)):
        return "busy"
    # Held under a live lease now: the sweep publishes it again only if this worker dies in the attempt.
    r.zadd(DUE, {mail_id: clock.timestamp() + lease}, xx=True)
    try:
        return _deliver_locked(r, mail_id, render)
    finally:
        r.eval(_RELEASE, 1, lock, token)


def _deliver_locked(r, mail_id: str, render: Render) -> str:
    mail = r.hgetall(mail_key(mail_id))
    if not mail:
        r.zrem(DUE, mail_id)
        return "missing"
    manual = mail.get("manual", "")
    if not manual and not _automatic_due(mail):
        if mail["state"] == "pendiente" and mail["next_at"]:
            r.zadd(DUE, {mail_id: float(mail["next_at"])})
            return "not-due"
        r.zrem(DUE, mail_id)
        return mail["state"]
    started = clock.timestamp()
    answer = _attempt(r, mail, render)
    return _record(r, mail, "manual" if manual else "automatic", manual, started, answer)


def _automatic_due(mail: dict) -> bool:
    return (mail["state"] == "pendiente" and mail["next_at"] != ""
            and float(mail["next_at"]) <= clock.timestamp() + DUE_SLACK_SECONDS)


def _attempt(r, mail: dict, render: Render) -> SmtpAnswer:
    settings = get_settings()
    if settings.smtp is None:
        return SmtpAnswer(None, NO_SERVER)
    record = Store(r).get(mail["id"])
    if record is None:
        return SmtpAnswer(None, "the comprobante no longer exists")
    try:
        pdv = get_point_of_sale(r, mail["pdv"])
    except UnknownPointOfSale:
        return SmtpAnswer(None, "the point of sale no longer exists")
    try:
        email = message.build(record, pdv, mail["to"], render(record, pdv),
                              mail_from=message.sender(pdv, settings.mail_from))
    except Exception:  # a renderer's or a header's fault is this attempt's failure, logged, not a task failing unseen
        log.exception("mail %s: the message could not be prepared", mail["id"], extra={"mail": mail["id"]})
        return SmtpAnswer(None, "the message could not be prepared (the correo worker's log says why)")
    return smtp.send(settings.smtp, email)


def _next(mail: dict, trigger: str, attempts: int, answer: SmtpAnswer, now: float) -> tuple[str, str, str]:
    """The mail's state, next automatic attempt and failure after this attempt."""
    outcome = mail_outcome(answer.code)
    if outcome == "enviado":
        return "enviado", "", ""
    if outcome == "abandonar" and mail["state"] == "pendiente":
        return "fallido", "", f"the server refused it for good: {answer.code} {answer.error}"
    if trigger == "manual":  # a failed resend leaves the mail as it was: a sent one stays sent
        return mail["state"], mail["next_at"], mail["failure"]
    delay = mail_delay(attempts)
    if delay is None:
        return "fallido", "", f"no attempt of {attempts} succeeded; the last: {answer.error}"
    return "pendiente", repr(now + delay), ""


def _record(r, mail: dict, trigger: str, manual: str, started: float, answer: SmtpAnswer) -> str:
    now = clock.timestamp()
    attempts = int(mail["attempts"]) + (1 if trigger == "automatic" else 0)
    state, next_at, failure = _next(mail, trigger, attempts, answer, now)
    tries = int(mail.get("tries") or 0) + 1
    fields = {"state": state, "attempts": attempts, "next_at": next_at, "failure": failure, "tries": tries}
    attempt = {"attempt": tries, "trigger": trigger, "at": started, "to": mail["to"], "smtp_code": answer.code,
               "error": answer.error, "refused": list(answer.refused)}
    _finish(r, mail["id"], fields, attempt, served=manual)
    log.info("mail %s attempt %s: %s", mail["id"], tries, answer.code or answer.error,
             extra={"mail": mail["id"], "pdv": mail["pdv"], "state": state})
    return state


def _finish(r, mail_id: str, fields: dict, attempt: dict, *, served: str) -> None:
    """Write the attempt's outcome in one transaction. A resend asked for while the attempt ran (a
    `manual` other than the one it served) makes the mail due again at once."""
    key = mail_key(mail_id)

    def write(pipe):
        manual = pipe.hget(key, "manual") or ""
        pipe.multi()
        pipe.hset(key, mapping={**fields, "manual": "" if manual == served else manual})
        pipe.rpush(mail_key(mail_id, "attempts"), json.dumps(attempt, ensure_ascii=False))
        pipe.ltrim(mail_key(mail_id, "attempts"), -ATTEMPTS_KEPT, -1)
        if manual and manual != served:
            pipe.zadd(DUE, {mail_id: clock.timestamp()})
        elif fields["next_at"]:
            pipe.zadd(DUE, {mail_id: float(fields["next_at"])})
        else:
            pipe.zrem(DUE, mail_id)

    r.transaction(write, key)
