"""The retry schedules promised in docs/queue.md, docs/webhooks.md and docs/email.md."""

from __future__ import annotations

import random

from config.retry_policy import (EMISSION_CAP_SECONDS, JITTER, WEBHOOK_DELAYS, WEBHOOK_MAX_ATTEMPTS,
                                 emission_backoff, webhook_delay)


def test_webhooks_get_15_attempts_over_about_a_day():
    assert WEBHOOK_MAX_ATTEMPTS == 15
    assert 22 * 3600 < sum(WEBHOOK_DELAYS) < 25 * 3600
    assert webhook_delay(15) is None
    rng = random.Random(7)
    for attempt, base in enumerate(WEBHOOK_DELAYS, start=1):
        assert base * (1 - JITTER) <= webhook_delay(attempt, rng) <= base * (1 + JITTER)


def test_emission_backoff_grows_and_is_capped_at_15_minutes():
    rng = random.Random(3)
    delays = [emission_backoff(n, rng) for n in range(1, 30)]
    assert delays[0] <= 5 * (1 + JITTER) and delays[3] > delays[0]
    assert max(delays) <= EMISSION_CAP_SECONDS * (1 + JITTER)
    assert min(delays[10:]) >= EMISSION_CAP_SECONDS * (1 - JITTER)
