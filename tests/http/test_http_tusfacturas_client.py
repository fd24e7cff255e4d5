"""Clients written for TusFacturas' documented API work against encola by changing only the base URL:
the Python sample of TusFacturas' docs (http.client, a JSON string, Content-Type application/json) and
the PHP/cURL sample (curl posting json_encode's output with 'Content-Type:application/json'), driving
the async flow the docs describe (TusFacturas' nuevo_encola page): queue, receive the hooks, read the CAE back."""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
from urllib.parse import urlsplit

from config import clock
from tests.support.bodies import item
from tests.support.processes import wait_until

TUSFACTURAS = "https://www.tusfacturas.app/app/api/v2/"


class TusFacturasClient:
    """The docs' Python sample wrapped in a class; `base_url` is its only setting."""

    def __init__(self, credentials: dict, base_url: str = TUSFACTURAS):
        self.credentials = credentials
        self.base_url = base_url

    def request(self, method: str, data: dict) -> dict:
        url = urlsplit(self.base_url)
        connection_class = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        conn = connection_class(url.netloc, timeout=60)
        payload = json.dumps({**self.credentials, **data})
        headers = {"Content-Type": "application/json"}
        conn.request("POST", url.path + method, payload, headers)
        res = conn.getresponse()
        answer = json.loads(res.read().decode("utf-8"))
        conn.close()
        return answer


def curl_post(url: str, payload: dict) -> dict:
    """The PHP sample: CURLOPT_POSTFIELDS json_encode($facturacion_json), CURLOPT_HTTPHEADER
    'Content-Type:application/json', CURLOPT_RETURNTRANSFER, then json_decode."""
    done = subprocess.run(["curl", "--silent", "--show-error", "--request", "POST", "--url", url, "--header",
                           "Content-Type:application/json", "--data-binary", "@-"],
                          input=json.dumps(payload).encode(), capture_output=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_tusfacturas_python_sample_runs_the_async_flow_with_only_the_base_url_changed(web, stack):
    pdv = stack.new_pdv()
    client = TusFacturasClient(pdv.credentials, base_url=f"{web.base_url}/app/api/v2/")
    sent = item("tf-client-1", clock.today_ar(), pto_vta=pdv.pdv.pto_vta)

    queued = client.request("facturacion/nuevo_encola", sent)

    assert queued["error"] == "N" and queued["comprobante_nro"] == f"{pdv.pdv.pto_vta:05d}-00000000"
    # the docs' webhook samples: check TF-WebhookToken, then look the comprobante up by external_reference
    hooks = wait_until(lambda: (found := stack.receiver.received(pdv.hook_path)) and
                       {d.json()["evento"] for d in found} == {"encolado", "emitido"} and found,
                       message="encolado and emitido hooks")
    assert {d.headers["tf-webhooktoken"] for d in hooks} == {pdv.pdv.webhook_token}
    found = client.request("facturacion/consulta_avanzada", {
        "busqueda_tipo": "EXT_REF", "pagina": 0, "limite": 100,
        "comprobante": {"external_reference": "tf-client-1", "operacion": "V"}})
    assert found["error"] == "N" and found["comprobantes"][0]["comprobante"]["status"] == "EMITIDO"
    assert found["comprobantes"][0]["comprobante"]["cae"].strip().isdigit()

    refused = client.request("facturacion/nuevo_encola", {**sent, "comprobante": {
        **sent["comprobante"], "external_reference": "1%'703"}})
    assert refused["error"] == "S" and refused["error_details"][0] == {
        "code": "TFC-8002", "text": "La external reference enviada, posee caracteres no validos."}


def test_the_php_curl_sample_works_under_both_prefixes(web, stack):
    assert shutil.which("curl"), "curl is needed on PATH for this test"
    pdv = stack.new_pdv()
    for n, prefix in enumerate(("/api/v2", "/app/api/v2")):
        body = {**pdv.credentials, **item(f"curl-{n}", clock.today_ar(), pto_vta=pdv.pdv.pto_vta)}
        assert curl_post(f"{web.base_url}{prefix}/facturacion/nuevo_encola", body)["error"] == "N"
    found = curl_post(f"{web.base_url}/app/api/v2/facturacion/consulta_avanzada", {
        **pdv.credentials, "busqueda_tipo": "F", "comprobante": {"fecha": clock.today_ar().strftime("%d/%m/%Y")}})
    assert found["total"] == 2
