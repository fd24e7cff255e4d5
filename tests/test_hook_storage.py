"""How a hook is stored: as the parameters its body is built from (webhook_dispatch/events.py), in
values small enough for Redis to keep its hash a listpack, and sent byte for byte the same on every
attempt, however late the attempt is."""

from __future__ import annotations

import json
import math
import random
import threading
import time
from datetime import timedelta

from standardwebhooks.webhooks import Webhook

from config import clock
from devtools.webhook_receiver import Behaviour
from producers import enqueue
from tests.support import spec_verifier
from tests.support.bodies import item
from tests.support.processes import wait_until
from config.one_call import Writes
from webhook_dispatch import outbox
from webhook_dispatch.events import (
    PIECE_BYTES, build_event, created_from_id, is_hook_id, joined, new_hook_id, pieces,
)
from webhook_dispatch.hook_log import get_hook, hooks_for_reference

LONG_MSG = ["10063 - Observación de AFIP: el receptor informó un domicilio con ñ y acentos (áéíóú). " * 3]
QR = "https://www.afip.gob.ar/fe/qr/?p=" + "eyJ2ZXIiOjEsImZlY2hhIjoiMjAyNi0xMi0wNiIsImN1aXQiOjIwMTExMTExMTEy" * 3


def encodings(r, hook_id: str) -> tuple[str, int]:
    """The hook hash's encoding and its longest value in bytes."""
    fields = r.hgetall(outbox.hook_key(hook_id))
    return r.object("encoding", outbox.hook_key(hook_id)), max(len(v.encode()) for v in fields.values())


def test_an_encolado_hook_is_a_listpack_of_short_values_from_acceptance_to_delivery(stack, pdv, r):
    # The receiver holds its answer until the waiting hook has been read: a fast delivery finished it first.
    release = threading.Event()

    def held(delivery):
        release.wait(30)
        return Behaviour(200)

    stack.receiver.behaviours[pdv.hook_path] = held
    answer = enqueue(pdv.body(item("lista-compacta", clock.today_ar() + timedelta(days=3), pto_vta=pdv.pdv.pto_vta)))
    assert answer["error"] == "N"
    [entry] = hooks_for_reference(r, pdv.id, "lista-compacta")
    assert "body" not in r.hgetall(outbox.hook_key(entry.hook_id))

    # Due when it was made, which its id says: its next attempt is not stored (outbox.next_attempt).
    assert entry.next_at == entry.created and "next_at" not in r.hgetall(outbox.hook_key(entry.hook_id))

    waiting = encodings(r, entry.hook_id)
    release.set()
    delivered = wait_until(lambda: get_hook(r, pdv.id, entry.hook_id).state == "entregado"
                           and encodings(r, entry.hook_id), message="the encolado hook delivered")
    assert "next_at" not in r.hgetall(outbox.hook_key(entry.hook_id))

    assert waiting[0] == delivered[0] == "listpack"
    assert waiting[1] <= PIECE_BYTES and delivered[1] <= PIECE_BYTES
    [sent] = stack.receiver.received(pdv.hook_path)
    assert sent.json() == entry.payload and sent.json()["evento"] == "encolado"


def test_every_attempt_sends_the_bytes_the_event_was_built_with_even_a_day_later(stack, pdv, r, move_clock):
    event = build_event(pdv_id=pdv.id, evento="emitido", external_reference="mismos-bytes", intento=2,
                        msg=LONG_MSG, comprobante_id="77", extra={"cae": "76012345678901", "afip_qr": QR})
    built = event.body
    stack.receiver.behaviours[pdv.hook_path] = Behaviour(500)
    outbox.send(r, event)
    first = wait_until(lambda: (e := get_hook(r, pdv.id, event.hook_id)) and e.attempts and e,
                       message="the first attempt")
    assert encodings(r, event.hook_id)[0] == "listpack"
    stack.receiver.behaviours[pdv.hook_path] = Behaviour(201)
    move_clock(first.next_at + 86400)  # a late retry must not date `creado` by its own clock

    wait_until(lambda: get_hook(r, pdv.id, event.hook_id).state == "entregado", message="the second attempt")

    deliveries = stack.receiver.received(pdv.hook_path)
    assert [d.body for d in deliveries] == [built.encode("utf-8")] * 2
    assert {d.headers["webhook-id"] for d in deliveries} == {event.hook_id}
    for d in deliveries:
        assert spec_verifier.verify(pdv.webhook_secret, d.headers, d.body)
        assert Webhook(pdv.webhook_secret).verify(d.body, d.headers) == json.loads(built)
    assert get_hook(r, pdv.id, event.hook_id).payload == json.loads(built)
    assert json.loads(built)["msg"] == LONG_MSG and json.loads(built)["afip_qr"] == QR


