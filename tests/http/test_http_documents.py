"""A comprobante's documents through the real `web` process: every answer and hook that carries an
emitted comprobante links its A4 PDF and its ticket; the links open those PDFs, and nothing else, for a
day."""

from __future__ import annotations

import io
import time

import pytest
from pypdf import PdfReader

from config import clock
from config.settings import ConfigurationError
from tests.support.bodies import item
from tests.support.processes import wait_until

DAY = 86400


def _pdf_text(response) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def _path(url: str) -> str:
    """The link's path: hooks are signed by a worker, which may name the web process by another address."""
    return url[url.index("/documentos/"):]


def test_the_links_of_an_emitted_comprobante_open_its_pdf_and_its_ticket(web, stack):
    pdv = stack.new_pdv()
    issuer = {"direccion": "Calle Falsa 123, Springfield", "iibb": "901-123456-7", "fecha_inicio": "01/03/2019"}
    assert web.call("puntos_venta/administrar", {**pdv.credentials, "operacion": "M", **issuer})["error"] == "N"
    answer = web.call("facturacion/nuevo", pdv.body(item("con-pdf", clock.today_ar(), pto_vta=pdv.pdv.pto_vta)))
    assert answer["error"] == "N", answer
    cae = answer["cae"].strip()

    for field, name in (("comprobante_pdf_url", "factura.pdf"), ("comprobante_ticket_url", "ticket.pdf")):
        url = answer[field]
        assert url.startswith(f"{web.base_url}/documentos/") and url.endswith(f"/{name}")
        opened = web.session.get(url, timeout=30)
        text = _pdf_text(opened)
        assert cae in text and answer["comprobante_nro"] in text
        assert "Calle Falsa 123, Springfield" in text and "901-123456-7" in text and "01/03/2019" in text
        assert opened.headers["Content-Disposition"].startswith('inline; filename="FACTURA_B_')

    found = web.call("facturacion/consulta_avanzada", {**pdv.credentials, "busqueda_tipo": "EXT_REF",
                                                       "comprobante": {"external_reference": "con-pdf"}})
    assert cae in _pdf_text(web.session.get(found["comprobantes"][0]["comprobante"]["comprobante_pdf_url"], timeout=30))

    emitido = wait_until(lambda: [h for h in stack.hooks(pdv) if h["evento"] == "emitido"], timeout=30)[0]
    assert cae in _pdf_text(web.session.get(web.base_url + _path(emitido["comprobante_pdf_url"]), timeout=30))
    assert _path(emitido["comprobante_ticket_url"]).endswith("/ticket.pdf")


def test_a_queued_comprobante_has_no_links_yet(web, stack):
    pdv = stack.new_pdv()
    later = clock.today_ar().replace(day=1).replace(year=clock.today_ar().year + 1)
    answer = web.call("facturacion/nuevo_encola", pdv.body(item("manana", later, pto_vta=pdv.pdv.pto_vta)))
    assert answer["error"] == "N" and answer["comprobante_pdf_url"] == ""
    found = web.call("facturacion/consulta_avanzada", {**pdv.credentials, "busqueda_tipo": "EXT_REF",
                                                       "comprobante": {"external_reference": "manana"}})
    shown = found["comprobantes"][0]["comprobante"]
    assert (shown["comprobante_pdf_url"], shown["comprobante_ticket_url"]) == ("", "")


@pytest.fixture
def emitted_link(web, stack):
    pdv = stack.new_pdv()
    answer = web.call("facturacion/nuevo", pdv.body(item("enlace", clock.today_ar(), pto_vta=pdv.pdv.pto_vta)))
    assert answer["error"] == "N", answer
    return answer["comprobante_pdf_url"]


def test_a_forged_altered_or_unknown_link_is_a_404(web, emitted_link):
    token = emitted_link.split("/documentos/")[1].split("/")[0]
    payload, stamp, signature = token.split(".")
    for path in (f"{payload}.{stamp}.{signature[::-1]}/factura.pdf", f"{payload}x.{stamp}.{signature}/factura.pdf",
                 f"{token}/recibo.pdf", "nada/factura.pdf"):
        refused = web.session.get(f"{web.base_url}/documentos/{path}", timeout=10)
        assert refused.status_code == 404 and refused.json()["error"] == "S", path


def test_a_link_opens_for_a_day(web, emitted_link, move_clock):
    move_clock(time.time() + DAY - 60)
    assert web.session.get(emitted_link, timeout=30).status_code == 200
    move_clock(time.time() + DAY + 60)
    expired = web.session.get(emitted_link, timeout=30)
    assert expired.status_code == 404 and "venció" in expired.json()["errores"][0]


def test_production_web_does_not_start_without_its_public_address(environment):
    from producers.http.app import create_app

    environment(ENCOLA_ENV="production", ENCOLA_AFIP="homologacion", ENCOLA_WEB_SECRET="w" * 40,
                ENCOLA_METRICS_TOKEN="m" * 40, ENCOLA_PUBLIC_URL=None)
    with pytest.raises(ConfigurationError, match="production needs ENCOLA_PUBLIC_URL"):
        create_app()
    environment(ENCOLA_PUBLIC_URL="https://facturas.example.com")
    assert create_app().name == "encola"
