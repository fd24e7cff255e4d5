"""The `web` process's gunicorn worker: gunicorn's threads, with a deadline for reading each request.

gunicorn's threaded worker gives a connection a thread as soon as its first byte arrives and then
reads the rest without any timeout, so a client sending one byte every few seconds holds that thread
for as long as it likes; as many such clients as there are threads and nothing else is answered, not
even /health. Here each connection's socket counts down one deadline for the request's head
(ENCOLA_HTTP_HEAD_TIMEOUT seconds from the moment a thread takes it) and a new one for its body
(ENCOLA_HTTP_BODY_TIMEOUT from the end of the head): a total for all the reads of that part, not a
timeout per read, so dribbling bytes does not reset it. A read past the deadline raises ReadDeadline:
for the head, this worker answers 408; for the body, the application reading it does (its handler in
producers/http/errors.py). Either way the connection is closed and its thread is free again.

This bounds what one slow client costs; it does not make threads cheap. In production a proxy that
buffers whole requests before passing them on (docs/production.md) keeps slow clients
away from the threads altogether.
"""

from __future__ import annotations

import json
import socket
import time

from gunicorn.workers.gthread import ThreadWorker

from config.settings import get_settings
from producers.http.errors import ReadDeadline, error_answer, too_slow


class DeadlineSocket:
    """A connection's socket whose reads share one deadline (None: no deadline, as gunicorn does)."""

    def __init__(self, sock: socket.socket):
        self._sock = sock
        self.deadline: float | None = None
        self.part = "head"
        self.seconds = 0.0

    def start(self, part: str, seconds: float) -> None:
        self.part, self.seconds = part, seconds
        self.deadline = time.monotonic() + seconds

    def stop(self) -> None:
        self.deadline = None

    def recv(self, size: int) -> bytes:
        if self.deadline is None:
            return self._sock.recv(size)
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise ReadDeadline(self.part, self.seconds)
        # gunicorn's own drain sets a shorter timeout of its own: the shorter one holds.
        current = self._sock.gettimeout()
        self._sock.settimeout(remaining if current is None else min(current, remaining))
        try:
            return self._sock.recv(size)
        except socket.timeout:
            if time.monotonic() >= self.deadline:
                raise ReadDeadline(self.part, self.seconds) from None
            raise
        finally:
            self._sock.settimeout(current)

    def __getattr__(self, name):
        return getattr(self._sock, name)


class DeadlineWorker(ThreadWorker):
    """gunicorn's `gthread` worker whose connections read under a head and a body deadline."""

    @classmethod
    def check_config(cls, cfg, log):
        super().check_config(cfg, log)
        if cfg.is_ssl:
            raise RuntimeError("encola's web worker does not terminate TLS: put the proxy in front of it")

    def handle(self, conn):
        if not isinstance(conn.sock, DeadlineSocket):
            conn.sock = DeadlineSocket(conn.sock)
        conn.sock.start("head", get_settings().http_head_timeout)
        try:
            return super().handle(conn)
        finally:
            conn.sock.stop()  # a kept-alive or closing connection reads without one

    def handle_request(self, req, conn):
        conn.sock.start("body", get_settings().http_body_timeout)
        try:
            return super().handle_request(req, conn)
        finally:
            # What the application left unread is drained under gunicorn's own bound (a few seconds).
            conn.sock.stop()

    def handle_error(self, req, client, addr, exc):
        if not isinstance(exc, ReadDeadline):
            return super().handle_error(req, client, addr, exc)
        self.log.warning("closed a connection from %s: %s", addr and addr[0], exc)
        refusal = too_slow(exc)
        body = json.dumps(error_answer([refusal.problem]), ensure_ascii=False).encode("utf-8")
        head = (f"HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode("ascii")
        try:
            client.settimeout(1.0)  # the answer is small; a client that does not read it loses it
            client.sendall(head + body)
        except OSError:
            pass
