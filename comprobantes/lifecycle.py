"""A comprobante's lifecycle in one place: its states, the transitions allowed between them, the change
that makes each one and the webhook event (`evento`) it emits.

The store refuses a state change that is not in TRANSITIONS (`check_transition`), and each change
function refuses a comprobante that is not in one of its from-states (`require`) and sends the event the
table names (`event`), so the rules live here and nowhere else. docs/queue.md's "A comprobante's life"
holds `markdown_table()`'s output (tests/test_lifecycle.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    """The values are the ones stored in Redis (the record's `state` field and the state indices)."""

    ENCOLADO = "encolado"
    PROCESANDO = "procesando"
    EMITIDO = "emitido"
    ERROR = "error"
    ELIMINADO = "eliminado"


class Conflict(Exception):
    """The comprobante is not in a state that allows the change."""


IN_QUEUE = (State.ENCOLADO, State.PROCESANDO, State.ERROR)  # not emitted yet: what "ventas en cola" lists
FINISHED = (State.EMITIDO, State.ELIMINADO)  # no transition leaves them: retention removes them in the end


@dataclass(frozen=True)
class Transition:
    change: str  # the change function that makes it
    source: State
    target: State
    event: str | None  # the webhook `evento` it emits; None for the emitter's own bookkeeping


TRANSITIONS = (
    Transition("claim", State.ENCOLADO, State.PROCESANDO, None),
    Transition("emitted", State.PROCESANDO, State.EMITIDO, "emitido"),
    Transition("failed", State.PROCESANDO, State.ERROR, "error"),
    Transition("failed_unclaimed", State.ENCOLADO, State.ERROR, "error"),  # refused before a batch took it
    Transition("released", State.PROCESANDO, State.ENCOLADO, None),
    Transition("released", State.PROCESANDO, State.ERROR, "error"),  # its last attempt spent
    Transition("requeue", State.ERROR, State.ENCOLADO, "encolado"),
    Transition("change_date", State.ENCOLADO, State.ENCOLADO, "cambio_fecha"),
    Transition("change_date", State.ERROR, State.ENCOLADO, "cambio_fecha"),
    Transition("eliminate", State.ENCOLADO, State.ELIMINADO, "eliminado"),
    Transition("eliminate", State.ERROR, State.ELIMINADO, "eliminado"),
)

INITIAL = State.ENCOLADO  # where an accepted comprobante starts
INITIAL_EVENT = "encolado"  # the webhook its acceptance sends


def from_states(change: str) -> frozenset[State]:
    """The states `change` may start from."""
    sources = frozenset(t.source for t in TRANSITIONS if t.change == change)
    if not sources:
        raise KeyError(change)
    return sources


def event(change: str, target: State) -> str | None:
    """The webhook `evento` that `change` sends when it takes a comprobante to `target`."""
    events = {t.event for t in TRANSITIONS if t.change == change and t.target == target}
    if len(events) != 1:
        raise KeyError((change, target))
    return events.pop()


def require(change: str, record_id: str, state: str) -> None:
    """Raises Conflict when a comprobante in `state` is not one `change` may start from."""
    if state not in from_states(change):
        raise Conflict(record_id)


def check_transition(record_id: str, source: str, target: str) -> None:
    """Raises Conflict for a state change the table does not allow."""
    if not any(t.source == source and t.target == target for t in TRANSITIONS):
        raise Conflict(record_id)


def markdown_table() -> str:
    """The table of transitions as docs/queue.md shows it."""
    rows = ["| from | to | by | webhook |", "|---|---|---|---|"]
    rows += [f"| `{t.source}` | `{t.target}` | `{t.change}` | {f'`{t.event}`' if t.event else 'none'} |"
             for t in TRANSITIONS]
    return "\n".join(rows) + "\n"
