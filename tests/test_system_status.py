"""The one status that `encola status` prints and /metrics exposes (monitoring.system_status)."""

from __future__ import annotations

from dataclasses import replace

from monitoring.operator_status import operator_status
from monitoring.system_status import system_status


def test_a_scrape_reads_only_redis_and_an_operators_look_also_asks_the_workers_and_afip(stack, r):
    scrape = system_status(r)
    assert scrape.workers is None and scrape.afip is None and not scrape.healthy
    look = operator_status(r)
    assert look.workers and look.afip["ok"]
    assert set(look.broker) == {"emision", "webhooks"}


def test_totals_per_state_and_the_oldest_due_come_from_the_gathered_counts(stack, r):
    gathered = system_status(r)
    now = replace(gathered, states={("p1", "encolado"): 2, ("p2", "encolado"): 3, ("p2", "error"): 1},
                  lanes={"a": (0, 5.0), "b": (2, 9.0), "c": (1, 7.0)})
    assert now.per_state == {"encolado": 5, "error": 1}
    assert now.oldest_due == 7.0
    assert replace(now, lanes={"a": (0, 5.0)}).oldest_due is None
