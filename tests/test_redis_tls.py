"""Redis over TLS with a password: a TLS-only redis-server requiring client certificates, and the real
processes (web, the Procfile's workers and beat, Flower, `encola status`) working through it; Sentinel
with TLS and passwords; and production's warning when Redis has neither."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest
import redis
import requests

from devtools.development import create_development_pdv
from devtools.local_redis import LocalRedis, free_port
from config import clock
from config.liveness import BEAT_LOCK_KEY
from config.redis_client import get_redis
from config.redis_target import RedisUrlError, parse, warn_if_unprotected, with_db
from config.settings import load_settings
from tests.support.bodies import item
from tests.support.processes import REPO, Child, procfile_args, wait_http, wait_until, with_venv_path
from tests.support.records import wait_state
from tests.support.sentinel import MASTER_NAME, sentinel_watching
from tests.support.stack import Stack, stack_environment
from tests.support.web import Web

PASSWORD = "redis-password-for-tests"


# Reading ENCOLA_REDIS_URL

def test_a_rediss_url_verifies_the_server_unless_it_says_otherwise():
    bare = parse("rediss://:pw@redis.example:6380/2")
    assert bare.tls == {"ssl_cert_reqs": "required"} and bare.password and not bare.unprotected
    # kombu would not verify a bare rediss:// server: Celery's URL spells it out.
    assert bare.broker_url == "rediss://:pw@redis.example:6380/2?ssl_cert_reqs=required"
    full = parse("rediss://redis.example:6380/0?ssl_ca_certs=/etc/ca.pem&ssl_certfile=/etc/c.pem"
                 "&ssl_keyfile=/etc/k.pem&ssl_cert_reqs=optional&ssl_check_hostname=false")
    assert full.tls == {"ssl_ca_certs": "/etc/ca.pem", "ssl_certfile": "/etc/c.pem", "ssl_keyfile": "/etc/k.pem",
                        "ssl_cert_reqs": "optional", "ssl_check_hostname": False}
    assert full.broker_url == ("rediss://redis.example:6380/0?ssl_ca_certs=/etc/ca.pem&ssl_certfile=/etc/c.pem"
                               "&ssl_keyfile=/etc/k.pem&ssl_cert_reqs=optional&ssl_check_hostname=false")
    assert not full.unprotected


def test_another_database_keeps_the_tls_options():
    url = "rediss://:pw@h:6380/0?ssl_ca_certs=/etc/a/ca.pem"
    assert with_db(url, 3) == "rediss://:pw@h:6380/3?ssl_ca_certs=/etc/a/ca.pem"


@pytest.mark.parametrize("url, message", [
    ("redis://h:6379/0?ssl_ca_certs=/ca.pem", "write rediss://"),
    ("rediss://h:6379/0?ssl_cert_reqs=maybe", "required, optional or none"),
    ("rediss://h:6379/0?ssl_ca_cert=/ca.pem", "unknown TLS parameters ssl_ca_cert"),
    ("http://h:6379/0", "must start with redis://"),
    ("sentinel://h1:26379;sentinel://h2:26379/x", "must be a number"),
])
def test_a_url_that_cannot_be_used_as_written_is_explained(url, message):
    with pytest.raises(RedisUrlError, match=message):
        parse(url)


def test_sentinels_with_tls_and_passwords():
    target = parse("sentinel://:master%40pw@s1:26380;sentinel://s2/3?ssl_ca_certs=/etc/ca.pem", "sentinel-pw")
    assert target.sentinels == (("s1", 26380), ("s2", 26379)) and target.db == 3
    assert target.master_password == "master@pw" and not target.unprotected
    assert target.connection_tls() == {"ssl": True, "ssl_ca_certs": "/etc/ca.pem", "ssl_cert_reqs": "required"}
    assert target.sentinel_kwargs() == {"password": "sentinel-pw", **target.connection_tls()}
    # kombu reads the password and the database from the first Sentinel's part only.
    assert target.broker_url == "sentinel://:master%40pw@s1:26380/3;sentinel://:master%40pw@s2:26379/3"
    assert parse("sentinel://s1:26379/0").unprotected
    user = parse("sentinel://s1;sentinel://encola:pw@s2/1")
    assert (user.master_username, user.master_password) == ("encola", "pw")
    assert user.broker_url == "sentinel://encola:pw@s1:26379/1;sentinel://encola:pw@s2:26379/1"


@pytest.mark.parametrize("url, unprotected", [
    ("redis://127.0.0.1:6379/0", True), ("redis://:pw@127.0.0.1:6379/0", False),
    ("redis://user:pw@127.0.0.1:6379/0", False), ("rediss://127.0.0.1:6380/0", False),
    ("unix:///run/redis.sock", False),
])
def test_production_warns_once_when_redis_has_neither_password_nor_tls(monkeypatch, caplog, url, unprotected):
    monkeypatch.setenv("ENCOLA_REDIS_URL", url)
    monkeypatch.setenv("ENCOLA_ENV", "production")
    monkeypatch.setenv("ENCOLA_AFIP", "homologacion")
    production = load_settings()
    monkeypatch.setenv("ENCOLA_ENV", "development")
    monkeypatch.setenv("ENCOLA_AFIP", "simulador")
    development = load_settings()
    with caplog.at_level(logging.WARNING, logger="encola.redis"):
        said = [warn_if_unprotected(development), warn_if_unprotected(production), warn_if_unprotected(production)]
    assert said == [False, unprotected, False]
    assert len(caplog.records) == int(unprotected)


def test_every_production_process_warns_at_start_about_an_unprotected_redis(tmp_path):
    """beat and a worker (Celery's logging), Flower (its own, tornado's) and web each say it once, as a
    WARNING line of their logs."""
    plain = LocalRedis(str(tmp_path / "redis"), appendonly=False)
    env = with_venv_path({**os.environ, "ENCOLA_REDIS_URL": plain.start(), "ENCOLA_ENV": "production",
                          "ENCOLA_AFIP": "homologacion", "ENCOLA_WEB_SECRET": "w" * 32,
                          "ENCOLA_METRICS_TOKEN": "m" * 32, "FLOWER_BASIC_AUTH": "operador:clave-de-flower",
                          "ENCOLA_PUBLIC_URL": "https://facturas.example.com",
                          "PORT": str(free_port()), "FLOWER_PORT": str(free_port())})
    children = [Child(name, procfile_args(name), env, tmp_path) for name in ("beat", "webhooks", "flower", "web")]
    try:
        def warned(child: Child) -> bool:
            return "neither a password nor TLS" in child.log_path.read_text(errors="replace")

        for child in children:
            wait_until(lambda: warned(child), timeout=60, interval=0.5, message=f"{child.name}'s warning")
        wait_http(f"http://127.0.0.1:{env['PORT']}/health", child=children[-1])
        for child in children:
            log = child.log_path.read_text().splitlines()
            lines = [line for line in log if "neither a password nor TLS" in line]
            level = lines[0][:3] == "[W " if child.name == "flower" else json.loads(lines[0])["level"] == "WARNING"
            assert len(lines) == 1 and level, (child.name, lines)
    finally:
        for child in children:
            child.stop()
        plain.stop()


# The real processes over TLS

@pytest.fixture(scope="module")
def tls_stack(tmp_path_factory):
    base = tmp_path_factory.mktemp("redis-tls")
    server = LocalRedis(str(base / "redis"), appendonly=False, tls=True, password=PASSWORD)
    url = server.start()
    stack = Stack(base, stack_environment(url))
    web = None
    try:
        stack.start_simulator()
        for name in ("emision", "webhooks", "beat"):
            stack.spawn(name, procfile_args(name), env=with_venv_path(stack.env))
        web = Web("web-tls", stack.env, base)
        yield stack, server, web
    finally:
        if web is not None:
            web.stop()
        stack.stop()
        server.stop()


def test_the_redis_server_refuses_plain_connections_and_wrong_passwords(tls_stack):
    _, server, _ = tls_stack
    with pytest.raises(redis.ConnectionError):
        redis.Redis(port=server.port, socket_connect_timeout=2).ping()
    with pytest.raises(redis.AuthenticationError):
        redis.Redis.from_url(server.url.replace(PASSWORD, "wrong")).ping()
    with pytest.raises(redis.ConnectionError):  # no client certificate
        redis.Redis.from_url(server.url.split("&ssl_certfile")[0]).ping()


def test_a_comprobante_goes_through_web_workers_and_beat_over_tls(tls_stack):
    """The app's client writes and reads, web publishes and the Procfile's workers consume over the TLS
    broker, beat (RedBeat) holds its lock there, and the webhook arrives."""
    stack, server, web = tls_stack
    r = get_redis(server.url)
    r.set("tls-probe", "escrito")
    assert r.get("tls-probe") == "escrito"
    pdv, credentials = create_development_pdv(r, cert=stack.cert, webhook_url=stack.receiver.base_url + "/hooks/tls",
                                              pto_vta=7)
    answer = web.call("facturacion/nuevo_encola", {**credentials, **item("tls-1", clock.today_ar(), pto_vta=7)})
    assert answer["error"] == "N", answer
    wait_state(r, pdv, "tls-1", "emitido", timeout=60)
    wait_until(lambda: stack.receiver.received("/hooks/tls"), timeout=60, message="the webhook over TLS")
    assert r.get(BEAT_LOCK_KEY), "beat holds no lock in the TLS Redis"


def _flower_shows_the_queues(env: dict[str, str], log_dir) -> bool:
    """Whether Flower's broker view lists the queues: it opens a Redis connection of its own
    (flower.utils.broker) from broker_use_ssl and the transport options; when that fails the page still
    answers 200, with an error in place of the queues."""
    port = free_port()
    flower = Child("flower", procfile_args("flower"), with_venv_path({**env, "FLOWER_PORT": str(port)}), log_dir)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthcheck", child=flower, timeout=60)
        broker = requests.get(f"http://127.0.0.1:{port}/broker", timeout=10)
        return broker.status_code == 200 and "emision" in broker.text
    finally:
        flower.stop()


def test_flower_and_status_work_over_tls(tls_stack):
    stack, _, _ = tls_stack
    assert _flower_shows_the_queues(stack.env, stack.base_dir)
    status = subprocess.run([sys.executable, "-m", "cli.main", "status", "--json"], cwd=REPO, env=stack.env,
                            capture_output=True, text=True, timeout=60)
    shown = json.loads(status.stdout)
    assert shown["redis_connection"] == {"tls": True, "password": True, "sentinel": False, "unprotected": False,
                                         "warning": False}, status.stderr


# Sentinel with TLS and passwords

def test_sentinel_with_tls_and_passwords(tmp_path):
    """A TLS-only master with a password, watched by a TLS-only Sentinel with a password of its own:
    the app's client and Celery's broker find the master through it and work there."""
    master = LocalRedis(str(tmp_path / "master"), appendonly=False, tls=True, password=PASSWORD)
    master.start()
    query = "&".join(f"{k}={v}" for k, v in master.tls_options().items())
    probe = """
