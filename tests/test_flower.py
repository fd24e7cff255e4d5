"""Flower, started with the Procfile's own line, watches the real workers: task events on, our task
names, both queues, and its Prometheus /metrics."""

from __future__ import annotations

import requests

from cli.local_redis import free_port
from config import clock
from producers import enqueue
from tests.support.bodies import item
from tests.support.processes import Child, procfile_args, wait_http, wait_until, with_venv_path
from tests.support.records import wait_state


def test_flower_shows_the_workers_their_tasks_and_queues(stack, pdv, r):
    port = free_port()
    env = with_venv_path({**stack.env, "FLOWER_PORT": str(port)})
    flower = Child("flower", procfile_args("flower"), env, stack.base_dir)
    base = f"http://127.0.0.1:{port}"
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
        wait_until(lambda: all(f'task="{name}"' in metrics() for name in ("encola.emision.drain_lane",
                                                                            "encola.webhooks.deliver")),
                   timeout=60, interval=1, message="Flower to see both queues' tasks")
        broker = requests.get(f"{base}/broker", timeout=10)
        assert broker.status_code == 200 and "emision" in broker.text and "webhooks" in broker.text
    finally:
        flower.stop()
