"""The compact record (comprobantes/record_codec.py, Record.to_fields) and the bucketed reference index
(comprobantes/references.py): pure functions, and the index on a real Redis."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from comprobantes import record_codec, references
from comprobantes.lifecycle import State
from comprobantes.store import Record, Store, to_json
from comprobantes.validation import check_item
from tests.support.bodies import item, offline_pdv


def scheduled() -> Record:
    pdv = offline_pdv()
    accepted = check_item(item("r-1", date(2026, 12, 15)), pdv, today=date(2026, 12, 6)).accepted
    return Store(None).prepare(pdv, accepted, seq=41).record


def test_a_record_reads_back_as_it_was_stored():
    record = scheduled()
    emitted = replace(record.changed(State.PROCESANDO, {"batch": "b1"}, {"lote": "b1"}, 1.5).changed(
        State.EMITIDO, {"numero": 7, "cae": "76000000000001", "cae_vto": "20261216", "afip_qr": "https://x",
                        "observaciones": '["10217 - una"]', "emitted_at": 2.25, "batch": ""}, {"numero": 7}, 2.5),
        fecha_minima=date(2026, 12, 1), mail="pdf", instant=True, notify=False, lote_ref="L-1", abono_base="9")
    for one in (record, emitted):
        assert Record.from_fields(record_codec.decode(one.stored())) == one
    assert [entry["estado"] for entry in emitted.audit] == ["encolado", "procesando", "emitido"]


def test_a_new_body_is_stored_not_the_text_the_record_was_read_from():
    # Records keep the text their body and detail were read from, to write them again unchanged.
    record = Record.from_fields(record_codec.decode(scheduled().stored()))
    moved = {**record.body, "comprobante": {**record.body["comprobante"], "fecha": "16/12/2026"}}
    by_transition = record.changed(State.ENCOLADO, {"body": to_json(moved)}, {"motivo": "cambio de fecha"}, 1.5)
    by_assignment = Record.from_fields(record_codec.decode(scheduled().stored()))
    by_assignment.detail = {**by_assignment.detail, "CbteFch": "20261216"}
    assert by_transition.body == moved
    assert record_codec.decode(by_transition.stored())["body"] == to_json(moved)
    assert Record.from_fields(record_codec.decode(by_assignment.stored())).detail["CbteFch"] == "20261216"
    assert record.changed(State.PROCESANDO, {}, {}, 1.5).body is record.body


def test_a_scheduled_comprobante_is_stored_in_a_few_hundred_bytes():
    # A hash of the same fields took about 3 KB of Redis (issue 19): a regression here costs memory.
    assert len(scheduled().stored()) < 400


def test_the_stored_version_is_read_from_the_first_bytes():
    record = replace(scheduled(), version=123456)
    assert record_codec.version_of(record.stored()[:record_codec.PREFIX_BYTES]) == "123456"


def test_a_value_of_an_unknown_dictionary_is_refused():
    version, _, data = scheduled().stored().split(b":", 2)
    with pytest.raises(record_codec.UnreadableRecord):
        record_codec.decode(version + b":99:" + data)


def test_a_reference_holds_only_its_own_comprobantes(quiet_db):
    pipe = quiet_db.pipeline()
    references.stage_add(pipe, "p", [("a-1", "5"), ("a-10", "6"), ("a-1", "12"), ("a-1-b", "7"), ("A-1", "8")])
    pipe.execute()
    assert references.of(quiet_db, "p", "a-1") == ["5", "12"]
    pipe = quiet_db.pipeline()
    references.stage_remove(pipe, "p", "a-1", "5")
    pipe.execute()
    assert references.of(quiet_db, "p", "a-1") == ["12"]
    assert references.of(quiet_db, "p", "a-10") == ["6"]
