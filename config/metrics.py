"""Recording metrics from any process: counters and the AFIP latency histogram, kept in Redis so the
web, worker and beat processes of every machine add to the same figures and a restart loses nothing.
`monitoring.exposition` turns them into Prometheus' text format."""

from __future__ import annotations

from config.keys import key

COUNTERS = key("metrics", "counters")
LATENCY = key("metrics", "afip_latency")
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
SEP = "|"

# name → (help, label names); a sample's label values are stored in its field after the name.
COUNTER_HELP = {
    "encola_comprobantes_accepted": ("Comprobantes accepted into the queue.", ("pdv",)),
    "encola_comprobante_transitions": ("Comprobantes entering each state (emitido, error, eliminado, "
                                       "encolado again after reenviar or a date change).", ("pdv", "state")),
    "encola_emission_attempts": ("FECAESolicitar calls by outcome: approved, partial, rejected, sequence, "
                                 "ambiguous, transient, auth, data.", ("outcome",)),
    "encola_emission_retries": ("Lane backoffs scheduled after a failed attempt, by failure class.", ("reason",)),
    "encola_emission_refusals": ("Batches not sent to AFIP because Redis could lose their in-flight record: "
                                 "not_durable (its settings, a lane backs off) or unconfirmed (WAITAOF did not "
                                 "confirm the record).", ("reason",)),
    "encola_webhook_deliveries": ("Webhook delivery attempts by outcome (delivered or failed).", ("outcome",)),
    "encola_error_hooks_dropped": ("error webhooks of refused requests not stored because the point of sale's "
                                   "hooks waiting were at their cap (the answer still carried the problems).",
                                   ("pdv",)),
}


def _field(name: str, labels: dict) -> str:
    return SEP.join([name, *(f"{k}={labels[k]}" for k in COUNTER_HELP[name][1])])


def count(r, name: str, amount: int = 1, **labels) -> None:
    """Add to a counter, on its own or inside an open pipeline (`r` may be one)."""
    r.hincrby(COUNTERS, _field(name, labels), amount)


def observe_afip_latency(r, operation: str, seconds: float) -> None:
    bucket = next((str(b) for b in LATENCY_BUCKETS if seconds <= b), "+Inf")
    pipe = r.pipeline(transaction=False)
    pipe.hincrby(LATENCY, f"{operation}{SEP}{bucket}", 1)
    pipe.hincrbyfloat(LATENCY, f"{operation}{SEP}sum", seconds)
    pipe.execute()
