"""Durability checked, not assumed: the verdict on Redis's persistence settings (read from a real
redis-server whose settings the tests change), and an emitter that, in production, sends nothing to
AFIP while Redis could lose the in-flight record."""

from __future__ import annotations

import logging
import subprocess

import pytest
import redis

from devtools.local_redis import LocalRedis
from comprobantes.store import Store, lane_key
from config import clock, durability
from config.settings import get_settings
from emission.emitter import LaneEmitter
from emission.schedule import inflight_key, lane_key_meta
from producers import enqueue
from tests.support.bodies import item
from tests.support.processes import REPO, encola
from tests.support.records import one, wait_all


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A redis-server of its own, started as LocalRedis starts every Redis encola runs for itself:
    AOF on, appendfsync everysec, noeviction."""
    local = LocalRedis(str(tmp_path_factory.mktemp("durability-redis")))
    local.start()
    yield local
    local.stop()


@pytest.fixture
def client(server):
    r = redis.Redis(port=server.port, decode_responses=True)
    settings = r.config_get("*")
    yield r
    for name in ("appendonly", "appendfsync", "maxmemory-policy"):
        r.config_set(name, settings[name])


def test_everysec_without_waitaof_is_not_durable_and_says_why(client):
    verdict = durability.assess(client)
    assert verdict.version == client.info("server")["redis_version"]
    assert verdict.settings == {"appendonly": "yes", "appendfsync": "everysec", "maxmemory-policy": "noeviction"}
    if durability.waitaof_available(verdict.version):
        assert verdict.durable and verdict.waitaof
    else:
        assert not verdict.durable and not verdict.waitaof
        assert verdict.reasons == (
            f"appendfsync is everysec and Redis {verdict.version} has no WAITAOF (7.2 and later): a power cut, or a "
            "crash of Redis while its fsync runs, can lose about the last second of acknowledged writes, an in-flight "
            "record among them",)


def test_appendfsync_always_with_noeviction_is_durable(client):
    client.config_set("appendfsync", "always")
    verdict = durability.assess(client)
    assert verdict.durable and verdict.reasons == ()
    assert "durable (Redis" in verdict.summary() and "appendfsync always" in verdict.summary()


@pytest.mark.parametrize("name,value,reason", [
    ("appendonly", "no", "appendonly is no: a restart of Redis loses every write since the last snapshot"),
    ("appendfsync", "no", "appendfsync is no: the kernel decides when the AOF reaches the disk"),
    ("maxmemory-policy", "allkeys-lru", "maxmemory-policy is allkeys-lru: under memory pressure Redis deletes keys"),
])
def test_each_setting_that_can_lose_a_write_is_named(client, name, value, reason):
    client.config_set("appendfsync", "always")
    client.config_set(name, value)
    verdict = durability.assess(client)
    assert not verdict.durable
    assert len(verdict.reasons) == 1 and verdict.reasons[0].startswith(reason)
    assert reason in verdict.summary()


def test_a_redis_that_refuses_config_cannot_be_verified(client, server):
    client.acl_setuser("no-config", enabled=True, passwords=["+secret"], keys=["*"], commands=["+@all", "-config"])
    try:
        blind = redis.Redis(port=server.port, username="no-config", password="secret", decode_responses=True)
        verdict = durability.assess(blind)
    finally:
        client.acl_deluser("no-config")
    assert not verdict.durable and verdict.settings == {}
    assert "cannot verify" in verdict.reasons[0] and "CONFIG GET is refused" in verdict.reasons[0]


def test_the_verdict_is_read_once_per_period_and_again_after_forget(client):
    client.config_set("appendfsync", "always")
    assert durability.verdict(client).durable
    client.config_set("maxmemory-policy", "allkeys-lru")
    assert durability.verdict(client).durable, "read again within the cache period"
    durability.forget(client)
    assert not durability.verdict(client).durable
    durability.forget(client)


@pytest.mark.parametrize("version,available", [("7.0.15", False), ("7.2.0", True), ("7.2.4", True),
                                               ("8.0.2", True), ("6.2.14", False), ("", False)])
def test_waitaof_is_used_from_redis_7_2(version, available):
    assert durability.waitaof_available(version) is available


def test_a_write_is_not_confirmed_by_a_redis_without_waitaof(client):
    if durability.waitaof_available(client.info("server")["redis_version"]):
        client.config_set("appendfsync", "always")
        assert durability.write_confirmed(client, "encola:test:confirmed", "f", "v")
    else:
        assert not durability.write_confirmed(client, "encola:test:confirmed", "f", "v")
    assert client.hget("encola:test:confirmed", "f") == "v"


# The emitter under production's rules, against the run's Redis (appendonly no: not durable)


@pytest.fixture
def emission_paused(stack):
    """No worker drains lanes (the session's emission worker stops consuming): only the emitter the
    test builds touches its lane."""
    worker = stack.worker("emision1")
    stack.set_consuming(worker, "emision", False)
    yield
    stack.set_consuming(worker, "emision", True)


def production_emitter(r, lane: str, monkeypatch, **options) -> LaneEmitter:
    """An emitter built under ENCOLA_ENV=production; the rest of this process stays in development, so
    its AFIP client still speaks to the simulator."""
    with monkeypatch.context() as env:
        env.setenv("ENCOLA_ENV", "production")
        env.setenv("ENCOLA_AFIP", "homologacion")
        get_settings.cache_clear()
        emitter = LaneEmitter(r, lane, **options)
    get_settings.cache_clear()
    assert emitter.settings.env == "production" and get_settings().development
    return emitter


def refusals(r, reason: str) -> int:
    return int(r.hget("encola:metrics:counters", f"encola_emission_refusals|reason={reason}") or 0)


def submitted(stack, refs) -> tuple[object, str]:
    pdv = stack.new_pdv()
    for ref in refs:
        assert enqueue(pdv.body(item(ref, clock.today_ar(), pto_vta=pdv.pdv.pto_vta)))["error"] == "N"
    return pdv, lane_key(pdv.pdv.cuit, pdv.pdv.pto_vta, 6)


def at_afip(stack, pdv) -> list:
    return [row for row in stack.authorised() if row[:2] == (pdv.pdv.cuit, pdv.pdv.pto_vta)]


def test_production_refuses_to_emit_when_redis_could_lose_the_in_flight_record(stack, r, emission_paused,
                                                                              monkeypatch, caplog):
    refs = ["nd-1", "nd-2"]
    pdv, lane = submitted(stack, refs)
    before = refusals(r, "not_durable")

    with caplog.at_level(logging.ERROR, logger="encola.emission"):
        assert production_emitter(r, lane, monkeypatch).drain() == "done"

    assert at_afip(stack, pdv) == []
    records = [one(r, pdv, ref) for ref in refs]
    assert [(rec.state, rec.attempts) for rec in records] == [("encolado", 0)] * 2
    assert [entry["estado"] for entry in Store(r).audit(records[0].id)] == ["encolado"], "claimed although refused"
    assert refusals(r, "not_durable") == before + 1
    assert float(r.hget(lane_key_meta(lane), "retry_at")) > clock.timestamp() + durability.CACHE_SECONDS - 5
    logged = [rec.getMessage() for rec in caplog.records if "not emitting" in rec.getMessage()]
    assert logged and "appendonly is no" in logged[0] and "ENCOLA_REDIS_DURABILITY=accept-risk" in logged[0]

    # the operator's view under the same settings: status says emission is refused, and fails
    env = {**stack.env, "ENCOLA_ENV": "production", "ENCOLA_AFIP": "homologacion",
           "ENCOLA_AFIP_WSAA_URL": get_settings().wsaa_url, "ENCOLA_AFIP_WSFE_URL": get_settings().wsfe_url}
    status = subprocess.run(encola("status"), cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert status.returncode == 1, status.stdout + status.stderr
    assert "Redis: NOT durable" in status.stdout and "Emission is refused in production" in status.stdout

    # with the risk accepted it emits, and says so once per process (as development does)
    monkeypatch.setenv("ENCOLA_REDIS_DURABILITY", "accept-risk")
    accepting = production_emitter(r, lane, monkeypatch)
    monkeypatch.delenv("ENCOLA_REDIS_DURABILITY")
    r.hset(lane_key_meta(lane), "retry_at", 0)
    durability._warned.clear()  # what earlier tests in this process were already warned about
    with caplog.at_level(logging.WARNING, logger="encola.durability"):
        assert accepting.drain() == "done"
        assert LaneEmitter(r, lane).drain() == "done"
    assert len(wait_all(r, pdv, refs)) == 2 and len(at_afip(stack, pdv)) == 2
    warnings = [rec.getMessage() for rec in caplog.records if rec.name == "encola.durability"]
    assert len(warnings) == 1 and "Emitting anyway: ENCOLA_REDIS_DURABILITY=accept-risk" in warnings[0]


def test_an_in_flight_record_redis_does_not_confirm_is_never_sent(stack, r, emission_paused, monkeypatch):
    """The WAITAOF path, with the verdict a Redis 7.2 master with appendfsync everysec gives, against
    the run's Redis, which cannot confirm: the batch is released unsent and the lane waits."""
    claimed_72 = durability.Verdict(True, (), "7.2.0", True, {"appendonly": "yes", "appendfsync": "everysec",
                                                              "maxmemory-policy": "noeviction"})
    pdv, lane = submitted(stack, ["unconfirmed"])
    before = refusals(r, "unconfirmed")

    assert production_emitter(r, lane, monkeypatch, verdict_of=lambda _: claimed_72).drain() == "done"

    assert at_afip(stack, pdv) == []
    record = one(r, pdv, "unconfirmed")
    assert (record.state, record.attempts) == ("encolado", 0)
    assert [entry.get("motivo") for entry in Store(r).audit(record.id)][-1].startswith("Redis no confirmó")
    assert r.hlen(inflight_key(lane)) == 0
    assert refusals(r, "unconfirmed") == before + 1
    assert float(r.hget(lane_key_meta(lane), "retry_at")) > clock.timestamp() + durability.CACHE_SECONDS - 5
