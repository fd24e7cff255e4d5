"""Producers: the Python API other services call to put comprobantes into the queue (and, through the
HTTP layer, TusFacturas-compatible clients). Validates, accepts and schedules; nothing imports it."""

from producers.batches import enqueue_batch, enqueue_lotes
from producers.submission import enqueue

__all__ = ["enqueue", "enqueue_batch", "enqueue_lotes"]
