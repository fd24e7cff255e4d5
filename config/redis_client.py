"""The process's Redis connection: one pool per process, shared by the store, the locks, the clock and
beat's scheduler (RedBeat).

`ENCOLA_REDIS_URL` is a redis://, rediss:// (TLS) or unix:// URL, or a list of Sentinels as kombu writes
it (`sentinel://h1:26379;sentinel://h2:26379/0`) with ENCOLA_REDIS_SENTINEL_MASTER naming the master:
the client then asks the sentinels where the master is, and again after a failover. config.redis_target
reads the URL's passwords and TLS options.
"""

from __future__ import annotations

import os
import threading

import redis
from redis.sentinel import Sentinel

from config.redis_target import parse
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
        # redis-py reads rediss://'s ssl_* parameters itself, and verifies the server by default.
        return redis.Redis.from_url(url, decode_responses=True, **_OPTIONS)
    settings = get_settings()
    target = parse(url, settings.redis_sentinel_password)
    sentinels = Sentinel(list(target.sentinels), sentinel_kwargs={"socket_timeout": 5, **target.sentinel_kwargs()},
                         socket_timeout=5)
    return sentinels.master_for(settings.redis_sentinel_master, db=target.db, username=target.master_username,
                                password=target.master_password, decode_responses=True, **target.connection_tls(),
                                **_OPTIONS)
