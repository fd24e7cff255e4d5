"""The web process exposes the service's Prometheus metrics at /metrics, behind a token when one is set,
and production's web does not start without one."""

from __future__ import annotations

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from config.settings import ConfigurationError
from tests.support.web import Web

METRICS_TOKEN = "metrics-token-for-the-tests"


def test_metrics_are_served_in_prometheus_text_format(web):
    response = requests.get(f"{web.base_url}/metrics", timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    names = {family.name for family in text_string_to_metric_families(response.text)}
    assert {"encola_comprobantes_accepted", "encola_emission_attempts", "encola_afip_latency_seconds",
            "encola_webhook_deliveries", "encola_lane_backlog", "encola_oldest_due_seconds",
            "encola_queue_comprobantes", "encola_webhooks_pending"} <= names


def test_redis_memory_is_measured_against_its_maxmemory(web):
    response = requests.get(f"{web.base_url}/metrics", timeout=10)
    samples = {sample.name: sample.value for family in text_string_to_metric_families(response.text)
               for sample in family.samples}
    assert samples["encola_redis_memory_used_bytes"] > 1_000_000  # a Redis holding the suite's queue
    assert samples["encola_redis_memory_max_bytes"] >= 0
    assert samples["encola_redis_memory_alert"] in (0, 1)


def test_a_metrics_token_keeps_strangers_out(stack):
    server = Web("web-metrics", stack.env, stack.base_dir, ENCOLA_METRICS_TOKEN=METRICS_TOKEN)
    try:
        refused = requests.get(f"{server.base_url}/metrics", timeout=10)
        assert refused.status_code == 401 and refused.json()["error"] == "S"
        allowed = requests.get(f"{server.base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
                               timeout=10)
        assert allowed.status_code == 200 and "encola_lane_backlog" in allowed.text
    finally:
        server.stop()


def test_production_web_does_not_start_without_a_metrics_token(environment):
    from producers.http.app import create_app

    environment(ENCOLA_ENV="production", ENCOLA_AFIP="homologacion", ENCOLA_WEB_SECRET="w" * 40,
                ENCOLA_METRICS_TOKEN=None, ENCOLA_PUBLIC_URL="https://facturas.example.com")
    with pytest.raises(ConfigurationError, match="production needs ENCOLA_METRICS_TOKEN"):
        create_app()
    environment(ENCOLA_METRICS_TOKEN=METRICS_TOKEN)
    with create_app().test_client() as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).status_code == 200