from config.celery_app import app
from config.redis_client import get_redis

r = get_redis()
r.set("through-sentinel", "si")
with app.connection_for_write() as conn:
    queue = conn.SimpleQueue("tls-sentinel-probe")
    queue.put({"hola": "mundo"})
    print(r.get("through-sentinel"), queue.get(timeout=10).payload)
    queue.close()
"""
    try:
        with sentinel_watching(master, tmp_path, password="sentinel-password") as port:
            with pytest.raises(redis.ConnectionError):
                redis.Redis("127.0.0.1", port, socket_connect_timeout=1).ping()
            with pytest.raises(redis.AuthenticationError):
                redis.Redis("127.0.0.1", port, password="wrong", ssl=True, **master.tls_options()).ping()
            env = {**os.environ, "ENCOLA_REDIS_URL": f"sentinel://:{PASSWORD}@127.0.0.1:{port}/2?{query}",
                   "ENCOLA_REDIS_SENTINEL_MASTER": MASTER_NAME, "ENCOLA_REDIS_SENTINEL_PASSWORD": "sentinel-password"}
            result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True,
                                    text=True, timeout=60)
            assert result.stdout.strip() == "si {'hola': 'mundo'}", result.stderr
            assert _flower_shows_the_queues(env, tmp_path)
        assert redis.Redis.from_url(with_db(master.url, 2)).get("through-sentinel") == b"si"
    finally:
        master.stop()
