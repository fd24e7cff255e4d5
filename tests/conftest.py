"""Test run set-up: a private redis-server for the whole run (its URL in this process's environment, where
the settings and the Celery app read it on first use), and the real stack on first use."""

from __future__ import annotations

import os
import time
import shutil
import tempfile
from pathlib import Path

import pytest
import redis

from devtools.local_redis import LocalRedis
from config.keys import key
from config.redis_client import get_redis
from config.settings import get_settings
from config.redis_target import with_db
from tests.support.stack import Stack, stack_environment

_run: dict = {}


def pytest_configure(config):
    base = Path(tempfile.mkdtemp(prefix="encola-tests-"))
    redis = LocalRedis(str(base / "redis"), appendonly=False)
    env = stack_environment(redis.start())
    os.environ.update({k: v for k, v in env.items() if k.startswith("ENCOLA_")})
    _run.update(base=base, redis=redis, env=env)


def pytest_collection_modifyitems(config, items):
    # The scenario that kills the run's Redis goes last, so that what a crash leaves behind (leases,
    # deliveries waiting for their two-minute second look) cannot slow the tests after it.
    items.sort(key=lambda item: "redis_server" in getattr(item, "fixturenames", ()))


def pytest_sessionfinish(session, exitstatus):
    _run["failed"] = exitstatus != 0


def pytest_unconfigure(config):
    _run["redis"].stop()
    if _run.get("failed"):
        print(f"\nlogs of the processes started by the tests: {_run['base']}")
    else:
        shutil.rmtree(_run["base"], ignore_errors=True)


@pytest.fixture(scope="session")
def stack():
    running = Stack(_run["base"], _run["env"])
    try:
        # Tests move the clock back and forth; AFIP's "already authenticated" window (tested on a
        # simulator of its own) would then hold logins for minutes, so this one has none.
        running.start_simulator("--already-authenticated-seconds", "0")
        running.start_worker("emision")
        running.start_worker("webhooks", concurrency=8)
        running.start_worker("correo")
        running.start_beat()
        yield running
    finally:
        running.stop()


@pytest.fixture
def pdv(stack):
    return stack.new_pdv()


@pytest.fixture
def faults(stack):
    """`faults(**changes)`: break the simulator on purpose; it is healed after the test."""
    yield stack.faults
    stack.faults(down=None, latency_ms=0, wsfe_error=None, dummy_not_ok=False, wsaa_down=False, drop_probability=0.0)


@pytest.fixture
def move_clock(stack):
    """`move_clock(epoch)`: make encola's and the simulator's clocks read `epoch` now; both are put back
    after the test."""
    yield lambda epoch: stack.set_clock(epoch - time.time())
    stack.set_clock(0)
    # A WSAA ticket issued while the clocks were moved is dated then, and WSFEv1 refuses it once they are
    # back: a later test whose own process calls AFIP would meet it (test_properties did, after
    # test_retention).
    redis_client = get_redis()
    for name in redis_client.scan_iter(key("wsaa", "ta", "*")):
        redis_client.delete(name)


@pytest.fixture
def redis_server() -> LocalRedis:
    """The run's redis-server itself, for the scenario that kills and restarts it."""
    return _run["redis"]


@pytest.fixture
def quiet_db():
    """A database of the run's Redis that no process of the stack works in, so what a test writes there
    stays as written: no beat sweeps it, no worker drains it."""
    quiet = redis.Redis.from_url(with_db(_run["env"]["ENCOLA_REDIS_URL"], 3), decode_responses=True)
    quiet.flushdb()
    yield quiet
    quiet.flushdb()


@pytest.fixture
def r():
    return get_redis()


@pytest.fixture
def environment(monkeypatch):
    """Change this process's variables within a test: `environment(NAME=value, OTHER=None)` sets or
    removes them and has the settings read again; after the test both are as they were."""
    def change(**variables):
        for name, value in variables.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield change
    monkeypatch.undo()
    get_settings.cache_clear()
