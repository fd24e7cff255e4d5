"""The reliability suite's liveness scenarios (tests/reliability/liveness.py): a process or a broker
message lost under load, each alone and all together; every scenario prints its counts and its time to
heal. Short in `make test`; `make chaos` runs them with more (ENCOLA_CHAOS_SCALE=full)."""

from __future__ import annotations

import pytest

from tests.reliability import liveness
from tests.reliability.liveness import (
    drop_published, kill_beat, kill_leading_beat, kill_workers, receiver_failing,
)

SCENARIOS = {
    "beat-killed": (kill_beat,),
    "leading-beat-killed": (kill_leading_beat,),
    "workers-killed": (kill_workers,),
    "publishes-dropped": (drop_published, drop_published, drop_published),
    "receiver-failing": (receiver_failing,),
    "all-together": (receiver_failing, kill_workers, drop_published, kill_beat, kill_leading_beat),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_whatever_process_or_message_is_lost_every_accepted_comprobante_is_emitted_once_and_notified(
        stack, r, name):
    try:
        counts, heal, run = liveness.run(stack, r, name, SCENARIOS[name])
    finally:
        # The tests after these find the stack as it was: its one beat running, no standby.
        for child in stack.children:
            if child.name == "beat" and not child.alive():
                child.respawn()
            elif child.name == "beat-standby":
                child.stop()
    print(f"\n{counts.table(f'liveness, {name}: {liveness.Scale.from_env()}')}\n  faults: {run.faults}\n  {heal}")
    assert counts.accepted == len(run.pdvs) * len(next(iter(run.refs.values())))
    assert (counts.duplicates, counts.gaps, counts.lost, counts.errors) == (0, 0, 0, 0), counts.table(name)
    assert counts.emitted == counts.accepted
    assert counts.missing_final_webhooks == 0
    assert not counts.notes, counts.notes
    assert heal.emitted_seconds < float("inf") and heal.hooks_seconds < float("inf")
