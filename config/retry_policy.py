"""Every retry schedule of the service, in one place.

Emission: exponential backoff with bounded jitter per attempt, capped at 15 minutes (DESIGN.md failure
classes), up to ENCOLA_MAX_ATTEMPTS attempts. Webhooks: 15 attempts spread over about a day.
"""

from __future__ import annotations

import random

EMISSION_BASE_SECONDS = 5.0
EMISSION_CAP_SECONDS = 15 * 60.0
JITTER = 0.2  # ±20 %, so retries of many lanes do not arrive at AFIP together

# Seconds to wait after attempt n (1-based) before attempt n+1: 5 s … 6 h, about 23.6 h in all.
WEBHOOK_DELAYS = (5, 30, 120, 300, 600, 1200, 1800, 3600, 5400, 7200, 10800, 14400, 18000, 21600)
WEBHOOK_MAX_ATTEMPTS = len(WEBHOOK_DELAYS) + 1

# Celery-level retry of a task that could not reach Redis or the broker at all.
INFRASTRUCTURE_RETRY_SECONDS = 5


def jittered(seconds: float, rng: random.Random = random) -> float:
    return seconds * (1 + rng.uniform(-JITTER, JITTER))


def emission_backoff(attempts: int, rng: random.Random = random) -> float:
    """Delay after the `attempts`-th failed attempt of a comprobante."""
    raw = EMISSION_BASE_SECONDS * 2 ** max(0, attempts - 1)
    return jittered(min(EMISSION_CAP_SECONDS, raw), rng)


def webhook_delay(attempt: int, rng: random.Random = random) -> float | None:
    """Delay after failed delivery attempt `attempt`, or None when that was the last one."""
    if attempt >= WEBHOOK_MAX_ATTEMPTS:
        return None
    return jittered(WEBHOOK_DELAYS[attempt - 1], rng)
