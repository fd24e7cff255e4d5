"""An emitted abono's continuation: its next occurrence queued in the same transaction that stores the
emission, or the `error` webhook saying why the abono ends there (comprobantes/abonos.py)."""

from __future__ import annotations

from accounts.points_of_sale import PointOfSale
from comprobantes.abonos import base_reference, next_occurrence
from comprobantes.emission_messages import ABONO_ENDS
from comprobantes.store import NewRecord, Record, Store
from webhook_dispatch.events import Event, build_event


def continuations(store: Store, pdv: PointOfSale, records: list[Record]) -> dict[str, NewRecord | Event]:
    """Each abono's continuation by comprobante id; comprobantes that are no abono, or whose last
    occurrence this was, have none."""
    found = {}
    for record in records:
        following = next_occurrence(record, pdv)
        if following is None:
            continue
        if following.accepted is not None:
            found[record.id] = store.prepare(
                pdv, following.accepted, origin=f"abono tras {record.id}", abono_base=base_reference(record))
        elif record.notify:
            found[record.id] = build_event(
                pdv_id=record.pdv, evento="error", external_reference=following.external_reference, intento=1,
                msg=[ABONO_ENDS, *(p.text for p in following.problems)])
    return found
