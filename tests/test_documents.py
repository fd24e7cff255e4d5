"""The printed comprobante (documents/): the A4 and ticket PDFs of each sample carry, as text a PDF reader
extracts, the CAE, the number, the date, the totals and the receiver as AFIP holds them; the QR read back
from the rendered page is the stored RG 4892 URL; the bytes depend on the record alone; long texts stay on
the page and 200 lines take several pages. Each sample's first page is kept as a PNG in
.encola/screenshots/ for a person to look at. Pure: no Redis, no AFIP."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
from dataclasses import replace
from functools import cache

import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from comprobantes.lifecycle import State
from documents import document_of, render_a4, render_ticket
from tests.support.emitted import CAE
from tests.support.invoices import ISSUER, LONG_DESCRIPTION, MONOTRIBUTISTA, SAMPLES
from tests.support.processes import REPO

SCREENSHOTS = REPO / ".encola" / "screenshots"
RENDERERS = {"a4": render_a4, "ticket": render_ticket}

# What each sample must show, written as the page prints it (AFIP's figures with a decimal comma).
EXPECTED = {
    "factura_a": {"numero": "00001-00000123", "receptor": ["Ñandú Ingeniería S.R.L.", "30-71229384-1"],
                  "figures": ["279,76", "48,25", "5,25", "30,00", "Percepción de IIBB", "368,26"]},
    "factura_b": {"numero": "00001-00000123", "receptor": ["José Pérez Ørsted", "23456789"],
                  "figures": ["1.530,50", "IVA contenido", "265,62", "Transparencia Fiscal", "27.743"]},
    "factura_c": {"numero": "00001-00000123", "receptor": ["José Pérez Ørsted", "23456789"],
                  "figures": ["61.001,00", "01/11/2026", "20/11/2026", "10/12/2026"]},
    "nota_credito_a": {"numero": "00001-00000045", "receptor": ["Ñandú Ingeniería S.R.L.", "30-71229384-1"],
                       "figures": ["NOTA DE CRÉDITO", "Factura A 00001-00000007 del 20/11/2026", "24,12", "139,00"]},
    "factura_dolares": {"numero": "00001-00000124", "receptor": ["Ñandú Ingeniería S.R.L.", "30-71229384-1"],
                        "figures": ["Dólar Estadounidense", "Cotización: 1.050,25", "210,00", "1.210,00"]},
    "factura_200_lineas": {"numero": "00001-00000125", "receptor": ["José Pérez Ørsted", "23456789"],
                           "figures": ["Artículo 1", "Artículo 200", "242,00", "42,00"]},
}


@cache
def sample(name: str):
    record = SAMPLES[name]()
    document = document_of(record, MONOTRIBUTISTA if name == "factura_c" else ISSUER)
    return record, {kind: render(document) for kind, render in RENDERERS.items()}


def page_image(pdf: bytes, scale: float = 3.0):
    """The first page as a picture, at 216 dpi, as a phone's camera would read a print."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[0].render(scale=scale).to_pil()
    finally:
        document.close()


