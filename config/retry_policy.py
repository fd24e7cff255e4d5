"""Every retry schedule of the service, in one place.

Emission: exponential backoff with bounded jitter per attempt, capped at 15 minutes (docs/queue.md, "Attempts
and outages"), up to ENCOLA_MAX_ATTEMPTS attempts. Webhooks: which answers count as delivered, 15 attempts
spread over about a day, a receiver's Retry-After, how often a hook waiting for a slot at its
endpoint looks again by itself, and when a failing endpoint is disabled (docs/webhooks.md
tells clients). E-mail: 10 attempts over about a day, a permanent SMTP refusal ending them at once
(docs/email.md).
"""

from __future__ import annotations

import random

import redis

EMISSION_BASE_SECONDS = 5.0
EMISSION_CAP_SECONDS = 15 * 60.0
JITTER = 0.2  # ±20 %, so retries of many lanes do not arrive at AFIP together

# Seconds to wait after attempt n (1-based) before attempt n+1: 5 s … 6 h, about 23.6 h in all.
WEBHOOK_DELAYS = (5, 30, 120, 300, 600, 1200, 1800, 3600, 5400, 7200, 10800, 14400, 18000, 21600)
WEBHOOK_MAX_ATTEMPTS = len(WEBHOOK_DELAYS) + 1
# A receiver's Retry-After never brings the next attempt sooner than the schedule (Retry-After: 0 must
# not turn the schedule into a loop) and never pushes it more than an hour away (the schedule's middle),
# so the 15 attempts still end within about 30 hours.
WEBHOOK_RETRY_AFTER_CAP_SECONDS = 3600.0
# An endpoint whose attempts have all failed for this long is disabled, as TusFacturas does.
WEBHOOK_DISABLE_AFTER_SECONDS = 24 * 3600.0

# Seconds to wait after failed mail attempt n (1-based) before attempt n+1: 1 min … 6 h, about 22 h in all.
MAIL_DELAYS = (60, 300, 900, 1800, 3600, 7200, 14400, 21600, 28800)
MAIL_MAX_ATTEMPTS = len(MAIL_DELAYS) + 1

# Celery-level retry of a task that could not reach Redis at all: nothing was recorded, so running it
# again later is safe, and it is retried for as long as Redis stays away (the work is still due there).
INFRASTRUCTURE_RETRY_SECONDS = 5
INFRASTRUCTURE_RETRY = {"autoretry_for": (redis.RedisError,), "max_retries": None,
                        "retry_kwargs": {"countdown": INFRASTRUCTURE_RETRY_SECONDS}}


def jittered(seconds: float, rng: random.Random = random) -> float:
    return seconds * (1 + rng.uniform(-JITTER, JITTER))


def emission_backoff(attempts: int, rng: random.Random = random) -> float:
    """Delay after the `attempts`-th failed attempt of a comprobante."""
    raw = EMISSION_BASE_SECONDS * 2 ** max(0, attempts - 1)
    return jittered(min(EMISSION_CAP_SECONDS, raw), rng)


def webhook_outcome(status: int | None) -> str:
    """What an answer means: `entregado`, `reintentar` (per the schedule) or `abandonar` (410 Gone).

    TusFacturas' legacy lotes page asks receivers for 200 or 201; any other 2xx also shows the bytes
    arrived, so it counts as delivered rather than being sent again (Standard Webhooks does the same).
    Redirects are not followed and are failures, like 4xx and 5xx and no answer at all: a receiver that
    rejects a token or is being deployed usually recovers within the day. 410 Gone is the receiver asking
    us to stop.
    """
    if status is not None and 200 <= status < 300:
        return "entregado"
    if status == 410:
        return "abandonar"
    return "reintentar"


def webhook_delay(attempt: int, rng: random.Random = random, *, retry_after: float | None = None) -> float | None:
    """Delay after failed automatic delivery attempt `attempt`, or None when that was the last one."""
    if attempt >= WEBHOOK_MAX_ATTEMPTS:
        return None
    delay = jittered(WEBHOOK_DELAYS[attempt - 1], rng)
    if retry_after is not None:
        delay = max(delay, min(retry_after, WEBHOOK_RETRY_AFTER_CAP_SECONDS))
    return delay


def mail_outcome(smtp_code: int | None) -> str:
    """What an SMTP answer means for a mail: `enviado`, `reintentar` or `abandonar`.

    RFC 5321 (4.2.1): a 2yz reply is success, 4yz a transient failure worth trying again (a greylisting
    server, a full mailbox), 5yz a permanent one that the same mail will meet again (an unknown
    recipient, a refused sender, rejected credentials). No reply at all (no connection, a timeout, a
    broken TLS handshake) is treated as transient.
    """
    if smtp_code is not None and 200 <= smtp_code < 300:
        return "enviado"
    if smtp_code is not None and 500 <= smtp_code < 600:
        return "abandonar"
    return "reintentar"


def mail_delay(attempt: int, rng: random.Random = random) -> float | None:
    """Delay after failed automatic mail attempt `attempt`, or None when that was the last one."""
    if attempt >= MAIL_MAX_ATTEMPTS:
        return None
    return jittered(MAIL_DELAYS[attempt - 1], rng)
