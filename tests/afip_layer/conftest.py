"""Fixtures of the AFIP layer's tests: a fresh simulator per test (in this process, over real HTTP), a
taxpayer with its certificate, whose tickets in Redis are forgotten before each test (they belong to
the previous test's simulator), and our client."""

from __future__ import annotations

import itertools

import pytest

from afip.simulator.certs import issue_client_certificate
from tests.support.afip import RunningSimulator, forget_tickets, issue_taxpayer, wsfe_client

_cuits = itertools.count(20300000001)


@pytest.fixture(scope="session")
def ca_dir(tmp_path_factory) -> str:
    directory = str(tmp_path_factory.mktemp("afip-ca"))
    issue_client_certificate(directory, 20300000000)
    return directory


@pytest.fixture
def ca_path(ca_dir) -> str:
    return f"{ca_dir}/ca.pem"


@pytest.fixture
def sim(ca_path, tmp_path):
    running = RunningSimulator(ca_path, str(tmp_path / "afip"))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def _session_taxpayer(ca_dir):
    return issue_taxpayer(ca_dir, next(_cuits))


@pytest.fixture
def taxpayer(r, _session_taxpayer):
    forget_tickets(r, _session_taxpayer.cuit)
    return _session_taxpayer


@pytest.fixture
def new_taxpayer(ca_dir):
    """Another taxpayer for the same test."""
    return lambda: issue_taxpayer(ca_dir, next(_cuits))


@pytest.fixture
def client(r, sim, taxpayer):
    return wsfe_client(r, sim, taxpayer)
