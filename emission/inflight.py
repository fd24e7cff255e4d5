"""The in-flight record: each batch sent (or about to be sent) to FECAESolicitar, with its numbers and
the exact details sent, kept in the lane's `inflight` hash until its outcome is stored.

It is written before each call, so that a crash is always followed by reconciliation, never by a blind
resend (docs/queue.md, "Lanes"). Where Redis has WAITAOF the write waits until the record is on disk
(docs/production.md: durability is checked).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from config import durability
from config.metrics import count
from emission.schedule import inflight_key

log = logging.getLogger("encola.emission")


@dataclass
class InFlight:
    batch: str
    items: list[tuple[str, int]]  # (comprobante id, the number it was sent with), in the request's order
    details: list[dict]  # the FECAEDetRequest of each item, as sent
    sent_at: float
    answered: bool = False  # AFIP answered, so it will not go on to process the request later
    refused: bool = False  # the answer was 10016 for the whole request

    def __post_init__(self):
        self.items = [(rid, numero) for rid, numero in self.items]  # JSON gives them back as lists

    @property
    def rids(self) -> list[str]:
        return [rid for rid, _ in self.items]

    @property
    def numbers(self) -> list[int]:
        return [numero for _, numero in self.items]

    def encode(self) -> str:
        return json.dumps({"batch": self.batch, "items": self.items, "details": self.details,
                           "sent_at": self.sent_at, "answered": self.answered, "refused": self.refused})

    @classmethod
    def decode(cls, raw: str) -> "InFlight":
        entry = json.loads(raw)
        # Records written before `refused` existed have no such key.
        return cls(entry["batch"], entry["items"], entry["details"], entry["sent_at"], entry["answered"],
                   entry.get("refused", False))


def entries(r, lane: str) -> list[InFlight]:
    """Every batch in flight in the lane, in the order of their first numbers."""
    return sorted((InFlight.decode(raw) for raw in r.hvals(inflight_key(lane))), key=lambda e: e.items[0][1])


def find(r, lane: str, batch_id: str) -> InFlight | None:
    raw = r.hget(inflight_key(lane), batch_id)
    return InFlight.decode(raw) if raw else None


def any_in_flight(r, lane: str) -> bool:
    return bool(r.hlen(inflight_key(lane)))


def mark_answered(r, lane: str, entry: InFlight, *, refused: bool = False) -> None:
    entry.answered, entry.refused = True, refused
    r.hset(inflight_key(lane), entry.batch, entry.encode())


def drop(r, lane: str, batch_id: str) -> None:
    r.hdel(inflight_key(lane), batch_id)


def record(r, lane: str, entry: InFlight, gate: durability.Gate) -> bool:
    """Write the batch's in-flight record; where Redis has WAITAOF, wait until it is on disk. False
    (the record dropped again) when Redis did not confirm it and the gate enforces durability."""
    if not gate.verdict.waitaof:
        r.hset(inflight_key(lane), entry.batch, entry.encode())
        return True
    if durability.write_confirmed(r, inflight_key(lane), entry.batch, entry.encode()):
        return True
    # A master that stopped confirming may be a new one after a failover: read its settings again.
    durability.forget(r)
    if gate.policy != "enforced":
        log.warning("lane %s: Redis did not confirm the in-flight record of batch %s; sending anyway (%s)",
                    lane, entry.batch, gate.policy, extra={"lane": lane, "batch": entry.batch})
        return True
    drop(r, lane, entry.batch)
    count(r, "encola_emission_refusals", reason="unconfirmed")
    log.error("lane %s: Redis did not confirm the in-flight record of batch %s within %d ms; not sending it",
              lane, entry.batch, durability.WAITAOF_TIMEOUT_MS, extra={"lane": lane, "batch": entry.batch})
    return False
