"""The links to a comprobante's documents: they open only what they name, only while they are fresh, and
every process signs them alike (the key lives in Redis)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from comprobantes import document_links
from comprobantes.document_links import LINK_KEY, DocumentLinks, opened
from comprobantes.lifecycle import State
from config import clock
from config.settings import get_settings


@dataclass
class Named:
    """The two fields of a record a link depends on, besides its state."""

    pdv: str
    id: str
    state: State = State.EMITIDO


def _token(url: str) -> str:
    return url.split("/documentos/")[1].split("/")[0]


def test_a_link_opens_its_own_comprobante_and_both_documents_share_it(quiet_db):
    links = DocumentLinks(quiet_db).for_record(Named("30712345678-00007", "42"))
    base = get_settings().document_base_url
    assert links["comprobante_pdf_url"].startswith(f"{base}/documentos/")
    assert links["comprobante_pdf_url"].endswith("/factura.pdf")
    assert links["comprobante_ticket_url"].endswith("/ticket.pdf")
    assert _token(links["comprobante_pdf_url"]) == _token(links["comprobante_ticket_url"])
    assert opened(quiet_db, _token(links["comprobante_pdf_url"])) == ("30712345678-00007", "42")


@pytest.mark.parametrize("state", [State.ENCOLADO, State.PROCESANDO, State.ERROR, State.ELIMINADO])
def test_a_comprobante_without_cae_has_no_links(quiet_db, state):
    assert DocumentLinks(quiet_db).for_record(Named("p", "1", state)) == document_links.NO_LINKS


def test_a_forged_or_altered_link_opens_nothing(quiet_db):
    token = _token(DocumentLinks(quiet_db).for_record(Named("p", "1"))["comprobante_pdf_url"])
    payload, stamp, signature = token.split(".")
    other = _token(DocumentLinks(quiet_db).for_record(Named("p", "2"))["comprobante_pdf_url"]).split(".")[0]
    for forged in (f"{other}.{stamp}.{signature}", f"{payload}.{stamp}.{signature[:-2]}xx", "nada", ""):
        assert opened(quiet_db, forged) is None


def test_a_link_expires_after_the_configured_time(quiet_db, monkeypatch):
    now = clock.timestamp()
    monkeypatch.setattr(clock, "timestamp", lambda: now)
    token = _token(DocumentLinks(quiet_db).for_record(Named("p", "1"))["comprobante_pdf_url"])
    lifetime = get_settings().document_link_seconds
    monkeypatch.setattr(clock, "timestamp", lambda: now + lifetime - 1)
    assert opened(quiet_db, token) == ("p", "1")
    monkeypatch.setattr(clock, "timestamp", lambda: now + lifetime + 1)
    assert opened(quiet_db, token) is None


def test_a_new_key_in_redis_retires_every_link(quiet_db):
    token = _token(DocumentLinks(quiet_db).for_record(Named("p", "1"))["comprobante_pdf_url"])
    quiet_db.delete(LINK_KEY)
    assert opened(quiet_db, token) is None
    assert quiet_db.get(LINK_KEY)  # drawn again by the first process that needed it
