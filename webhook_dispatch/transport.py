"""The HTTP client of webhook deliveries: requests, with the guards a service that POSTs to URLs its
clients choose needs.

- The connection goes only to an address checked by addresses.py, resolved once for that very
  connection: DNS cannot answer one thing to the check and another to the connect (rebinding).
- No redirects; no proxy, .netrc or other settings taken from the environment.
- Connect and read timeouts, plus a deadline for the whole attempt (connect + read timeout): the read
  timeout only bounds each wait for bytes, so a receiver that dribbles its answer a byte at a time
  would otherwise hold a worker thread for as long as it liked.
- Only the first 2 KB of the answer are read and kept.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection

from webhook_dispatch.addresses import RefusedAddress, checked_addresses

RESPONSE_KEPT_BYTES = 2048


@dataclass(frozen=True)
class Answer:
    """What one POST got: a status (None when no answer came), the answer's first 2 KB, the seconds of
    its Retry-After, and an error text when something went wrong."""

    status: int | None
    excerpt: str
    retry_after: float | None
    error: str
    duration_ms: int


class _Deadline:
    """Shuts the connections an attempt uses when its time is up, from a timer thread."""

    _current = threading.local()

    def __init__(self, seconds: float):
        self.connections: list[HTTPConnection] = []
        self.expired = False
        self._finished = False
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True

    def __enter__(self) -> "_Deadline":
        _Deadline._current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._finished = True
        self._timer.cancel()
        _Deadline._current.deadline = None

    @classmethod
    def watch(cls, conn: HTTPConnection) -> None:
        deadline = getattr(cls._current, "deadline", None)
        if deadline is not None:
            deadline.connections.append(conn)

    def _cut(self) -> None:
        with self._lock:
            if self._finished:
                return
            self.expired = True
        for conn in self.connections:
            sock = conn.sock
            if sock is not None:
                try:
                    # The plain socket's shutdown, also under TLS: it wakes the reading thread at once.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass


class _GuardedConnection:
    """Mixed into urllib3's connections: connects only to checked addresses, and is watched by the
    attempt's deadline."""

    allow_private: bool
    resolve = staticmethod(socket.getaddrinfo)

    def _new_conn(self) -> socket.socket:
        try:
            addresses = checked_addresses(self._dns_host, self.port, allow_private=self.allow_private,
                                          resolve=self.resolve)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        error: OSError | None = None
        for _family, sockaddr in addresses:
            try:
                return connection.create_connection(
                    (sockaddr[0], self.port), self.timeout,
                    source_address=self.source_address, socket_options=self.socket_options,
                )
            except OSError as exc:
                error = exc
        if isinstance(error, TimeoutError):
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})")
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}")

    def request(self, *args, **kwargs):
        _Deadline.watch(self)
        return super().request(*args, **kwargs)


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, *, allow_private: bool, resolve):
        attributes = {"allow_private": allow_private, "resolve": staticmethod(resolve)}
        http = type("GuardedHTTPConnection", (_GuardedConnection, HTTPConnection), attributes)
        https = type("GuardedHTTPSConnection", (_GuardedConnection, HTTPSConnection), attributes)
        self._pools = {
            "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
            "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
        }
        super().__init__(pool_connections=64, pool_maxsize=16)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pools


class WebhookClient:
    """One per process; safe to share between a worker's threads."""

    def __init__(self, *, allow_private: bool, connect_timeout: float, read_timeout: float,
                 resolve=socket.getaddrinfo):
        self.timeouts = (connect_timeout, read_timeout)
        self.session = requests.Session()
        self.session.trust_env = False
        adapter = _GuardedAdapter(allow_private=allow_private, resolve=resolve)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        started = time.monotonic()
        status, excerpt, retry_after, error = None, "", None, ""
        with _Deadline(sum(self.timeouts)) as deadline:
            try:
                response = self.session.post(url, data=body, headers=headers, timeout=self.timeouts,
                                             allow_redirects=False, stream=True)
                status = response.status_code
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                if response.is_redirect:
                    error = f"redirect to {response.headers.get('Location', '?')} not followed"
                try:
                    excerpt = response.raw.read(RESPONSE_KEPT_BYTES, decode_content=True).decode("utf-8", "replace")
                finally:
                    response.close()
            except RefusedAddress as exc:
                error = f"refused: {exc}"
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
                error = f"{type(exc).__name__}: {exc}"
        if deadline.expired:
            # Whatever was read before the cut may be a truncated answer: no answer at all.
            status, retry_after = None, None
            error = f"no complete answer within {sum(self.timeouts):g} s; connection closed"
        return Answer(status, excerpt, retry_after, error, int((time.monotonic() - started) * 1000))


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date (RFC 9110); None if absent or
    unreadable. Dates are compared with the real clock, as the receiver wrote them."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
