"""A small webhook receiver: it records every delivery (headers and body) and answers as told.

The demo prints what it received; the tests make it fail, time out or disappear on purpose.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Behaviour:
    """How the receiver answers a path: a status, after a delay, maybe with extra headers and a body."""

    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"ok":true}'


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A sender that gave up on a slow answer is what some tests are about, not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class WebhookReceiver:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.deliveries: list[Delivery] = []
        # Per path: a Behaviour, or a function of the delivery (called under the lock) returning one.
        self.behaviours: dict[str, Behaviour | Callable[[Delivery], Behaviour]] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The head and the body go out in two sends; with Nagle's algorithm the second waits for the
            # sender's delayed ACK (about 40 ms on Linux), which benchmarks would measure as our latency.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:
                    # The sender went away mid-request (a worker killed while sending): nothing was
                    # delivered, so nothing is recorded or answered, as a real receiver would not.
                    self.close_connection = True
                    return
                path = self.path
                delivery = Delivery(path, {k.lower(): v for k, v in self.headers.items()}, body, time.time())
                with receiver.lock:
                    receiver.deliveries.append(delivery)
                    behaviour = receiver.behaviours.get(path, Behaviour())
                    if callable(behaviour):
                        behaviour = behaviour(delivery)
                if behaviour.delay:
                    time.sleep(behaviour.delay)
                payload = behaviour.body
                self.send_response(behaviour.status)
                for name, value in behaviour.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = _QuietServer((host, port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "WebhookReceiver":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def received(self, path: str | None = None) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if path is None or d.path == path]
