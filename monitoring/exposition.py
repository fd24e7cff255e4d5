"""Prometheus' text format for the web process's /metrics: the counters and latency histogram that
every process records (config.metrics), and gauges of the system's status read at scrape time
(monitoring.system_status, the same that `encola status` prints)."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from config.metrics import COUNTER_HELP, COUNTERS, LATENCY, LATENCY_BUCKETS, SEP
from monitoring.system_status import SystemStatus, system_status


class RedisCollector:
    """Builds every metric family from Redis at scrape time."""

    def __init__(self, r):
        self.r = r

    def collect(self):
        yield from self._counters()
        yield self._latency()
        status = system_status(self.r)
        yield from _gauges(status)
        yield from _health(status)
        yield from _memory(status)

    def _counters(self):
        families = {name: CounterMetricFamily(name, help_text, labels=list(labels))
                    for name, (help_text, labels) in COUNTER_HELP.items()}
        for field, value in self.r.hgetall(COUNTERS).items():
            name, *pairs = field.split(SEP)
            if name in families:
                families[name].add_metric([pair.split("=", 1)[1] for pair in pairs], float(value))
        return families.values()

    def _latency(self):
        family = HistogramMetricFamily("encola_afip_latency_seconds", "Time AFIP took to answer, per operation.",
                                       labels=["operation"])
        per_operation: dict[str, dict[str, float]] = {}
        for field, value in self.r.hgetall(LATENCY).items():
            operation, slot = field.split(SEP)
            per_operation.setdefault(operation, {})[slot] = float(value)
        for operation, slots in sorted(per_operation.items()):
            cumulative, buckets = 0.0, []
            for bound in [*map(str, LATENCY_BUCKETS), "+Inf"]:
                cumulative += slots.get(bound, 0.0)
                buckets.append((bound, cumulative))
            family.add_metric([operation], buckets, slots.get("sum", 0.0))
        return family


def _gauges(status: SystemStatus):
    states = GaugeMetricFamily("encola_queue_comprobantes", "Comprobantes per point of sale and state.",
                               labels=["pdv", "state"])
    for (pdv, state), n in status.states.items():
        states.add_metric([pdv, state], n)
    backlog = GaugeMetricFamily("encola_lane_backlog", "Due comprobantes waiting in each lane.", labels=["lane"])
    for lane, (due_count, _) in status.lanes.items():
        backlog.add_metric([lane], due_count)
    oldest_due = status.oldest_due
    oldest = _gauge("encola_oldest_due_seconds",
                    "How long the oldest due comprobante has been waiting (0 when none is due).",
                    max(0.0, status.at - oldest_due) if oldest_due is not None else 0.0)
    hooks = _gauge("encola_webhooks_pending", "Webhook deliveries waiting to be attempted.", status.webhooks_pending)
    return [states, backlog, oldest, hooks]


def _health(status: SystemStatus):
    seen = status.liveness
    sweeps = GaugeMetricFamily("encola_sweep_age_seconds", "Seconds since each of beat's sweeps last ran.",
                               labels=["sweep"])
    for name, age in seen.sweep_ages.items():
        sweeps.add_metric([name], age)
    leader = _gauge("encola_beat_leader", "1 while a beat holds the schedule's lead, 0 when none does.",
                    1 if seen.leader else 0)
    stalled = _gauge("encola_lanes_stalled",
                     "Lanes with due work that nobody has published for longer than a grace of a few sweep "
                     "periods, or with queued work missing from the due set.", seen.lanes_stalled)
    overdue = _gauge("encola_webhooks_overdue",
                     "Webhook attempts due longer than a grace of a few sweep periods and not published.",
                     seen.webhooks_overdue)
    durable = _gauge("encola_redis_durable",
                     "1 when Redis's settings keep every acknowledged write (AOF, fsync, noeviction), 0 "
                     "otherwise (production then refuses to emit unless the risk is accepted).",
                     1 if status.durability.verdict.durable else 0)
    return [sweeps, leader, stalled, overdue, durable]


def _memory(status: SystemStatus):
    return [
        _gauge("encola_redis_memory_used_bytes", "Memory Redis uses (INFO used_memory).", status.memory.used),
        _gauge("encola_redis_memory_max_bytes", "Redis's maxmemory, 0 when none is set (with noeviction, at it "
                                                "every write is refused).", status.memory.maxmemory),
        _gauge("encola_redis_memory_alert", "1 above ENCOLA_REDIS_MEMORY_ALERT_PERCENT of maxmemory, or in "
                                            "production with no maxmemory; 0 otherwise.",
               1 if status.memory_alert else 0),
    ]


def _gauge(name: str, help_text: str, value: float) -> GaugeMetricFamily:
    """A gauge without labels, holding one value."""
    family = GaugeMetricFamily(name, help_text)
    family.add_metric([], value)
    return family


def exposition(r) -> tuple[bytes, str]:
    """The text format Prometheus scrapes, and its content type."""
    registry = CollectorRegistry()
    registry.register(RedisCollector(r))
    return generate_latest(registry), CONTENT_TYPE_LATEST
