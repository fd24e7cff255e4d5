"""Every listing reads one page, not the whole index: the work of `consulta_avanzada`, "ventas en cola"
(the HTTP method and the page's two tables) and the hook log, filtered by state or not, is bounded by the
page's size, whatever the point of sale holds. Measured as Redis commands (INFO commandstats, scripts' own
commands included) on a private redis-server that nothing else uses, never as time; and the pages are
checked against the whole index sorted in Python.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import redis

from devtools.local_redis import LocalRedis
from comprobantes import record_codec
from comprobantes.codes import TIPOS
from comprobantes.queue_changes import change_date, eliminate
from comprobantes.store import Store
from comprobantes.validation import check_item
from config import clock
from emission import outcomes
from producers import consulta_avanzada
from producers.queue_listing import emitted_since, queue_page
from tests.support.bodies import ddmmyyyy
from tests.support.stored import accept, body, emit, new_pdv
from webhook_dispatch import delivery, endpoints, hook_log, outbox
from webhook_dispatch.events import Event, build_event, created_from_id, new_hook_id
from webhook_dispatch.origin_lines import line_key, origin_id

MANY = 3000
# A page of a few sets costs a binary search on the score (about 50 ZCOUNTs a set), whatever their size.
FEW_COMMANDS = 250


@pytest.fixture(scope="module")
def private(tmp_path_factory):
    server = LocalRedis(str(tmp_path_factory.mktemp("bounded-redis")), appendonly=False)
    client = redis.Redis.from_url(server.start(), decode_responses=True)
    yield client
    server.stop()


@pytest.fixture
def r(private):
    private.flushall()
    return private


def work(r, call):
    """(what `call()` returned, the Redis commands it ran by name, and under "records" how many
    comprobante records it read whole: each is one GET, among others, so they are counted as decoded)."""
    decoded = []
    decode = record_codec.decode
    record_codec.decode = lambda value: decoded.append(value) or decode(value)
    r.config_resetstat()
    try:
        result = call()
    finally:
        record_codec.decode = decode
    stats = r.info("commandstats")
    commands = {name.removeprefix("cmdstat_"): entry["calls"] for name, entry in stats.items()}
    commands.pop("config", None)
    return result, {**commands, "records": len(decoded)}


def read_whole(commands: dict) -> int:
    """Whole reads: records, and hooks (hashes)."""
    return sum(commands.get(name, 0) for name in ("records", "hgetall", "hmget", "hget"))


def test_consulta_avanzada_by_fecha_or_number_reads_one_page_of_thousands(r):
    pdv = new_pdv(r)
    records = accept(r, pdv, [(f"f-{n}", 3, "FACTURA B") for n in range(MANY)])
    fecha = ddmmyyyy(clock.today_ar() + timedelta(days=3))

    answer, commands = work(r, lambda: consulta_avanzada.as_operator(r, pdv, {
        "busqueda_tipo": "F", "comprobante": {"fecha": fecha}, "limite": 1}))

    assert answer["total"] == MANY
    assert [c["comprobante"]["external_reference"] for c in answer["comprobantes"]] == [f"f-{MANY - 1}"]
    assert read_whole(commands) == 1 and sum(commands.values()) < 20, commands

    deep = consulta_avanzada.as_operator(r, pdv, {"busqueda_tipo": "F", "comprobante": {"fecha": fecha},
                                                  "pagina": 7, "limite": 9})
    assert [c["comprobante"]["external_reference"] for c in deep["comprobantes"]] == \
        [f"f-{n}" for n in range(MANY - 1 - 63, MANY - 1 - 72, -1)]

    emit(r, records)
    by_number = {"busqueda_tipo": "TN", "comprobante": {"tipo": "FACTURA B", "numero_desde": 10, "numero_hasta": 2000}}
    answer, commands = work(r, lambda: consulta_avanzada.as_operator(r, pdv, {**by_number, "limite": 1}))
    assert answer["total"] == 1991 and [c["comprobante"]["numero"] for c in answer["comprobantes"]] == [2000]
    assert read_whole(commands) == 1 and sum(commands.values()) < 20, commands
    last = consulta_avanzada.as_operator(r, pdv, {**by_number, "pagina": 199, "limite": 10})
    assert [c["comprobante"]["numero"] for c in last["comprobantes"]] == [10]


def test_the_queue_and_todays_emissions_read_one_page_of_thousands(r):
    pdv = new_pdv(r)
    emit(r, accept(r, pdv, [(f"e-{n}", 0, "FACTURA B") for n in range(MANY)]))
    accept(r, pdv, [(f"q-{n}", 1 + n % 20, "FACTURA B") for n in range(MANY)])

    (total, page), commands = work(r, lambda: queue_page(r, pdv.id, limite=1))
    assert total == MANY and [record.external_reference for record in page] == ["q-0"]
    assert read_whole(commands) == 1 and sum(commands.values()) < FEW_COMMANDS, commands

    (total, page), commands = work(r, lambda: emitted_since(r, pdv.id, clock.start_of_day_ar(clock.today_ar()),
                                                            limite=1))
    assert total == MANY and [record.external_reference for record in page] == [f"e-{MANY - 1}"]
    assert read_whole(commands) == 1 and sum(commands.values()) < 20, commands


def test_the_queue_pages_in_queue_order_through_every_change(r):
    """States, tipos, new dates and deletions keep the indices in step: each page is the whole queue,
    sorted by (fecha, arrival) and filtered in Python, cut at the same place."""
    chance = random.Random(17)
    pdv = new_pdv(r)
    store = Store(r)
    records = accept(r, pdv, [(f"m-{n}", chance.randint(0, 9), chance.choice(["FACTURA B", "FACTURA A"]))
                              for n in range(300)])
    emit(r, records[:40])
    store.transition([record.id for record in records[40:80]], outcomes.claim("batch-2"))
    store.transition([record.id for record in records[80:130]],
                     outcomes.failed(None, {record.id: ["rechazado"] for record in records[80:130]}))
    for record in records[100:160:3]:  # some in error, some queued: both may change date
        new_fecha = clock.today_ar() + timedelta(days=chance.randint(0, 9))
        checked = check_item(body(record.external_reference, new_fecha, record.tipo, pdv), pdv, today=clock.today_ar())
        assert store.transition([record.id], change_date(checked.accepted))
    store.transition([record.id for record in records[200:230]], eliminate())

    everything = sorted(store.get_many([record.id for record in records]), key=lambda rec: (rec.fecha, rec.seq))
    today = clock.today_ar()
    for states, desde, hasta, tipo in [
        (("encolado", "procesando", "error"), None, None, None),
        (("encolado", "error"), today + timedelta(days=2), today + timedelta(days=6), None),
        (("error",), None, today + timedelta(days=4), "FACTURA A"),
        (("encolado", "procesando", "error"), today + timedelta(days=5), None, "FACTURA B"),
    ]:
        wanted = [rec.id for rec in everything if rec.state in states and (desde is None or rec.fecha >= desde)
                  and (hasta is None or rec.fecha <= hasta) and (tipo is None or rec.tipo == tipo)]
        for pagina, limite in ((0, 7), (3, 7), (1, 1000), (0, 1000)):
            total, page = queue_page(r, pdv.id, states=states, desde=desde, hasta=hasta, pagina=pagina,
                                     limite=limite, cbte_tipo=TIPOS[tipo].cbte_tipo if tipo else None)
            assert total == len(wanted)
            assert [rec.id for rec in page] == wanted[pagina * limite:(pagina + 1) * limite], (states, pagina)


def test_the_hook_log_filtered_by_state_reads_only_hooks_in_that_state(r):
    pdv = new_pdv(r)
    failing = build_event(pdv_id=pdv.id, evento="encolado", external_reference="failing", intento=1, msg=[])
    pipe = r.pipeline()
    outbox.stage(pipe, failing)
    pipe.execute()
    endpoints.disable(r, pdv.id, "prueba")
    hook = {"id": failing.hook_id, **r.hgetall(outbox.hook_key(failing.hook_id))}
    assert delivery.attempt(r, hook, oid=origin_id(pdv.webhook_url)) == "fallido"
    for start in range(0, MANY, 500):
        pipe = r.pipeline()
        for n in range(start, start + 500):
            outbox.stage(pipe, build_event(pdv_id=pdv.id, evento="encolado", external_reference=f"h-{n}",
                                           intento=1, msg=[]))
        pipe.execute()
    assert endpoints.read(r, pdv.id).disabled_at

    found, commands = work(r, lambda: hook_log.hooks_for_pdv(r, pdv.id, state="fallido", limit=1))
    assert [entry.hook_id for entry in found] == [failing.hook_id]
    assert read_whole(commands) == 1 and sum(commands.values()) < 20, commands

    latest, commands = work(r, lambda: hook_log.hooks_for_pdv(r, pdv.id, state="pendiente", limit=3))
    assert len(latest) == 3 and {entry.state for entry in latest} == {"pendiente"}
    assert read_whole(commands) == 3 and sum(commands.values()) < 20, commands


def test_the_hook_log_of_every_state_merges_their_indices_as_one_index_of_them_all_would_list(r):
    """Without a state the log is the union of the states' indices (each hook is in one): newest first by
    creation, then by id (several hooks per millisecond here), the same `since` and `limit` as one index of
    every hook gave, reading `limit` of each state's index."""
    pdv = new_pdv(r)
    states = random.Random(19)
    start = clock.timestamp() - 3600
    events = []
    for n in range(MANY):
        hook_id = new_hook_id(start + (n // 3) / 1000)
        events.append(Event(hook_id, pdv.id, "encolado", f"m-{n}", "", created_from_id(hook_id), 1))
    state_of = {event.hook_id: states.choice(outbox.STATES) for event in events}
    for first in range(0, MANY, 500):
        pipe = r.pipeline()
        outbox.stage_many(pipe, events[first:first + 500])
        for event in events[first:first + 500]:
            if (state := state_of[event.hook_id]) != "pendiente":  # as delivery moves a finished hook
                pipe.zrem(outbox.pdv_state_hooks_key(pdv.id, "pendiente"), event.hook_id)
                pipe.zadd(outbox.pdv_state_hooks_key(pdv.id, state), {event.hook_id: event.created})
                pipe.hset(outbox.hook_key(event.hook_id), "state", state)
        pipe.execute()
    newest = sorted(events, key=lambda event: (event.created, event.hook_id), reverse=True)

    for limit, since in ((1, None), (7, None), (600, None), (MANY + 10, None), (50, newest[100].created),
                         (1000, newest[40].created), (10, newest[0].created + 1)):
        listed = hook_log.hooks_for_pdv(r, pdv.id, since=since, limit=limit)
        expected = [e.hook_id for e in newest if since is None or e.created >= since][:limit]
        assert [entry.hook_id for entry in listed] == expected, (limit, since)
        assert all(entry.state == state_of[entry.hook_id] for entry in listed)

    latest, commands = work(r, lambda: hook_log.hooks_for_pdv(r, pdv.id, limit=3))
    assert [entry.hook_id for entry in latest] == [e.hook_id for e in newest[:3]]
    assert read_whole(commands) == 3 and sum(commands.values()) < 20, commands


def test_accepting_a_batch_reads_back_none_of_the_hooks_it_wrote(r):
    pdv = new_pdv(r)
    today = clock.today_ar()
    items = [(check_item(body(f"h-{n}", today + timedelta(days=3), "FACTURA B", pdv), pdv, today=today).accepted, "")
             for n in range(100)]

    news, commands = work(r, lambda: Store(r).accept_many(pdv, items))

    assert len(news) == 100 and r.zcard(outbox.pdv_state_hooks_key(pdv.id, "pendiente")) == 100
    # Put in their origin's line by the transaction that wrote them, from the point of sale it was given:
    # nothing reads them back, nor the point of sale's webhook URL.
    assert (commands.get("hmget"), commands.get("hget"), commands.get("hgetall")) == (None, None, None)
    assert r.zcard(line_key(origin_id(pdv.webhook_url), pdv.id)) == 100
