"""Producers: the Python API other services call to put comprobantes into the queue (and, through the
HTTP layer, TusFacturas-compatible clients). Validates, accepts and schedules; nothing imports it."""

from producers.batches import enqueue_batch, enqueue_lotes
from producers.operations import (
    cambiar_fecha_encolado, consulta, consulta_avanzada, eliminar_encolado, nuevo, reenviar_encolado,
)
from producers.submission import enqueue

__all__ = [
    "enqueue", "enqueue_batch", "enqueue_lotes", "reenviar_encolado", "cambiar_fecha_encolado",
    "eliminar_encolado", "consulta_avanzada", "consulta", "nuevo",
]
