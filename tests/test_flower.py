"""Flower, started with the Procfile's own line, watches the real workers: task events on, our task
names, both queues, and its Prometheus /metrics; in production it starts only behind authentication."""

from __future__ import annotations

import subprocess

import psutil
import requests

from devtools.local_redis import free_port
from devtools.webhook_receiver import WebhookReceiver
from config import clock
from emission.schedule import DRAIN_TASK as DRAIN_LANE
from producers import enqueue
from tests.support.bodies import item
from tests.support.processes import REPO, Child, procfile_args, wait_http, wait_until, with_venv_path
from tests.support.records import wait_state
from webhook_dispatch.outbox import DRAIN_TASK as DRAIN_ORIGIN
from webhook_dispatch.points_of_sale import update_point_of_sale


def test_flower_shows_the_workers_their_tasks_and_queues(stack, pdv, r):
    port = free_port()
    env = with_venv_path({**stack.env, "FLOWER_PORT": str(port)})
    flower = Child("flower", procfile_args("flower"), env, stack.base_dir)
    base = f"http://127.0.0.1:{port}"
    # An origin of its own: a drain that another test's hooks started at the shared receiver could take
    # this test's hooks without a task Flower would see.
    receiver = WebhookReceiver().start()
    update_point_of_sale(r, pdv.id, webhook_url=receiver.base_url + "/flower")
    try:
        wait_http(f"{base}/healthcheck", child=flower, timeout=60)

        def metrics() -> str:
            return requests.get(f"{base}/metrics", timeout=10).text

        def both_online() -> bool:
            online = [line for line in metrics().splitlines()
                      if line.startswith("flower_worker_online{") and line.endswith(" 1.0")]
            return any("emision" in line for line in online) and any("webhooks" in line for line in online)

        # Flower answers its health check before its event receiver is connected: the workers'
        # heartbeats show that it is, so that the tasks below cannot run unseen.
        wait_until(both_online, timeout=60, interval=1, message="Flower to see both queues' workers")
        enqueue(pdv.body(item("watched", clock.today_ar(), pto_vta=pdv.pdv.pto_vta)))
        wait_state(r, pdv, "watched", "emitido")
        wait_until(lambda: all(f'task="{name}"' in metrics() for name in (DRAIN_LANE, DRAIN_ORIGIN)),
                   timeout=60, interval=1, message="Flower to see both queues' tasks")
        broker = requests.get(f"{base}/broker", timeout=10)
        assert broker.status_code == 200 and "emision" in broker.text and "webhooks" in broker.text
    finally:
        flower.stop()
        receiver.stop()


def _production(stack, port: int, **extra: str) -> dict[str, str]:
    env = {name: value for name, value in stack.env.items()
           if name not in ("FLOWER_BASIC_AUTH", "ENCOLA_FLOWER_AUTH_PROXY")}
    return with_venv_path({**env, "ENCOLA_ENV": "production", "ENCOLA_AFIP": "homologacion",
                           "FLOWER_PORT": str(port), **extra})


def test_production_flower_does_not_start_without_authentication(stack):
    for extra, problem in (({}, "needs FLOWER_BASIC_AUTH"), ({"FLOWER_BASIC_AUTH": "solo-usuario"}, "user:password")):
        refused = subprocess.run(procfile_args("flower"), cwd=REPO, env=_production(stack, free_port(), **extra),
                                 capture_output=True, text=True, timeout=60)
        assert refused.returncode != 0
        assert refused.stderr.startswith("encola: ") and problem in refused.stderr, refused.stderr


def test_production_flower_asks_for_its_password_which_stays_out_of_ps(stack):
    port = free_port()
    password = "clave-de-flower-0123456789"
    flower = Child("flower-auth", procfile_args("flower"),
                   _production(stack, port, FLOWER_BASIC_AUTH=f"operador:{password}"), stack.base_dir)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthcheck", child=flower, timeout=60)

        assert requests.get(f"{base}/", timeout=10).status_code == 401
        assert requests.get(f"{base}/broker", auth=("operador", "otra"), timeout=10).status_code == 401
        assert requests.get(f"{base}/", auth=("operador", password), timeout=10).status_code == 200
        assert requests.get(f"{base}/broker", auth=("operador", password), timeout=10).status_code == 200
        command_lines = [" ".join(p.cmdline()) for p in psutil.Process(flower.pid).children(recursive=True)
                         + [psutil.Process(flower.pid)]]
        assert any("flower" in line for line in command_lines)
        assert not any(password in line for line in command_lines)
    finally:
        flower.stop()


def test_an_auth_proxy_stated_by_the_operator_lets_production_flower_start(stack):
    port = free_port()
    flower = Child("flower-proxy", procfile_args("flower"), _production(stack, port, ENCOLA_FLOWER_AUTH_PROXY="true"),
                   stack.base_dir)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthcheck", child=flower, timeout=60)
    finally:
        flower.stop()
