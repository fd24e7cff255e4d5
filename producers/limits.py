"""What one point of sale may hold waiting in Redis, so that it cannot fill it for everyone: with
`maxmemory-policy noeviction` (docs/production.md) a full Redis refuses every write of
every point of sale.

Two caps, each the point of sale's own (`max_waiting_comprobantes`, `max_waiting_hooks`) or, when that
is 0, the global one (ENCOLA_MAX_WAITING_COMPROBANTES, ENCOLA_MAX_WAITING_HOOKS):
- comprobantes waiting: `encolado` or `procesando`. At the cap a new comprobante is refused (TFC-8019).
- hooks waiting: stored and neither delivered nor failed yet (webhook_dispatch/outbox.py), whatever
  their event, the `error` hooks of refused requests included. At the cap a new comprobante is refused
  (TFC-8020, its `encolado` hook would pass it), and a refused request is answered without its `error`
  webhook: the answer itself carries the problems.

The counts are read once per request and kept up to date by it, so requests arriving at the same moment
can together pass a cap by what each of them submits (at most one batch each); nothing accepted is ever
dropped for a cap.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.points_of_sale import PointOfSale
from comprobantes import problems as P
from comprobantes.answers import Problem
from comprobantes.lifecycle import State
from comprobantes.store import state_key
from config.settings import get_settings
from webhook_dispatch.outbox import pdv_state_hooks_key

WAITING_STATES = (State.ENCOLADO, State.PROCESANDO)


def comprobante_cap(pdv: PointOfSale) -> int:
    return pdv.max_waiting_comprobantes or get_settings().max_waiting_comprobantes


def hook_cap(pdv: PointOfSale) -> int:
    return pdv.max_waiting_hooks or get_settings().max_waiting_hooks


def read_waiting(pipe, pdv_id: str) -> None:
    """Queue on `pipe` the reads of what a point of sale holds waiting: three results, for Room.of."""
    for state in WAITING_STATES:
        pipe.zcard(state_key(pdv_id, state))
    pipe.zcard(pdv_state_hooks_key(pdv_id, "pendiente"))


def waiting(r, pdv_id: str) -> tuple[int, int]:
    """(comprobantes waiting, hooks waiting) of a point of sale."""
    pipe = r.pipeline(transaction=False)
    read_waiting(pipe, pdv_id)
    encolados, procesando, hooks = pipe.execute()
    return encolados + procesando, hooks


@dataclass
class Room:
    """What one request may still add for its point of sale."""

    comprobantes: int
    hooks: int

    @classmethod
    def of(cls, pdv: PointOfSale, waiting: list[int]) -> "Room":
        """From the three results of read_waiting."""
        encolados, procesando, hooks = waiting
        return cls(comprobante_cap(pdv) - encolados - procesando, hook_cap(pdv) - hooks)

    def refusal(self, pdv: PointOfSale) -> Problem | None:
        """Why one more comprobante (and its `encolado` hook) does not fit, or None."""
        if self.comprobantes <= 0:
            return P.WAITING_COMPROBANTES(
                f"Tu punto de venta ya tiene {comprobante_cap(pdv)} comprobantes en la cola esperando ser emitidos, "
                f"el maximo permitido; este comprobante no se encolara. Envialo cuando se hayan emitido otros.")
        if self.hooks <= 0:
            return P.WAITING_HOOKS(
                f"Tu punto de venta ya tiene {hook_cap(pdv)} webhooks sin entregar, el maximo permitido; este "
                f"comprobante no se encolara. Revisa que tu webhook responda (hooks/consulta) y envialo despues.")
        return None

    def take_comprobante(self) -> None:
        self.comprobantes -= 1
        self.hooks -= 1

    def take_hook(self) -> bool:
        """Whether one more hook fits; takes its place when it does."""
        if self.hooks <= 0:
            return False
        self.hooks -= 1
        return True
