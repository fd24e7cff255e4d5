"""The running system for integration tests: the AFIP simulator, Celery workers and beat as child
processes, a webhook receiver and an SMTP server in this process, and points of sale created per test."""

from __future__ import annotations

import itertools
import os
import time
from dataclasses import dataclass
from pathlib import Path

import redis
import requests
from kombu.exceptions import OperationalError

from afip.simulator.certs import issue_client_certificate
from cli.demo import LOOPBACK_NETWORKS
from devtools.development import create_development_pdv, development_certificate
from devtools.local_redis import free_port
from devtools.webhook_receiver import WebhookReceiver
from config import clock
from config.celery_app import app
from config.redis_client import get_redis
from config.smtp_target import parse_smtp_url
from tests.support.processes import Child, celery, encola, procfile_args, wait_http, wait_until, with_venv_path
from tests.support.smtp_server import SmtpServer, smtp_url
from webhook_dispatch import endpoints


@dataclass
class TestPdv:
    pdv: object
    credentials: dict
    hook_path: str
    webhook_secret: str  # as creation gave it

    @property
    def id(self) -> str:
        return self.pdv.id

    def body(self, item: dict) -> dict:
        """A request body: these credentials plus a {cliente, comprobante} item."""
        return {**self.credentials, **item}


class Stack:
    def __init__(self, base_dir: Path, env: dict[str, str]):
        self.base_dir = base_dir
        self.env = env
        self.children: list[Child] = []
        self.cert = development_certificate(str(base_dir / "certs"))
        self.receiver = WebhookReceiver().start()
        self.smtp = SmtpServer(parse_smtp_url(env["ENCOLA_SMTP_URL"]).port).start()
        self._pto_vta = itertools.count(1)
        self._names = itertools.count(1)
        self._cuits = itertools.count(20_000_001)

    # Processes

    def start_simulator(self, *extra: str) -> Child:
        self.sim_port = int(self.env["ENCOLA_AFIP_SIM_PORT"])
        self.sim_admin_port = int(self.env["ENCOLA_AFIP_SIM_ADMIN_PORT"])
        child = self.spawn("afip-sim", encola(
            "afip-sim", "--port", str(self.sim_port), "--admin-port", str(self.sim_admin_port),
            "--ca", self.cert.ca_path, "--data", str(self.base_dir / "afip"), *extra))
        wait_http(f"http://127.0.0.1:{self.sim_admin_port}/faults", child=child)
        self.simulator = child
        return child

    def start_worker(self, queue: str, concurrency: int = 4, pool: str = "threads") -> Child:
        name = f"{queue}{next(self._names)}"
        child = self.spawn(name, celery(
            "worker", "-Q", queue, "-P", pool, "-c", str(concurrency), "-n", f"{name}@%h", "--loglevel", "INFO",
            "--without-gossip", "--without-mingle"))
        self._wait_ping(child)
        return child

    def _wait_ping(self, child: Child) -> None:
        prefix = f"{child.name}@"
        child.node = wait_until(lambda: next((n for n in _answering_nodes() if n.startswith(prefix)), None),
                                timeout=30, message=f"worker {child.name} to answer ping")

    def supervise(self) -> list[str]:
        """Start again every process of the stack that exited, as systemd's Restart=always would; returns
        their names. Workers are waited for until they answer."""
        restarted = []
        for child in self.children:
            if not child.alive() and not child.ended_on_purpose:
                self.restart(child)
                restarted.append(child.name)
        return restarted

    def restart(self, child: Child) -> None:
        """Start a process of the stack again (a worker is waited for until it answers)."""
        child.respawn()
        if hasattr(child, "node"):
            self._wait_ping(child)

    def set_consuming(self, worker: Child, queue: str, consuming: bool) -> None:
        """Stop or resume a worker's consumption of a queue, through Celery's remote control."""
        if consuming:
            app.control.add_consumer(queue, destination=[worker.node], reply=True)
        else:
            app.control.cancel_consumer(queue, destination=[worker.node], reply=True)

    def worker(self, name: str) -> Child:
        return next(child for child in self.children if child.name == name)

    def start_beat(self, name: str = "beat") -> Child:
        """beat from the Procfile's own line; more than one may run (one leads, the others stand by)."""
        return self.spawn(name, procfile_args("beat"), env=with_venv_path(self.env))

    def spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> Child:
        # A process started again under its name replaces the one that ended, so that worker(name) finds
        # the live one (a test that stops beat and starts it again would leave later tests the dead one).
        self.children = [c for c in self.children if c.name != name or c.alive()]
        child = Child(name, args, env or self.env, self.base_dir)
        self.children.append(child)
        return child

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        self.receiver.stop()
        self.smtp.stop()

    # The simulator's admin API

    def sim_admin(self, path: str, payload: dict | None = None):
        url = f"http://127.0.0.1:{self.sim_admin_port}{path}"
        response = requests.post(url, json=payload, timeout=5) if payload is not None else requests.get(url, timeout=5)
        response.raise_for_status()
        return response.json()

    def faults(self, **changes) -> dict:
        return self.sim_admin("/faults", changes)

    def authorised(self) -> list[tuple[int, int, int, int, str]]:
        return [tuple(row) for row in self.sim_admin("/authorised")]

    def set_clock(self, offset_seconds: float) -> None:
        """Move encola's development clock and the simulator's together, and wait until every process
        reads the new time (each caches the offset briefly)."""
        clock.set_offset(get_redis(), offset_seconds)
        self.sim_admin("/clock", {"offset_seconds": offset_seconds})
        time.sleep(clock.CACHE_SECONDS + 0.2)

    # Points of sale

    def new_pdv(self, *, cuit: int | None = None, **options) -> TestPdv:
        """A point of sale of its own (its own lanes); with `cuit`, of another taxpayer with its own
        certificate, so its AFIP ticket is its own too."""
        pto_vta = next(self._pto_vta)
        hook_path = f"/hooks/{pto_vta}"
        cert = self.cert
        if cuit is not None:
            cert = issue_client_certificate(str(self.base_dir / "certs"), cuit, name=f"cuit{cuit}")
            options["cuit"] = cuit
        pdv, credentials = create_development_pdv(
            get_redis(), cert=cert, webhook_url=self.receiver.base_url + hook_path, pto_vta=pto_vta, **options)
        return TestPdv(pdv, credentials, hook_path, endpoints.read(get_redis(), pdv.id).secret)

    def new_cuit(self) -> int:
        return valid_cuit(20_000_000_00 + next(self._cuits))

    def hooks(self, pdv: TestPdv) -> list[dict]:
        return [d.json() for d in self.receiver.received(pdv.hook_path)]


