"""The HTTP client of webhook deliveries: urllib3's connection pools (kept-alive connections per origin),
with the guards a service that POSTs to URLs its clients choose needs. urllib3 directly rather than
requests over it: requests' per-call preparation (merging session settings, hooks, cookies) cost about
as much worker CPU as the rest of the POST.

- The connection goes only to an address checked by addresses.py, resolved once for that very
  connection: DNS cannot answer one thing to the check and another to the connect (rebinding).
- No redirects; no proxy, .netrc or other settings taken from the environment.
- Connect and read timeouts, plus a deadline for the whole attempt (connect + read timeout): the read
  timeout only bounds each wait for bytes, so a receiver that dribbles its answer a byte at a time
  would otherwise hold a worker thread for as long as it liked.
- The answer's body is never stored nor shown to the client, who chose the URL and could point it at
  an internal service to read its answers: an attempt keeps its status, its length and its timing, and
  only the operator's log gets a short excerpt. Errors are described in our own words for the same
  reason (an exception's text can quote what the other end sent, such as a status line that is not
  HTTP).
"""

from __future__ import annotations

import heapq
import socket
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import certifi
import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError, NameResolutionError, NewConnectionError, ReadTimeoutError, SSLError,
)
from urllib3.util import connection

from webhook_dispatch.addresses import RefusedAddress, checked_addresses

# Read to measure a small answer without a Content-Length, and for the log's excerpt; never more.
RESPONSE_READ_BYTES = 2048
LOG_EXCERPT_CHARS = 200


@dataclass(frozen=True)
class Answer:
    """What one POST got: a status (None when no answer came), the body's length in bytes (None when
    unknown), the answer's first characters for the operator's log only, the seconds of its
    Retry-After, and an error text when something went wrong."""

    status: int | None
    length: int | None
    excerpt: str
    retry_after: float | None
    error: str
    duration_ms: int


class _Watchdog:
    """One thread per process that cuts the attempts whose time is up: cheaper than a timer thread per
    POST when a drain sends hundreds a second."""

    def __init__(self):
        self._due: list[tuple[float, int, "_Deadline"]] = []
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: "_Deadline") -> None:
        with self._changed:
            # The thread sleeps until the earliest deadline: only an earlier one needs to wake it. Attempts
            # share one duration, so that is rarely the case, and waking it for each POST cost the worker
            # a thread switch per delivery.
            earliest = not self._due or deadline.at < self._due[0][0]
            heapq.heappush(self._due, (deadline.at, id(deadline), deadline))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="webhook-watchdog", daemon=True)
                self._thread.start()
            if earliest:
                self._changed.notify()

    def _run(self) -> None:
        while True:
            with self._changed:
                self._drop_finished()
                while not self._due or self._due[0][0] > time.monotonic():
                    self._changed.wait(self._due[0][0] - time.monotonic() if self._due else None)
                    self._drop_finished()
                _, _, deadline = heapq.heappop(self._due)
            deadline.cut()

    def _drop_finished(self) -> None:
        """Forget the attempts at the head that have ended: the thread then sleeps until the earliest one
        still running, instead of waking at every finished attempt's deadline (one per delivery, a
        timeout after it). An attempt that ends just after this look is cut harmlessly (`cut`)."""
        while self._due and self._due[0][2].finished:
            heapq.heappop(self._due)


_WATCHDOG = _Watchdog()


