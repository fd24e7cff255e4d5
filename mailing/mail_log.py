"""The mail log: each e-mailed comprobante's mail with its state and attempts, found by the comprobante's
external_reference. Reads only; a resend goes through mailing.outbox.

Lookups take the point of sale as well, so a caller serving one account never reads another's mails.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from comprobantes.store import Store
from mailing.outbox import mail_key


@dataclass(frozen=True)
class MailEntry:
    mail_id: str  # the comprobante's id
    external_reference: str
    to: str  # the addresses, comma-separated
    state: str  # pendiente | enviado | fallido
    created: float
    next_at: float | None  # the next automatic attempt, while one is to come
    failure: str  # why a fallido mail failed
    attempts: list[dict]  # attempt, trigger, at, to, smtp_code, error, refused

    def to_dict(self) -> dict:
        return asdict(self)


def mails_for_reference(r, pdv_id: str, external_reference: str) -> list[MailEntry]:
    """The mails of the point of sale's comprobantes with this reference, oldest first."""
    ids = [record.id for record in Store(r).by_reference(pdv_id, external_reference)]
    pipe = r.pipeline(transaction=False)
    for mail_id in ids:
        pipe.hgetall(mail_key(mail_id))
        pipe.lrange(mail_key(mail_id, "attempts"), 0, -1)
    replies = pipe.execute()
    return [_entry(raw, attempts) for raw, attempts in zip(replies[::2], replies[1::2])
            if raw and raw["pdv"] == pdv_id]


def _entry(raw: dict, attempts: list[str]) -> MailEntry:
    return MailEntry(
        mail_id=raw["id"], external_reference=raw["external_reference"], to=raw["to"], state=raw["state"],
        created=float(raw["created"]),
        next_at=float(raw["next_at"]) if raw["state"] == "pendiente" and raw["next_at"] else None,
        failure=raw.get("failure", ""), attempts=[json.loads(a) for a in attempts],
    )
