"""The reliability suite's webhook scenario: receivers answering 500s, hanging, slow and gone while their
comprobantes are emitted. Short in `make test`; `make chaos` runs it with hundreds."""

from __future__ import annotations

from tests.reliability import flapping


def test_misbehaving_receivers_get_the_documented_attempts_and_never_hold_emission(stack, r, move_clock):
    counts, reports, pending_when_emitted = flapping.run(stack, r, move_clock)
    print("\n" + counts.table(f"webhook flapping: {flapping.per_endpoint()} comprobantes per endpoint"))
    print(flapping.table(reports))
    n = flapping.per_endpoint()
    assert counts.accepted == counts.emitted == n * len(flapping.ENDPOINTS)
    assert (counts.duplicates, counts.gaps, counts.lost, counts.errors) == (0, 0, 0, 0)
    assert counts.missing_final_webhooks == 0 and not counts.notes, counts.table("flapping")
    # Emission finished while the misbehaving endpoints still had hooks to retry.
    assert pending_when_emitted > 0
    for report in reports:
        assert report.hooks == 2 * n, report  # encolado and emitido for each comprobante
        assert not report.unexpected, (report.name, report.unexpected[:5])
        assert report.disabled == (report.name == "gone")
