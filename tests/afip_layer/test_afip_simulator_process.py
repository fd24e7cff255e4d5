"""`encola afip-sim` as the program users run: faults and rules set by its options at start, clear
errors for bad options, and state (tickets, authorised comprobantes) kept across a restart."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import date
from types import SimpleNamespace

import pytest
import requests

from devtools.local_redis import free_port
from tests.support.afip import detail, wsfe_client
from tests.support.processes import REPO, Child, encola, wait_http


def _start(tmp_path, ca_dir, port: int, admin_port: int, *options: str) -> Child:
    child = Child(f"afip-sim-{port}", encola("afip-sim", "--port", str(port), "--admin-port", str(admin_port),
                                             "--ca", f"{ca_dir}/ca.pem", "--data", str(tmp_path / "afip"),
                                             *options), dict(os.environ), tmp_path)
    wait_http(f"http://127.0.0.1:{admin_port}/faults", child=child)
    return child


def _urls(port: int) -> SimpleNamespace:
    base = f"http://127.0.0.1:{port}"
    return SimpleNamespace(wsaa_url=f"{base}/ws/services/LoginCms", wsfe_url=f"{base}/wsfev1/service.asmx")


def test_faults_and_rules_are_set_by_options_at_start(tmp_path, ca_dir):
    port, admin = free_port(), free_port()
    child = _start(tmp_path, ca_dir, port, admin, "--down", "503", "--latency-ms", "5", "--wsfe-error", "501",
                   "--dummy-not-ok", "--wsaa-down", "--drop-probability", "0.25", "--reg-x-req", "100",
                   "--identification-threshold", "5000", "--condicion-iva-optional")
    try:
        faults = requests.get(f"http://127.0.0.1:{admin}/faults", timeout=5).json()
        rules = requests.get(f"http://127.0.0.1:{admin}/rules", timeout=5).json()
        unavailable = requests.post(_urls(port).wsfe_url, data=b"<x/>", timeout=5)
    finally:
        child.stop()

    assert faults == {"down": "503", "latency_ms": 5, "wsfe_error": 501, "dummy_not_ok": True, "wsaa_down": True,
                      "drop_probability": 0.25, "events": []}
    assert rules == {"reg_x_req": 100, "identification_threshold": "5000", "condicion_iva_optional": True}
    assert unavailable.status_code == 503 and b"Service Unavailable" in unavailable.content


def test_down_refuse_at_start_refuses_connections_until_lifted(tmp_path, ca_dir):
    port, admin = free_port(), free_port()
    child = _start(tmp_path, ca_dir, port, admin, "--down", "refuse")
    try:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2)
        requests.post(f"http://127.0.0.1:{admin}/faults", json={"down": None}, timeout=5).raise_for_status()
        assert requests.get(_urls(port).wsfe_url + "?WSDL", timeout=5).status_code == 200
    finally:
        child.stop()


@pytest.mark.parametrize("option,value", [("--drop-probability", "2"), ("--identification-threshold", "mucho"),
                                          ("--wsfe-error", "503"), ("--down", "maybe")])
def test_bad_options_are_refused_with_a_clear_message(option, value):
    result = subprocess.run([sys.executable, "-m", "cli.main", "afip-sim", "--ca", "ca.pem", option, value],
                            cwd=REPO, capture_output=True, text=True, timeout=60)

    assert result.returncode == 2
    assert option in result.stderr and "Traceback" not in result.stderr


def test_state_survives_a_restart(r, tmp_path, ca_dir, taxpayer):
    port, admin = free_port(), free_port()
    client = wsfe_client(r, _urls(port), taxpayer)
    child = _start(tmp_path, ca_dir, port, admin)
    try:
        fecha = date.fromisoformat(requests.get(f"http://127.0.0.1:{admin}/clock", timeout=5).json()["now"][:10])
        first = client.solicitar_cae(1, 6, [detail(6, 1, fecha), detail(6, 2, fecha)])
    finally:
        child.stop()
    child = _start(tmp_path, ca_dir, port, admin)
    try:
        last = client.ultimo_autorizado(1, 6)  # with the ticket issued before the restart
        record = client.consultar(1, 6, 2)
        third = client.solicitar_cae(1, 6, [detail(6, 3, fecha)])
        tickets = requests.get(f"http://127.0.0.1:{admin}/tickets", timeout=5).json()
    finally:
        child.stop()

    assert first.resultado == "A" and last == 2
    assert record["CodAutorizacion"] == first.details[1].cae
    assert third.resultado == "A" and len(tickets) == 1
