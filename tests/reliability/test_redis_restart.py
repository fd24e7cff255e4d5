"""The reliability suite's Redis scenario: the store and broker SIGKILLed and restarted from its AOF
during submission and emission. Short in `make test`; `make chaos` runs it with thousands."""

from __future__ import annotations

from tests.reliability import redis_restart


def test_redis_killed_and_restarted_keeps_every_answered_comprobante_and_emits_it_once(
        stack, r, redis_server, move_clock):
    scale = redis_restart.Scale.from_env()
    counts, failures, heal = redis_restart.run(stack, r, redis_server, move_clock)
    print("\n" + counts.table(f"redis restarts: {scale}"))
    print(f"  what clients saw while Redis was down: {dict(failures)}")
    print(f"  time to heal: {heal:.1f} s from the last restart to the last comprobante emitted")
    assert counts.accepted == scale.comprobantes // scale.points_of_sale * scale.points_of_sale
    assert counts.redis_restarts == scale.restarts
    assert (counts.duplicates, counts.gaps, counts.lost, counts.errors) == (0, 0, 0, 0), counts.table("redis")
    assert counts.emitted == counts.accepted
    assert counts.missing_final_webhooks == 0
    assert not counts.notes, counts.notes
