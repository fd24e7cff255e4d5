"""A Redis Sentinel for tests: redis-server in sentinel mode watching a private master (LocalRedis) as
"encola", over TLS and with passwords when the master has them."""

from __future__ import annotations

import subprocess
from contextlib import contextmanager
from pathlib import Path

import redis

from devtools.local_redis import LocalRedis, free_port, redis_server_binary
from tests.support.processes import wait_until

MASTER_NAME = "encola"


@contextmanager
def sentinel_watching(master: LocalRedis, directory: Path, password: str | None = None):
    """Runs a Sentinel, answering, for the body of the `with`; yields its port. With a TLS master it
    listens for TLS only, with the master's certificates, and reaches the master over TLS; `password` is
    the Sentinel's own (requirepass)."""
    port = free_port()
    lines = ["bind 127.0.0.1", f"dir {directory}"]
    tls = {}
    if master.tls_dir is None:
        lines.append(f"port {port}")
    else:
        args = master.tls_server_args()
        lines += ["port 0", f"tls-port {port}", "tls-replication yes",
                  *(f"{name.removeprefix('--')} {value}" for name, value in zip(args[::2], args[1::2]))]
        tls = {"ssl": True, **master.tls_options()}
    if password:
        lines.append(f"requirepass {password}")
    lines.append(f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master.port} 1")
    if master.password:
        lines.append(f"sentinel auth-pass {MASTER_NAME} {master.password}")
    conf = directory / "sentinel.conf"
    conf.write_text("\n".join(lines) + "\n")
    process = subprocess.Popen([redis_server_binary(), str(conf), "--sentinel"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        probe = redis.Redis("127.0.0.1", port, password=password, socket_connect_timeout=1, **tls)
        wait_until(lambda: answers(probe), message="the sentinel to answer")
        yield port
    finally:
        process.terminate()
        process.wait()


def answers(client) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False