def keep(pdf: bytes, name: str) -> None:
    """The first page as a PNG beside the page's screenshots, for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page_image(pdf, scale=1.5).save(SCREENSHOTS / f"{name}.png")


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("kind", RENDERERS)
@pytest.mark.parametrize("name", EXPECTED)
def test_each_sample_prints_what_afip_holds(name, kind):
    record, pdfs = sample(name)
    printed = " ".join(text_of(pdfs[kind]).split())  # a wrapped value reads across its line break
    expected = EXPECTED[name]
    for shown in [CAE, "01/12/2026", expected["numero"], "21/11/2026", "ORIGINAL", "20-11111111-2", "Contado",
                  *expected["receptor"], *expected["figures"]]:
        assert shown in printed, f"{shown!r} missing from the {kind} of {name}"
    keep(pdfs[kind], f"documento_{name}_{kind}")


@pytest.mark.parametrize("kind", RENDERERS)
@pytest.mark.parametrize("name, importe, ctz", [("factura_a", 368.26, 1), ("factura_b", 1530.5, 1),
                                                ("factura_dolares", 1210, 1050.25)])
def test_the_qr_read_from_the_page_is_the_stored_one(name, importe, ctz, kind):
    record, pdfs = sample(name)
    found = zxingcpp.read_barcodes(page_image(pdfs[kind]), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [code.text for code in found] == [record.afip_qr]
    data = json.loads(base64.b64decode(record.afip_qr.split("?p=", 1)[1]))
    receptor = SAMPLES[name]().body["cliente"]
    assert data == {
        "ver": 1, "fecha": "2026-11-21", "cuit": 20111111112, "ptoVta": 1, "tipoCmp": record.cbte_tipo,
        "nroCmp": record.numero, "importe": importe, "moneda": record.detail["MonId"], "ctz": ctz,
        "tipoDocRec": {"CUIT": 80, "DNI": 96}[receptor["documento_tipo"]],
        "nroDocRec": int(receptor["documento_nro"]), "tipoCodAut": "E", "codAut": int(CAE),
    }


def test_a_class_a_line_shows_its_alicuota_and_a_class_b_its_price_with_iva():
    a_text, b_text = text_of(sample("factura_a")[1]["a4"]), text_of(sample("factura_b")[1]["a4"])
    assert "10,5%" in a_text and "Exento" in a_text and "114,88" in a_text
    assert "Alícuota" not in b_text and "139,00" in b_text  # 114.88 + 21 %


@pytest.mark.parametrize("kind", RENDERERS)
def test_the_same_record_renders_the_same_bytes(kind):
    first = sample("factura_b")[1][kind]
    again = RENDERERS[kind](document_of(SAMPLES["factura_b"](), ISSUER))
    assert again == first
    assert b"2026112113" in first  # the creation date is the emission's, not the clock's


@pytest.mark.parametrize("name", ["factura_a", "factura_b"])
@pytest.mark.parametrize("kind", RENDERERS)
def test_another_process_renders_the_same_bytes_as_its_first_document(name, kind):
    script = ("import hashlib, sys\nfrom documents import document_of, render_a4, render_ticket\n"
              f"from tests.support.invoices import ISSUER, {name}\n"
              f"sys.stdout.write(hashlib.sha256(render_{kind}(document_of({name}(), ISSUER))).hexdigest())")
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == hashlib.sha256(sample(name)[1][kind]).hexdigest()


@pytest.mark.parametrize("kind", RENDERERS)
def test_a_long_description_wraps_within_the_page(kind):
    pdf = sample("factura_b")[1][kind]
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        width = page.get_width()
        text_page = page.get_textpage()
        boxes = [text_page.get_charbox(index) for index in range(text_page.count_chars())]
    finally:
        document.close()
    assert boxes and all(0 < left and right < width for left, _bottom, right, _top in boxes)
    printed = "".join(text_of(pdf).split())
    assert "".join(LONG_DESCRIPTION.split()) in printed  # every character of it, across its lines


def test_two_hundred_lines_take_several_numbered_pages_with_the_header_repeated():
    pages = PdfReader(io.BytesIO(sample("factura_200_lineas")[1]["a4"])).pages
    assert len(pages) > 1
    texts = [page.extract_text() for page in pages]
    for number, text in enumerate(texts, start=1):
        assert f"Página {number} de {len(pages)}" in text
        assert "Descripción" in text and "00001-00000125" in text
    assert CAE in texts[-1] and CAE not in texts[0]
    everything = "\n".join(texts)
    assert all(f"Artículo {n}\n" in everything or f"Artículo {n} " in everything for n in range(1, 201))


@pytest.mark.parametrize("kind", RENDERERS)
def test_the_issuer_logo_is_drawn_when_given(kind):
    picture = io.BytesIO()
    Image.new("RGB", (300, 100), (20, 90, 160)).save(picture, format="PNG")
    pdf = RENDERERS[kind](document_of(SAMPLES["factura_a"](), replace(ISSUER, logo=picture.getvalue())))
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1
    assert not PdfReader(io.BytesIO(sample("factura_a")[1][kind])).pages[0].images
    keep(pdf, f"documento_con_logo_{kind}")


def test_a_comprobante_not_emitted_has_no_document():
    queued = replace(SAMPLES["factura_b"](), state=State.ENCOLADO, numero=0, cae="", cae_vto="", afip_qr="")
    with pytest.raises(ValueError, match="not emitido"):
        document_of(queued, ISSUER)


def test_a4_pdfs_stay_small():
    sizes = {name: len(sample(name)[1]["a4"]) for name in EXPECTED if name != "factura_200_lineas"}
    assert max(sizes.values()) < 60_000, sizes
