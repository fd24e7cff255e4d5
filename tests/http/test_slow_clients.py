"""Clients that send their requests slowly, against the real `web` process (the Procfile's gunicorn):
more of them than it has threads, dribbling one byte a second, must not keep /health from answering,
and each is cut with HTTP 408 once its head or body deadline passes (producers/http/worker.py)."""

from __future__ import annotations

import json
import os
import select
import socket
import threading
import time

import requests

from devtools.local_redis import free_port
from tests.support.web import Web

DEADLINE = 3  # seconds, for the head and for the body
DRIBBLE_SECONDS = 60  # how long a slow client would go on if nothing cut it
BODY_CLIENTS = 20
HEAD_CLIENTS = 6  # together, more than the 16 threads of the worker (and than main's 8)


class SlowClient(threading.Thread):
    """Sends `start` at once, then one byte a second, until the server answers or closes."""

    def __init__(self, port: int, start: bytes):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.start_bytes = start
        self.answer = b""
        self.ended_after: float | None = None

    def run(self) -> None:
        began = time.monotonic()
        try:
            self.sock.sendall(self.start_bytes)
            while time.monotonic() - began < DRIBBLE_SECONDS:
                if select.select([self.sock], [], [], 1.0)[0]:
                    self._read_answer()
                    break
                self.sock.send(b"x")
        except OSError:
            pass  # closed by the server while sending: cut as well
        else:
            if time.monotonic() - began >= DRIBBLE_SECONDS:
                return  # never cut
        self.ended_after = time.monotonic() - began
        self.sock.close()

    def _read_answer(self) -> None:
        while chunk := self.sock.recv(65536):
            self.answer += chunk

    def status_and_body(self) -> tuple[int, dict]:
        head, _, body = self.answer.partition(b"\r\n\r\n")
        return int(head.split()[1]), json.loads(body)


def test_slow_clients_are_cut_and_cannot_keep_health_from_answering(tmp_path):
    server = Web("web-slow-clients", dict(os.environ), tmp_path, WEB_CONCURRENCY="1",
                 ENCOLA_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
                 ENCOLA_HTTP_HEAD_TIMEOUT=str(DEADLINE), ENCOLA_HTTP_BODY_TIMEOUT=str(DEADLINE))
    try:
        body_head = (b"POST /api/v2/facturacion/nuevo_encola HTTP/1.1\r\nHost: encola\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
        clients = [SlowClient(server.port, body_head) for _ in range(BODY_CLIENTS)]
        clients += [SlowClient(server.port, b"POST /api/v2/facturacion/nuevo_encola HTTP/1.1\r\nHost: enc")
                    for _ in range(HEAD_CLIENTS)]
        for client in clients:
            client.start()
        time.sleep(1)  # every slow client has sent its first bytes and holds a thread

        asked = time.monotonic()
        health = requests.get(f"{server.base_url}/health", timeout=15)
        waited = time.monotonic() - asked

        assert health.json() == {"status": "ok"} and waited < 12, waited
        for client in clients:
            client.join(timeout=30)
        assert all(client.ended_after is not None and client.ended_after < 20 for client in clients), \
            [client.ended_after for client in clients]
        for client, part in [(c, "el cuerpo") for c in clients[:BODY_CLIENTS]] + \
                            [(c, "los encabezados") for c in clients[BODY_CLIENTS:]]:
            status, answer = client.status_and_body()
            assert status == 408 and answer["error"] == "S", client.answer
            assert [d["code"] for d in answer["error_details"]] == ["TFC-1012"]
            assert f"mas de {DEADLINE} segundos en enviar {part}" in answer["errores"][0]
    finally:
        server.stop()
