"""Producers: the Python API other services call to put comprobantes into the queue (and, through the
HTTP layer, TusFacturas-compatible clients). Validates, accepts and schedules; nothing imports it."""

from producers.submission import enqueue

__all__ = ["enqueue"]
