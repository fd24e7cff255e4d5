"""What a lane remembers between drains, in its meta hash: which point of sale and (punto de venta,
tipo) it numbers, AFIP's last number and date as last learnt, and its backoff after failures."""

from __future__ import annotations

from dataclasses import dataclass

from emission.schedule import lane_key_meta


def save_lane(r, lane: str, **fields) -> None:
    r.hset(lane_key_meta(lane), mapping={name: str(value) for name, value in fields.items()})


@dataclass
class LaneState:
    lane: str
    pdv: str
    cuit: int
    pto_vta: int
    cbte_tipo: int
    last_numero: int | None
    last_fecha: str  # yyyymmdd of the last comprobante AFIP holds for the lane, "" if unknown
    retry_at: float
    failures: int
    probe_first: bool

    @classmethod
    def load(cls, r, lane: str) -> "LaneState":
        raw = r.hgetall(lane_key_meta(lane))
        return cls(
            lane=lane, pdv=raw["pdv"], cuit=int(raw["cuit"]), pto_vta=int(raw["pto_vta"]),
            cbte_tipo=int(raw["cbte_tipo"]), last_numero=int(raw["last_numero"]) if raw.get("last_numero") else None,
            last_fecha=raw.get("last_fecha", ""), retry_at=float(raw.get("retry_at") or 0),
            failures=int(raw.get("failures") or 0), probe_first=raw.get("probe_first") == "1",
        )

    def learn_last(self, r, numero: int, fecha: str = "") -> None:
        """AFIP's last number for the lane; its date only moves forward (an unknown one keeps the last known)."""
        self.last_numero = numero
        self.last_fecha = max(self.last_fecha, fecha) if fecha else self.last_fecha
        save_lane(r, self.lane, last_numero=numero, last_fecha=self.last_fecha)

    def note_failure(self, r) -> None:
        """One more failure in a row; the next attempt asks FEDummy first."""
        self.failures += 1
        self.probe_first = True
        save_lane(r, self.lane, failures=self.failures, probe_first="1")

    def note_success(self, r) -> None:
        self.failures, self.probe_first = 0, False
        save_lane(r, self.lane, failures=0, probe_first="0")
