"""The process's Redis connection: one pool per process, shared by the store, the locks and the clock."""

from __future__ import annotations

import os
import threading

import redis

from config.settings import get_settings

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
                client = redis.Redis.from_url(
                    url,
                    decode_responses=True,
                    socket_timeout=10,
                    socket_connect_timeout=5,
                    health_check_interval=25,
                    retry_on_timeout=True,
                )
                _clients[key] = client
    return client
