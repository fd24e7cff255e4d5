"""The process's Redis connection: one pool per process, shared by the store, the locks and the clock.

`ENCOLA_REDIS_URL` is a redis:// (or rediss://, unix://) URL, or a list of Sentinels as kombu writes it
(`sentinel://h1:26379;sentinel://h2:26379/0`) with ENCOLA_REDIS_SENTINEL_MASTER naming the master: the
client then asks the sentinels where the master is, and again after a failover.
"""

from __future__ import annotations

import os
import threading
from urllib.parse import urlsplit

import redis
from redis.sentinel import Sentinel

from config.settings import get_settings

_OPTIONS = {"socket_timeout": 10, "socket_connect_timeout": 5, "health_check_interval": 25, "retry_on_timeout": True}

_lock = threading.Lock()
_clients: dict[tuple[int, str], redis.Redis] = {}


def get_redis(url: str | None = None) -> redis.Redis:
    """A client with string replies; pools are per process because a forked pool must not be shared."""
    url = url or get_settings().require_redis_url()
    key = (os.getpid(), url)
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _connect(url)
                _clients[key] = client
    return client


def _connect(url: str) -> redis.Redis:
    if not url.startswith("sentinel://"):
        return redis.Redis.from_url(url, decode_responses=True, **_OPTIONS)
    parts = [urlsplit(part) for part in url.split(";")]
    db = int(parts[-1].path.strip("/") or 0)
    password = next((p.password for p in parts if p.password), None)
    sentinels = Sentinel([(p.hostname, p.port or 26379) for p in parts],
                         sentinel_kwargs={"socket_timeout": 5, "password": password},
                         socket_timeout=5)
    return sentinels.master_for(get_settings().redis_sentinel_master, db=db, password=password,
                                decode_responses=True, **_OPTIONS)
