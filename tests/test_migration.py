"""`encola migrate` on a store written by main before issue 19 (layout 1, tests/data/store-7479e41.json:
every key of a store that main at 7479e41 wrote through the stack, with the answers main gave about it)
and on one written by main at 1ed43ef (layout 2, tests/data/store-1ed43ef-hooks.json: the hooks, points of
sale and their indices of a store that version wrote through the stack, the comprobantes' compressed
records left out, with its answers to hooks/consulta), on a real Redis: the processes refuse the store
until it is migrated, the command converts it in place, every record, history and answer reads as main
gave it, and a second run finds nothing left to convert."""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pytest

from accounts.points_of_sale import get_point_of_sale
from comprobantes import layout
from comprobantes.store import Store
from comprobantes.validation import check_item
from config import clock
from config.redis_target import with_db
from config.settings import ConfigurationError
from producers import consulta_avanzada
from producers.hooks import hooks_consulta
from producers.queue_listing import ventas_en_cola
from tests.support.bodies import item
from tests.support.processes import REPO, encola

FIXTURE = json.loads((Path(__file__).parent / "data" / "store-7479e41.json").read_text())
LAYOUT_2 = json.loads((Path(__file__).parent / "data" / "store-1ed43ef-hooks.json").read_text())
ANSWERS = FIXTURE["answers"]
SIGNED_LINKS = ("comprobante_pdf_url", "comprobante_ticket_url")  # signed anew by each process


def restore(r, keys: list[dict]) -> None:
    pipe = r.pipeline()
    for entry in keys:
        name, value = entry["key"], entry["value"]
        {"string": lambda: pipe.set(name, value), "hash": lambda: pipe.hset(name, mapping=value),
         "list": lambda: pipe.rpush(name, *value), "set": lambda: pipe.sadd(name, *value),
         "zset": lambda: pipe.zadd(name, dict(value))}[entry["type"]]()
        if entry["pttl"] > 0:
            pipe.pexpire(name, entry["pttl"])
    pipe.execute()


