"""The webhook HTTP client against real sockets in this process: refused addresses never get a byte,
the connection goes to the very address that was checked, redirects are not followed, a dribbling
receiver is cut at the deadline, and an answer's body is measured but kept only as a short excerpt for
the operator's log, as are the texts of failures that could quote it."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import ipaddress

import pytest

from devtools.webhook_receiver import Behaviour, WebhookReceiver
from webhook_dispatch.transport import LOG_EXCERPT_CHARS, WebhookClient


@pytest.fixture
def receiver():
    running = WebhookReceiver().start()
    yield running
    running.stop()


LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)


def client(*, allow_private: bool, resolve=socket.getaddrinfo) -> WebhookClient:
    return WebhookClient(private_networks=LOOPBACK if allow_private else (), connect_timeout=1, read_timeout=1,
                         resolve=resolve)


def test_loopback_is_refused_unless_allowed_and_nothing_is_sent(receiver):
    port = receiver.server.server_address[1]
    for url in (f"{receiver.base_url}/a", f"http://localhost:{port}/a", f"http://[::ffff:127.0.0.1]:{port}/a"):
        answer = client(allow_private=False).post(url, b"{}", {})
        assert answer.status is None and answer.error.startswith("refused:"), answer
    assert receiver.received("/a") == []
    assert client(allow_private=True).post(f"{receiver.base_url}/a", b"{}", {}).status == 200


def test_the_connection_goes_to_the_address_resolved_and_checked_for_it(receiver):
    # A name no real DNS knows: the delivery can only arrive if the connection used our one resolution.
    port = receiver.server.server_address[1]
    answers = iter(["127.0.0.1", "10.9.9.9"])  # a rebinding DNS: a second question gets another answer
    questions = []

    def rebinding_dns(host, port, type=0):
        questions.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    answer = client(allow_private=True, resolve=rebinding_dns).post(f"http://hooks.example.test:{port}/b", b"{}", {})
    assert answer.status == 200
    assert questions == ["hooks.example.test"]
    assert receiver.received("/b")[0].headers["host"] == f"hooks.example.test:{port}"


def test_redirects_are_not_followed(receiver):
    receiver.behaviours["/moved"] = Behaviour(302, headers={"Location": "http://169.254.169.254/latest/meta-data"})
    answer = client(allow_private=True).post(f"{receiver.base_url}/moved", b"{}", {})
    assert answer.status == 302 and "not followed" in answer.error and "169.254" not in answer.error
    assert answer.excerpt.startswith("Location: http://169.254.169.254/latest/meta-data")
    assert len(receiver.deliveries) == 1


def test_an_answer_is_measured_and_only_its_start_kept_for_the_log(receiver):
    receiver.behaviours["/big"] = Behaviour(500, body=b"x" * 100_000)
    answer = client(allow_private=True).post(f"{receiver.base_url}/big", b"{}", {})
    assert answer.status == 500 and answer.length == 100_000 and answer.excerpt == "x" * LOG_EXCERPT_CHARS


def test_an_answer_that_is_not_http_is_not_quoted_in_the_error():
    server = socket.create_server(("127.0.0.1", 0))

    def answer_garbage():
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"-ERR secreto-interno-99 unknown command\r\n")

    threading.Thread(target=answer_garbage, daemon=True).start()
    answer = client(allow_private=True).post(f"http://127.0.0.1:{server.getsockname()[1]}/", b"{}", {})
    server.close()
    assert answer.status is None and answer.error and "secreto-interno-99" not in answer.error, answer


def _cut_dribbling_attempt() -> None:
    """One POST to a server that answers a status line and then one header every half second: the attempt
    is cut at its deadline."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def dribble():
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            # One header every half second: each wait is far below the read timeout of 1 s.
            while not stop.wait(0.5):
                try:
                    conn.sendall(b"X-Drip: 1\r\n")
                except OSError:
                    return

    threading.Thread(target=dribble, daemon=True).start()
    started = time.monotonic()
    answer = client(allow_private=True).post(f"http://127.0.0.1:{server.getsockname()[1]}/", b"{}", {})
    elapsed = time.monotonic() - started
    stop.set()
    server.close()
    # Without the deadline this would last until http.client's 100-header limit, about 50 s.
    assert answer.status is None and "no complete answer within 2 s" in answer.error
    assert elapsed < 15


def test_a_receiver_that_dribbles_its_answer_is_cut_at_the_deadline():
    _cut_dribbling_attempt()


def test_the_deadline_holds_behind_many_finished_attempts(receiver):
    """The watchdog forgets finished attempts in bulk rather than waking at each one's deadline: the
    running attempt behind them must still be cut at its own."""
    quick = client(allow_private=True)
    for _ in range(30):
        assert quick.post(receiver.base_url + "/ok", b"{}", {}).status == 200
    _cut_dribbling_attempt()


def test_a_connection_whose_answer_was_read_only_in_part_is_not_used_again():
    server = socket.create_server(("127.0.0.1", 0))
    answered = []

    def serve(conn, peer):
        with conn, contextlib.suppress(OSError):  # the client closes the long answer's connection
            while conn.recv(65536):
                answered.append(peer)
                if len(answered) == 1:
                    # A long answer whose end comes only after the client has read what it reads of it.
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n" + b"x" * 3000)
                    time.sleep(0.5)
                    conn.sendall(b"x" * 7000)
                else:
                    conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")

    def accept():
        while True:
            try:
                conn, peer = server.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn, peer), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    sender, url = client(allow_private=True), f"http://127.0.0.1:{server.getsockname()[1]}/"

    answers = [sender.post(url, b"{}", {}) for _ in range(3)]
    server.close()

    # The rest of the long answer is never read as the next one's; short answers keep their connection.
    assert [(a.status, a.length, a.error) for a in answers] == [(200, 10000, ""), (201, 2, ""), (201, 2, "")]
    assert answered[0] != answered[1] == answered[2]
