"""Reading the store from tests: wait for comprobantes to reach a state, list them, rewrite one."""

from __future__ import annotations

from dataclasses import replace

from comprobantes.lifecycle import State
from comprobantes.store import Record, Store, cbte_key, state_key
from tests.support.processes import wait_until


def one(r, pdv, ref: str) -> Record | None:
    found = Store(r).by_reference(pdv.id, ref)
    return found[0] if found else None


def wait_state(r, pdv, ref: str, state: str, timeout: float = 30.0) -> Record:
    return wait_until(lambda: (rec := one(r, pdv, ref)) is not None and rec.state == state and rec,
                      timeout=timeout, message=f"{ref} to be {state}")


def wait_all(r, pdv, refs: list[str], states=("emitido",), timeout: float = 60.0) -> list[Record]:
    store = Store(r)

    def done():
        records = [rec for ref in refs for rec in store.by_reference(pdv.id, ref)]
        return len(records) == len(refs) and all(rec.state in states for rec in records) and records

    return wait_until(done, timeout=timeout, interval=0.25, message=f"{len(refs)} comprobantes to be {states}")


def rewrite(r, record: Record, **changes) -> None:
    """Store the record with `changes`, as no transition would (a test's shortcut to a state)."""
    r.set(cbte_key(record.id), replace(record, **changes).stored())


def every_record(r, pdv) -> list[Record]:
    """Every comprobante of the point of sale, whatever its state (eliminated ones included), first arrived first."""
    ids = {rid for state in State for rid in r.zrange(state_key(pdv.id, state), 0, -1)}
    return Store(r).get_many(sorted(ids, key=int))
