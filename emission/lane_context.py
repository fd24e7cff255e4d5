"""What one pass over a lane works with, handed explicitly from the drain loop to the batch path and
reconciliation: the Redis connection and store, the settings, the lane's state, its point of sale and
the WSFEv1 client, the comprobantes its batches carry; and the outcomes they all store the same way."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from accounts.points_of_sale import PointOfSale
from comprobantes.document_links import DocumentLinks
from comprobantes.emission_messages import EXHAUSTED
from comprobantes.store import Record, Store
from config.settings import Settings
from emission import outcomes
from emission.abono_continuations import continuations
from emission.lane_state import LaneState


@dataclass
class LaneContext:
    r: object
    store: Store
    settings: Settings
    state: LaneState
    pdv: PointOfSale
    client: object  # the point of sale's WsfeClient (emission/afip_access.py), or a stand-in for it
    # The comprobantes claimed in this pass, by id, as the claim left them: each batch reads its records
    # once, and its later transitions check only their versions (Store.current).
    carried: dict[str, Record] = field(default_factory=dict)

    @property
    def lane(self) -> str:
        return self.state.lane

    def claim(self, rids: list[str], batch_id: str) -> list[Record]:
        """Claim the comprobantes into `batch_id`; returns those claimed, carried from here on."""
        written: dict[str, Record] = {}
        claimed = [written[record.id] for record in self.store.transitioned(rids, outcomes.claim(batch_id, written))]
        self.carried.update((record.id, record) for record in claimed)
        return claimed

    def release(self, rids: list[str], batch_id: str, reason: str, *, count_attempt: bool) -> None:
        """Give comprobantes of a batch back to the queue; a counted attempt that was the last one ends
        them in `error` instead."""
        self._transition(rids, outcomes.released(
            batch_id, count_attempt=count_attempt, reason=reason, max_attempts=self.settings.max_attempts,
            exhausted_message=EXHAUSTED.format(n=self.settings.max_attempts)))

    def fail(self, batch_id: str, messages: dict[str, list[str]], codes: dict[str, list] | None = None, *,
             earliest: dict[str, date] | None = None) -> None:
        """End comprobantes of a batch in `error` with the messages their client reads (and, for those the
        date guard stopped, the earliest fecha their lane accepts)."""
        self._transition(list(messages), outcomes.failed(batch_id, messages, codes=codes, earliest=earliest))

    def store_emitted(self, batch_id: str, emitted: dict[str, dict]) -> None:
        """Store the CAEs (`emitted[rid]` as outcomes.emitted takes it), with each abono's continuation."""
        following = continuations(self.store, self.pdv, self._records(list(emitted)))
        self._transition(list(emitted), outcomes.emitted(batch_id, emitted, following, links=DocumentLinks(self.r)))

    def _records(self, rids: list[str]) -> list[Record]:
        """The comprobantes of `rids`, in that order: the carried ones as they are, the others read.
        A comprobante in one of this emitter's batches changes only by this emitter's transitions, and
        the transition that follows checks its version anyway."""
        read = {record.id: record for record in self.store.get_many([rid for rid in rids if rid not in self.carried])}
        return [record for rid in rids if (record := self.carried.get(rid) or read.get(rid))]

    def _transition(self, rids: list[str], change) -> None:
        """Store a change of the comprobantes; those it changed are no longer carried as they were."""
        for record in self.store.transitioned(rids, change, known=self.carried):
            self.carried.pop(record.id, None)

    def afip_fecha(self, numero: int) -> str:
        """The date (yyyymmdd) of the comprobante AFIP holds at `numero` in this lane; "" if none."""
        if not numero:
            return ""
        return (self.consultar(numero) or {}).get("CbteFch") or ""

    def consultar(self, numero: int) -> dict | None:
        """What AFIP holds at `numero` in this lane (FECompConsultar), None if nothing."""
        return self.client.consultar(self.state.pto_vta, self.state.cbte_tipo, numero)
