"""The reliability suite's emission scenario: crashes, lost answers and an outage over lanes and days.
Short in `make test`; `make chaos` runs it with thousands (ENCOLA_CHAOS_SCALE=full)."""

from __future__ import annotations

from tests.reliability.chaos import Scale, run


def test_crashes_lost_answers_and_an_outage_lose_nothing_and_emit_nothing_twice(stack, r, move_clock, faults):
    scale = Scale.from_env()
    counts = run(stack, r, move_clock, faults)
    print("\n" + counts.table(f"chaos: {scale}"))
    assert counts.accepted == scale.comprobantes // scale.points_of_sale * scale.points_of_sale
    assert (counts.duplicates, counts.gaps, counts.lost) == (0, 0, 0), counts.table("chaos")
    assert counts.emitted + counts.errors == counts.accepted
    assert counts.errors == 0, "every comprobante was valid: an error here is an invented one"
    assert counts.missing_final_webhooks == 0
    assert counts.kills == scale.kills
    assert not counts.notes, counts.notes