def test_long_values_are_kept_in_pieces_cut_between_characters():
    text = "ñ" * 40 + "a" + "€" * 30
    kept = pieces("msg", text)
    assert list(kept) == ["msg", "msg.1", "msg.2"]
    assert all(len(value.encode("utf-8")) <= PIECE_BYTES for value in kept.values())
    assert joined({**kept, "other": "x"}, "msg") == text
    assert pieces("msg", "") == {} and joined({}, "msg") == ""


def test_a_batch_of_hooks_trims_the_finished_indices_of_each_point_of_sale_once():
    """Acceptance stages a hook per comprobante: the indices of finished hooks are trimmed to the retention
    once per point of sale and batch, not once per hook, and the only index of hooks by state written is the
    `pendiente` one (the point of sale's log is the union of the three, hook_log.hooks_for_pdv)."""
    events = [build_event(pdv_id=pdv_id, evento="encolado", external_reference=f"lote-{n}", intento=1, msg=[])
              for pdv_id in ("20111111112-00001", "20111111112-00002") for n in range(50)]
    writes = Writes()
    outbox.stage_many(writes, events)

    hook_indices = [command for command in writes.commands if command[1].endswith(outbox.STATES)]
    trimmed = [command[1] for command in hook_indices if command[0] == "ZREMRANGEBYSCORE"]
    assert sorted(trimmed) == sorted(outbox.pdv_state_hooks_key(event.pdv_id, state)
                                     for event in events[::50] for state in outbox.FINISHED_STATES)
    indexed = {command[1] for command in hook_indices if command[0] == "ZADD"}
    assert not [command for command in writes.commands if command[1].endswith(":hooks")]
    assert indexed == {outbox.pdv_state_hooks_key(event.pdv_id, "pendiente") for event in events[::50]}


def test_hook_ids_are_25_characters_that_sort_by_creation_and_ids_of_the_earlier_form_still_read():
    """Short enough for Redis to keep each copy in a 32-byte allocation (events.MS_DIGITS), unique, in the
    order they were made as text (whatever the millisecond, several made in one), and still readable in
    the form stores hold from before, which sorts before the new one."""
    moments = sorted(random.Random(25).uniform(1.7e9, 3.3e10) for _ in range(2000))  # up to the year 3000
    made = [(moment, new_hook_id(moment)) for moment in moments for _ in range(3)]
    ids = [hook_id for _, hook_id in made]
    assert {len(hook_id) for hook_id in ids} == {25} and all(is_hook_id(hook_id) and "." not in hook_id for hook_id in ids)
    assert sorted(ids) == ids and len(set(ids)) == len(ids)
    assert all(created_from_id(hook_id) == math.ceil(moment * 1000) / 1000 for moment, hook_id in made)

    earlier = "hk_01a24e48f63960c3a2611d7065b0"  # 12 hex digits of milliseconds, 16 of tail
    assert is_hook_id(earlier) and created_from_id(earlier) == 1796609734.201
    assert earlier < new_hook_id(time.time())
    assert not any(is_hook_id(text) for text in ("hk_" + "w" * 22, "hk_" + "0" * 21, "hk_" + "0" * 23, "hk_" + "g" * 28))