def _answering_nodes() -> list[str]:

    try:
        return [node for reply in app.control.ping(timeout=0.5) for node in reply]
    except (OperationalError, redis.RedisError):
        return []  # a pooled connection that a restarted Redis closed: the next ping opens a new one


def valid_cuit(first_ten: int) -> int:
    """`first_ten` followed by its CUIT check digit (modulo 11 with weights 5432765432)."""
    digits = [int(d) for d in f"{first_ten:010d}"]
    total = sum(d * w for d, w in zip(digits, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)))
    check = (11 - total % 11) % 11
    if check == 10:
        return valid_cuit(first_ten + 1)
    return first_ten * 10 + check


def stack_environment(redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "ENCOLA_REDIS_URL": redis_url,
        "ENCOLA_ENV": "development",
        "ENCOLA_AFIP": "simulador",
        "ENCOLA_AFIP_SIM_PORT": str(free_port()),
        "ENCOLA_AFIP_SIM_ADMIN_PORT": str(free_port()),
        "ENCOLA_LANE_LEASE_SECONDS": "5",
        "ENCOLA_AFIP_READ_TIMEOUT": "5",
        "ENCOLA_AFIP_CONNECT_TIMEOUT": "2",
        "ENCOLA_SCHEDULE_HORIZON_SECONDS": "5",
        "ENCOLA_WEBHOOK_CONNECT_TIMEOUT": "1",
        "ENCOLA_WEBHOOK_READ_TIMEOUT": "2",
        "PYTHONUNBUFFERED": "1",
        "ENCOLA_WEBHOOK_PRIVATE_NETWORKS": LOOPBACK_NETWORKS,  # the receivers listen on loopback
        "ENCOLA_SMTP_URL": smtp_url(free_port()),
    }
