"""`encola mails REFERENCE --pdv CUIT-PUNTO`: the e-mail of a comprobante (README, "E-mail"), its state
and every attempt in Argentina's time; `--resend` asks for one more attempt now, whatever its state."""

from __future__ import annotations

from cli.operator import EXIT_OK, EXIT_REFUSED, _pdv, _print
from config import clock
from mailing import outbox
from mailing.mail_log import MailEntry, mails_for_reference


def add_arguments(parser) -> None:
    parser.add_argument("reference", help="the comprobante's external_reference")
    parser.add_argument("--pdv", required=True, help="the point of sale, CUIT-PUNTO (e.g. 20111111112-00001)")
    parser.add_argument("--resend", action="store_true", help="send the mail again now (one attempt)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def run(args) -> int:
    r, pdv = _pdv(args)
    entries = mails_for_reference(r, pdv.id, args.reference)
    if not entries:
        _print(args, {"mails": []}, f"no e-mail for {args.reference!r}: the comprobante did not ask for one, "
                                    f"is not emitted yet, or does not exist")
        return EXIT_REFUSED
    if args.resend:
        resent = [entry.mail_id for entry in entries if outbox.request_resend(r, entry.mail_id)]
        _print(args, {"resent": resent}, f"{len(resent)} e-mails to be sent again now")
        return EXIT_OK
    lines = []
    for entry in entries:
        lines += _lines(entry)
    _print(args, {"mails": [entry.to_dict() for entry in entries]}, "\n".join(lines))
    return EXIT_OK


def _lines(entry: MailEntry) -> list[str]:
    lines = [f"{entry.external_reference}  to {entry.to}", f"  state {entry.state}"
             + (f", next attempt {clock.wall_clock_ar(entry.next_at)}" if entry.next_at else "")
             + (f": {entry.failure}" if entry.failure else "")]
    lines += [f"    {clock.wall_clock_ar(a['at'])}  #{a['attempt']} {a['trigger']:<9} "
              f"{a['smtp_code'] or '-'}  {a['error']}".rstrip() for a in entry.attempts]
    return lines