def migrate(quiet_db) -> dict:
    url = with_db(os.environ["ENCOLA_REDIS_URL"], quiet_db.connection_pool.connection_kwargs["db"])
    done = subprocess.run(encola("migrate", "--json"), cwd=REPO, env={**os.environ, "ENCOLA_REDIS_URL": url},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def unsigned(answer):
    """The answer without its signed document links."""
    if isinstance(answer, dict):
        return {name: unsigned(value) for name, value in answer.items() if name not in SIGNED_LINKS}
    if isinstance(answer, list):
        return [unsigned(value) for value in answer]
    return answer


@pytest.fixture
def old_store(quiet_db):
    restore(quiet_db, FIXTURE["keys"])
    return quiet_db


def test_the_processes_refuse_a_store_that_needs_migrating(old_store):
    with pytest.raises(ConfigurationError, match="encola migrate"):
        layout.require_current(old_store)


def test_a_store_that_never_held_a_comprobante_is_current(quiet_db):
    layout.require_current(quiet_db)
    assert quiet_db.get(layout.LAYOUT) == layout.CURRENT


def _first_write(store_db, pdv) -> None:
    """What acceptance writes first, as a service enqueueing through the Python API would, in a process
    that nothing checked at start: the new comprobante's id."""
    checked = check_item(item("first", clock.today_ar(), pto_vta=pdv.pdv.pto_vta), pdv.pdv, today=clock.today_ar())
    Store(store_db).prepare_many(pdv.pdv, [(checked.accepted, "")])


def test_a_producer_that_writes_before_any_process_started_leaves_a_store_they_accept(quiet_db, pdv):
    _first_write(quiet_db, pdv)
    layout.require_current(quiet_db)
    assert quiet_db.get(layout.LAYOUT) == layout.CURRENT


def test_a_producer_writes_nothing_to_a_store_that_needs_migrating(old_store, pdv):
    before = old_store.get("encola:seq:cbte")
    with pytest.raises(ConfigurationError, match="encola migrate"):
        _first_write(old_store, pdv)
    assert old_store.get("encola:seq:cbte") == before and old_store.get(layout.LAYOUT) is None


def test_migrate_converts_every_record_and_index_in_place(old_store):
    r = old_store
    records = [entry for entry in FIXTURE["keys"] if entry["key"].count(":") == 2 and ":cbte:" in entry["key"]]
    references = [entry for entry in FIXTURE["keys"] if ":ref:" in entry["key"]]
    unread = [entry for entry in FIXTURE["keys"] if entry["key"].endswith(":all") or ":state:encolado:tipo:" in entry["key"]]
    hooks = [entry for entry in FIXTURE["keys"] if ":hook:" in entry["key"] and not entry["key"].endswith(":attempts")]
    waiting = [entry for entry in FIXTURE["keys"] if entry["key"].endswith(":hooks:waiting")]
    hook_references = [entry for entry in FIXTURE["keys"] if ":ref_hooks:" in entry["key"]]
    hook_logs = [entry for entry in FIXTURE["keys"] if re.fullmatch(r"encola:pdv:[^:]+:hooks", entry["key"])]

    # Every hook main stored is rebuilt byte for byte from its parameters (webhook_dispatch/migration.py).
    assert migrate(r) == {"comprobantes": len(records), "references": sum(len(entry["value"]) for entry in references),
                          "removed_indices": len(unread), "hooks_rebuilt": len(hooks), "hooks_kept_with_body": 0,
                          "waiting_sets_dropped": len(waiting), "pending_restored": 0,
                          "reference_sets_moved": len(hook_references),
                          "reference_entries_moved": sum(len(entry["value"]) for entry in hook_references),
                          "hook_logs_dropped": len(hook_logs), "hooks_reindexed": 0}

    layout.require_current(r)
    assert {r.type(entry["key"]) for entry in records} == {"string"}
    assert not [name for name in r.scan_iter(match="*") if name.endswith(":audit") or ":ref:" in name
                or name in {entry["key"] for entry in unread}]
    assert not [name for name in r.scan_iter(match="*") if ":ref_hooks:" in name or name.endswith(":hooks:waiting")
                or name in {entry["key"] for entry in hook_logs}]
    assert not [name for name in r.scan_iter(match="*:hook:hk_*") if r.type(name) == "hash" and r.hexists(name, "body")]
    assert set(migrate(r).values()) == {0}


def test_a_migrated_store_reads_as_main_read_it(old_store, move_clock):
    r = old_store
    # What a search that finds nothing says depends on the day (the retention window): the fixture's day.
    move_clock(clock.start_of_day_ar(date.fromisoformat(FIXTURE["today"])) + 12 * 3600)
    migrate(r)
    store = Store(r)
    for rid, expected in ANSWERS["records"].items():
        record = store.get(rid)
        assert json.loads(json.dumps({**asdict(record), "audit": None}, default=str)) == {**expected, "audit": None}
        assert record.audit == ANSWERS["audits"][rid]
    pdvs = {pdv_id: get_point_of_sale(r, pdv_id) for pdv_id in FIXTURE["credentials"]}
    for reference, expected in ANSWERS["ext_ref"].items():
        pdv = pdvs[_owner(reference)]
        body = {"busqueda_tipo": "EXT_REF", "comprobante": {"external_reference": reference}}
        assert unsigned(consulta_avanzada.as_operator(r, pdv, body)) == unsigned(expected), reference
    for pdv_id, by_day in ANSWERS["fecha"].items():
        for day, expected in by_day.items():
            body = {"busqueda_tipo": "F", "comprobante": {"fecha": "/".join(reversed(day.split("-")))}}
            assert unsigned(consulta_avanzada.as_operator(r, pdvs[pdv_id], body)) == unsigned(expected)
    for pdv_id, expected in ANSWERS["en_cola"].items():
        assert unsigned(ventas_en_cola.as_operator(r, pdvs[pdv_id], {})) == unsigned(expected)
    for pdv_id, expected in ANSWERS["hooks"].items():
        assert hooks_consulta.as_operator(r, pdvs[pdv_id], {}) == expected
    for reference, expected in ANSWERS["hooks_ref"].items():
        assert hooks_consulta.as_operator(r, pdvs[_owner(reference)], {"external_reference": reference}) == expected


def _owner(reference: str) -> str:
    """The point of sale the fixture's writer submitted a reference with (a-… first, b-… and lotes second,
    c-… third)."""
    pdv_ids = list(FIXTURE["credentials"])
    return pdv_ids[{"a": 0, "c": 2}.get(reference[0], 1)]


def test_a_layout_2_store_answers_as_main_did_once_its_hook_logs_are_dropped(quiet_db, move_clock):
    r = quiet_db
    restore(r, LAYOUT_2["keys"])
    with pytest.raises(ConfigurationError, match="encola migrate"):
        layout.require_current(r)
    move_clock(clock.start_of_day_ar(date.fromisoformat(LAYOUT_2["today"])) + 12 * 3600)
    logs = [entry["key"] for entry in LAYOUT_2["keys"] if re.fullmatch(r"encola:pdv:[^:]+:hooks", entry["key"])]

    # Every hook of a point of sale's log was in the index of its state already: none is put back, and
    # nothing else needs converting.
    counts = migrate(r)
    assert len(logs) == 3 and counts == {**dict.fromkeys(counts, 0), "hook_logs_dropped": len(logs)}

    layout.require_current(r)
    assert not [name for name in logs if r.exists(name)]
    for query in LAYOUT_2["queries"]:
        pdv = get_point_of_sale(r, query["pdv"])
        assert hooks_consulta.as_operator(r, pdv, query["body"]) == query["answer"], query["body"]
    assert set(migrate(r).values()) == {0}
