"""The tests' and the demo's webhook receiver records what was delivered, and only that: a request cut
short by a sender that died (the liveness scenarios kill webhook workers mid-POST) is not a delivery."""

from __future__ import annotations

import socket
import time

import requests

from devtools.webhook_receiver import WebhookReceiver


def test_a_request_cut_short_is_not_recorded_and_a_whole_one_is():
    receiver = WebhookReceiver().start()
    try:
        host, port = receiver.server.server_address[:2]
        with socket.create_connection((host, port)) as cut:
            cut.sendall(b"POST /hooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        b"Content-Length: 100\r\n\r\n{\"evento\":")
        assert requests.post(f"{receiver.base_url}/hooks", json={"evento": "emitido"}, timeout=5).status_code == 200
        time.sleep(0.2)  # the cut request's handler has finished by now
        assert [delivery.json() for delivery in receiver.received("/hooks")] == [{"evento": "emitido"}]
    finally:
        receiver.stop()
