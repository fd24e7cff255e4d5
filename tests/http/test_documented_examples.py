"""The documented bodies sent as a reader sends them, over HTTP to the real `web` process: the README's
first request (the file its `sed` line names, to the path its `curl` line names) and the examples of
/openapi.json that Swagger UI's "Try it out" sends, each with only what the reader fills in: their
credentials, their punto de venta, and today's date where the file says DD/MM/AAAA."""

from __future__ import annotations

import json
import re

import pytest
import requests

from config import clock
from producers.http.examples import example_body
from tests.support.processes import REPO, wait_until


def filled(body: dict, pdv, webhook_url: str) -> dict:
    """`body` with the reader's own credentials, punto de venta and (for the legacy lote) webhook URL."""
    text = json.dumps(body)
    for name, value in pdv.credentials.items():
        text = text.replace(f"TU_{name.upper()}", value)
    text = text.replace("TU_WEBHOOK_URL", webhook_url)
    return json.loads(re.sub(r'"punto_venta": 1\b', f'"punto_venta": {pdv.pdv.pto_vta}', text))


def first_request() -> tuple[str, str]:
    """The README's first request: (the documented body's path, the method its curl line calls)."""
    readme = (REPO / "README.md").read_text()
    body = re.search(r"^ +producers/http/example_bodies/(\S+)\.json > mi-comprobante\.json$", readme, re.M)
    method = re.search(r'^curl -s -X POST "http://127\.0\.0\.1:\$PORT/api/v2/(\S+)"', readme, re.M)
    return body.group(1), method.group(1)


def test_the_readmes_first_request_is_accepted_and_emitted(web, stack):
    pdv = stack.new_pdv()
    body_path, method = first_request()
    body = filled(example_body(body_path, clock.today_ar()), pdv, pdv.pdv.webhook_url)
    answer = web.call(method, body)
    assert answer["error"] == "N", answer
    assert answer["external_reference"] == "mi-primer-comprobante"
    hooks = wait_until(lambda: [h for h in stack.hooks(pdv) if h["evento"] == "emitido"], message="emitido")
    assert hooks[0]["external_reference"] == "mi-primer-comprobante"


def accepted(path: str, answer: dict) -> bool:
    if path == "facturacion/lotes_encola":
        return answer["error"] == "N" and [one["error"] for one in answer["response"]] == ["N", "N"]
    return answer["error"] == "N"


@pytest.mark.parametrize("path", ["facturacion/nuevo_encola", "facturacion/lotes_encola", "facturacion/lotes",
                                  "facturacion/nuevo"])
def test_swaggers_try_it_out_sends_an_accepted_body(web, stack, path):
    document = requests.get(f"{web.base_url}/openapi.json", timeout=5).json()
    example = document["paths"][f"/{path}"]["post"]["requestBody"]["content"]["application/json"]["example"]
    pdv = stack.new_pdv()
    answer = web.call(path, filled(example, pdv, pdv.pdv.webhook_url))
    assert accepted(path, answer), answer
