"""The stored mails and their due set: a mail is written in the same Redis transaction as the `emitido`
transition of the comprobante it carries (emission.outcomes), so an emitted comprobante that asked for
one can never be without it.

A stored mail is a hash (`mail:{comprobante id}`: point of sale, reference, addresses, state `pendiente`
| `enviado` | `fallido`, automatic attempts made, when the next one is due, a pending resend) and a list
of its attempts. It sits in the due set while an attempt is to come. Its id is its comprobante's: a
comprobante is e-mailed once. Mails are kept as long as their comprobantes, attempts and all, and leave
Redis with them (stage_forget).

Nothing is published at the commit itself: the mail is due at once and beat's mail sweep publishes it
within a sweep period, then leases it; a lost publish or a worker killed in an attempt is published again
when the lease runs out, as for lanes and hooks (config/due_sets.py).
"""

from __future__ import annotations

from comprobantes.mail_request import MailRequest
from comprobantes.store import Record
from config import clock, due_tasks
from config.keys import key

DUE = key("mails", "due")
SEND_TASK = "encola.correo.send"
# How long a published send may wait in the broker before the sweep publishes it again; once an attempt
# starts, the attempt's own lease holds it (mailing.delivery).
SEND_LEASE_SECONDS = 60.0


def mail_key(mail_id: str, *part: str) -> str:
    """The mail's hash; with "attempts", the list of its attempts."""
    return key("mail", mail_id, *part)


def stage(pipe, record: Record) -> MailRequest:
    """Add the comprobante's mail to an open MULTI, if it is to be e-mailed; returns what was decided at
    its acceptance, for the answers and the webhook to say."""
    request = record.mail_request
    if not request.to_send:
        return request
    now = clock.timestamp()
    pipe.hset(mail_key(record.id), mapping={
        "id": record.id, "pdv": record.pdv, "external_reference": record.external_reference,
        "to": ", ".join(request.addresses), "created": repr(now), "state": "pendiente", "attempts": 0,
        "next_at": repr(now), "manual": "", "failure": "",
    })
    pipe.zadd(DUE, {record.id: now})
    return request


# Marks a stored mail for one manual attempt and brings it due now (never later than it already was).
_REQUEST_RESEND = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'manual', ARGV[1])
redis.call('ZADD', KEYS[2], 'LT', tonumber(ARGV[1]), ARGV[2])
return 1
"""


def request_resend(r, mail_id: str) -> bool:
    """Ask for one manual attempt of a stored mail now; False when there is no such mail."""
    if not r.eval(_REQUEST_RESEND, 2, mail_key(mail_id), DUE, repr(clock.timestamp()), mail_id):
        return False
    publish([mail_id])
    return True


def publish(mail_ids, *, eta_seconds: dict[str, float] | None = None) -> None:
    """Send mail tasks; a lost publish is repaired by the sweep when the lease runs out."""
    due_tasks.publish(SEND_TASK, mail_ids, what="mails", eta_seconds=eta_seconds)


def promote_due(r, *, horizon: float) -> int:
    """beat's mail sweep: publish every mail attempt due within `horizon`; returns how many."""
    return due_tasks.promote_due(r, DUE, SEND_TASK, horizon=horizon, lease=SEND_LEASE_SECONDS, what="mails")


def pending_count(r) -> int:
    """Mails waiting for their next attempt."""
    return r.zcard(DUE)


def stage_forget(pipe, record: Record) -> None:
    """Add to an open MULTI the removal of the comprobante's mail, if it has one, with its attempts:
    it goes when its comprobante goes (comprobantes.retention)."""
    pipe.delete(mail_key(record.id), mail_key(record.id, "attempts"))
    pipe.zrem(DUE, record.id)
