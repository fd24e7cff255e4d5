"""The instant `nuevo`'s outcome channel (comprobantes.instant) on a real Redis no process works in, and the web
application that waits on it without loading any AFIP client."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from comprobantes.instant import OUTCOME_SECONDS, outcome_key, stage_outcome, wait_for_outcome


def staged(r, *, instant: bool, state: str, new_state: str) -> None:
    with r.pipeline() as pipe:
        stage_outcome(pipe, SimpleNamespace(id="7", instant=instant, state=state), new_state)
        pipe.execute()


@pytest.mark.parametrize("state,new_state", [
    ("procesando", "emitido"), ("procesando", "error"), ("procesando", "encolado"), ("encolado", "error")])
def test_an_ended_attempt_of_an_instant_comprobante_wakes_its_waiter_and_leaves_no_key(quiet_db, state, new_state):
    staged(quiet_db, instant=True, state=state, new_state=new_state)
    assert 0 < quiet_db.ttl(outcome_key("7")) <= OUTCOME_SECONDS

    assert wait_for_outcome(quiet_db, "7", 5) == new_state
    assert not quiet_db.exists(outcome_key("7"))


@pytest.mark.parametrize("instant,state,new_state", [
    (False, "procesando", "emitido"),  # a queued comprobante: nobody waits
    (True, "encolado", "procesando"),  # claimed: the attempt goes on
    (True, "encolado", "encolado"),  # a new date
    (True, "error", "encolado"),  # sent again after the instant answer
    (True, "encolado", "eliminado"),
])
def test_other_transitions_push_nothing(quiet_db, instant, state, new_state):
    staged(quiet_db, instant=instant, state=state, new_state=new_state)
    assert not quiet_db.exists(outcome_key("7"))


def test_a_wait_that_hears_nothing_ends_at_its_deadline(quiet_db):
    started = time.monotonic()
    assert wait_for_outcome(quiet_db, "7", 0.3) is None
    assert 0.3 <= time.monotonic() - started < 2


def test_the_web_application_loads_no_afip_client():
    # AFIP's parameter tables (names the invoice documents print) are data; nothing else of afip may load.
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, producers.http.app; "
         "print(sorted(m for m in sys.modules if m.startswith(('afip', 'zeep', 'emission.emitter'))"
         " and m not in ('afip', 'afip.parameters')))"],
        env={**os.environ, "ENCOLA_REDIS_URL": "redis://127.0.0.1:1/0", "ENCOLA_ENV": "development"},
        capture_output=True, text=True, timeout=60, check=True)
    assert loaded.stdout.strip() == "[]"
