"""`encola mails REFERENCE --pdv CUIT-PUNTO`: the e-mail of a comprobante (docs/email.md), its state
and every attempt in Argentina's time; `--resend` asks for one more attempt now, whatever its state.
cli/operator.py declares the command and prints what this returns."""

from __future__ import annotations

from config import clock
from mailing import outbox
from mailing.mail_log import MailEntry, mails_for_reference


def mails(r, pdv, reference: str, *, resend: bool) -> tuple[dict, str, bool]:
    """(the JSON payload, the text for people, whether the comprobante has a mail)."""
    entries = mails_for_reference(r, pdv.id, reference)
    if not entries:
        return {"mails": []}, (f"no e-mail for {reference!r}: the comprobante did not ask for one, is not "
                               f"emitted yet, or does not exist"), False
    if resend:
        resent = [entry.mail_id for entry in entries if outbox.request_resend(r, entry.mail_id)]
        return {"resent": resent}, f"{len(resent)} e-mails to be sent again now", True
    lines = [line for entry in entries for line in _lines(entry)]
    return {"mails": [entry.to_dict() for entry in entries]}, "\n".join(lines), True


def _lines(entry: MailEntry) -> list[str]:
    lines = [f"{entry.external_reference}  to {entry.to} (times: Argentina time)", f"  state {entry.state}"
             + (f", next attempt {clock.wall_clock_ar(entry.next_at)}" if entry.next_at else "")
             + (f": {entry.failure}" if entry.failure else "")]
    lines += [f"    {clock.wall_clock_ar(a['at'])}  #{a['attempt']} {a['trigger']:<9} "
              f"{a['smtp_code'] or '-'}  {a['error']}".rstrip() for a in entry.attempts]
    return lines