class _Deadline:
    """Shuts the connections an attempt uses when its time is up (the watchdog calls `cut`)."""

    _current = threading.local()

    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds
        self.connections: list[HTTPConnection] = []
        self.expired = False
        self._finished = False
        self._lock = threading.Lock()

    def __enter__(self) -> "_Deadline":
        _Deadline._current.deadline = self
        _WATCHDOG.watch(self)
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._finished = True
        _Deadline._current.deadline = None

    @property
    def finished(self) -> bool:
        return self._finished

    @classmethod
    def watch(cls, conn: HTTPConnection) -> None:
        deadline = getattr(cls._current, "deadline", None)
        if deadline is not None:
            deadline.connections.append(conn)

    def cut(self) -> None:
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

    private_networks: tuple
    resolve = staticmethod(socket.getaddrinfo)

    def _new_conn(self) -> socket.socket:
        try:
            addresses = checked_addresses(self._dns_host, self.port, private_networks=self.private_networks,
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


def _guarded_pools(*, private_networks: tuple, resolve) -> urllib3.PoolManager:
    """Pools whose connections are _GuardedConnection, for up to 64 origins of 16 connections each. No
    proxy, .netrc or other setting comes from the environment (urllib3 reads none), and certificates are
    checked against certifi's bundle, as requests did."""
    attributes = {"private_networks": private_networks, "resolve": staticmethod(resolve)}
    http = type("GuardedHTTPConnection", (_GuardedConnection, HTTPConnection), attributes)
    https = type("GuardedHTTPSConnection", (_GuardedConnection, HTTPSConnection), attributes)
    pools = urllib3.PoolManager(num_pools=64, maxsize=16, retries=False, ca_certs=certifi.where())
    pools.pool_classes_by_scheme = {
        "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
        "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
    }
    return pools


class WebhookClient:
    """One per process; safe to share between a worker's threads."""

    def __init__(self, *, private_networks: tuple = (), connect_timeout: float, read_timeout: float,
                 resolve=socket.getaddrinfo):
        self.timeouts = (connect_timeout, read_timeout)
        self.pools = _guarded_pools(private_networks=private_networks, resolve=resolve)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        started = time.monotonic()
        status, length, excerpt, retry_after, error = None, None, "", None, ""
        connect, read_timeout = self.timeouts
        with _Deadline(sum(self.timeouts)) as deadline:
            try:
                response = self.pools.request("POST", url, body=body, headers=headers, redirect=False,
                                              retries=False, preload_content=False,
                                              timeout=urllib3.Timeout(connect=connect, read=read_timeout))
                status = response.status
                retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                if response.get_redirect_location():
                    # Where it points is the receiver's answer too: the operator's log has it.
                    error = f"HTTP {status} redirect not followed"
                    excerpt = f"Location: {response.headers.get('Location', '')} "
                try:
                    read = response.read(RESPONSE_READ_BYTES + 1, decode_content=True)
                finally:
                    # As requests did: a body read to its end has already left its connection to the pool;
                    # one cut short closes it, since what is left of it would be read as the next answer.
                    response.close()
                    response.release_conn()
                length = _length(response.headers.get("Content-Length"), read)
                excerpt = (excerpt + read.decode("utf-8", "replace"))[:LOG_EXCERPT_CHARS]
            except RefusedAddress as exc:
                error = f"refused: {exc}"
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                error = self._failure(exc)
        if deadline.expired:
            # Whatever was read before the cut may be a truncated answer: no answer at all.
            status, length, retry_after = None, None, None
            error = f"no complete answer within {sum(self.timeouts):g} s; connection closed"
        return Answer(status, length, excerpt, retry_after, error, int((time.monotonic() - started) * 1000))

    def _failure(self, exc: Exception) -> str:
        """The failure in our own words, never the exception's text (see the module's docstring). In
        urllib3 a failed connection is a kind of connect timeout: it is told apart first."""
        connect, read = self.timeouts
        if isinstance(exc, NameResolutionError):
            return "ConnectionError: the host name does not resolve"
        if isinstance(exc, NewConnectionError):
            return "ConnectionError: the connection was refused or could not be made"
        if isinstance(exc, ConnectTimeoutError):
            return f"ConnectTimeout: no connection within {connect:g} s"
        if isinstance(exc, (ReadTimeoutError, TimeoutError)):
            return f"ReadTimeout: Read timed out (no answer within {read:g} s)"
        if isinstance(exc, SSLError):
            return "SSLError: the TLS handshake or the certificate check failed"
        return "ConnectionError: the connection failed or closed without a complete HTTP answer"


def _length(declared: str | None, read: bytes) -> int | None:
    """The body's length: as declared, or as read when the whole body fitted in what is read."""
    if declared is not None and declared.strip().isdigit():
        return int(declared)
    return len(read) if len(read) <= RESPONSE_READ_BYTES else None


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
