"""What one pass over a lane works with, handed explicitly from the drain loop to the batch path and
reconciliation: the Redis connection and store, the settings, the lane's state, its point of sale and
the WSFEv1 client; and the outcomes they all store the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from accounts.points_of_sale import PointOfSale
from comprobantes.document_links import DocumentLinks
from comprobantes.emission_messages import EXHAUSTED
from comprobantes.store import Store
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

    @property
    def lane(self) -> str:
        return self.state.lane

    def release(self, rids: list[str], batch_id: str, reason: str, *, count_attempt: bool) -> None:
        """Give comprobantes of a batch back to the queue; a counted attempt that was the last one ends
        them in `error` instead."""
        self.store.transition(rids, outcomes.released(
            batch_id, count_attempt=count_attempt, reason=reason, max_attempts=self.settings.max_attempts,
            exhausted_message=EXHAUSTED.format(n=self.settings.max_attempts)))

    def fail(self, batch_id: str, messages: dict[str, list[str]], codes: dict[str, list] | None = None, *,
             earliest: dict[str, date] | None = None) -> None:
        """End comprobantes of a batch in `error` with the messages their client reads (and, for those the
        date guard stopped, the earliest fecha their lane accepts)."""
        self.store.transition(list(messages), outcomes.failed(batch_id, messages, codes=codes, earliest=earliest))

    def store_emitted(self, batch_id: str, emitted: dict[str, dict]) -> None:
        """Store the CAEs (`emitted[rid]` as outcomes.emitted takes it), with each abono's continuation."""
        following = continuations(self.store, self.pdv, self.store.get_many(list(emitted)))
        self.store.transition(list(emitted), outcomes.emitted(batch_id, emitted, following,
                                                              links=DocumentLinks(self.r)))

    def afip_fecha(self, numero: int) -> str:
        """The date (yyyymmdd) of the comprobante AFIP holds at `numero` in this lane; "" if none."""
        if not numero:
            return ""
        return (self.consultar(numero) or {}).get("CbteFch") or ""

    def consultar(self, numero: int) -> dict | None:
        """What AFIP holds at `numero` in this lane (FECompConsultar), None if nothing."""
        return self.client.consultar(self.state.pto_vta, self.state.cbte_tipo, numero)
