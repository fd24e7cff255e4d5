"""The whole system's status, gathered once: what `encola status` prints and the gauges /metrics exposes
(monitoring.exposition) are two renderings of one `SystemStatus`.

It reads the queue's indices, the broker's queues, the outbox, the liveness records
(monitoring.liveness_view), Redis's durability verdict (config.durability), its memory use
(monitoring.redis_memory) and how the connection to it is protected. An operator's look
(monitoring.operator_status) also asks the Celery workers which queues they consume and AFIP's FEDummy
whether its servers answer, and reads Redis's persistence settings afresh; a scrape calls nothing outside
Redis and uses the verdict each process caches.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from comprobantes.queue_stats import lane_backlogs, state_counts
from config import clock, durability
from config.celery_app import EMISION_QUEUE, WEBHOOKS_QUEUE, app
from config.redis_target import RedisTarget
from config.settings import get_settings
from monitoring import liveness_view, redis_memory
from webhook_dispatch.outbox import pending_count


@dataclass(frozen=True)
class SystemStatus:
    at: float  # service clock (config.clock)
    states: dict[tuple[str, str], int]  # (point of sale, state) → comprobantes
    lanes: dict[str, tuple[int, float]]  # lane → (due comprobantes, when the first fell due)
    broker: dict[str, int]  # Celery queue → messages waiting in it
    webhooks_pending: int
    liveness: liveness_view.Liveness
    durability: durability.Gate
    memory: redis_memory.MemoryUse
    memory_alert: str | None
    connection: RedisTarget
    workers: dict[str, list[str]] | None = None  # node → the queues it consumes; None unless probed
    afip: dict | None = None  # FEDummy's answer and a summary; only in an operator's look
    emitted: dict | None = None  # comprobantes emitted, in all and today; only in an operator's look

    @property
    def per_state(self) -> Counter:
        """Comprobantes per state, every point of sale together."""
        totals = Counter()
        for (_, state), n in self.states.items():
            totals[state] += n
        return totals

    @property
    def oldest_due(self) -> float | None:
        """When the longest-waiting due comprobante fell due (service clock), None when none is due."""
        return min((first for due, first in self.lanes.values() if due), default=None)

    @property
    def healthy(self) -> bool:
        """Workers answer, AFIP answers, due work moves, Redis may be written to and has room."""
        return bool(self.workers and self.afip and self.afip["ok"] and self.liveness.moving
                    and not self.durability.refuses and not self.memory_alert)


def system_status(r, *, probe: bool = False) -> SystemStatus:
    """Everything /metrics shows, read now; `probe` adds the workers and reads the durability settings
    afresh. AFIP's part is monitoring.operator_status's, so that the web process never loads an AFIP
    client."""
    settings = get_settings()
    verdict = durability.assess(r) if probe else durability.verdict(r)
    memory = redis_memory.read(r)
    return SystemStatus(
        at=clock.timestamp(),
        states=state_counts(r),
        lanes=lane_backlogs(r),
        broker={EMISION_QUEUE: r.llen(EMISION_QUEUE), WEBHOOKS_QUEUE: r.llen(WEBHOOKS_QUEUE)},
        webhooks_pending=pending_count(r),
        liveness=liveness_view.read(r),
        durability=durability.emission_gate(verdict, settings),
        memory=memory,
        memory_alert=memory.alert(settings),
        connection=settings.redis_target(),
        workers=_workers() if probe else None,
    )


def _workers() -> dict[str, list[str]]:
    """The Celery workers that answer within a second, and the queues each consumes."""
    return {node: sorted(q["name"] for q in queues)
            for node, queues in (app.control.inspect(timeout=1.0).active_queues() or {}).items()}
