"""A reportlab canvas that writes the same bytes for the same document: invariant mode (no random file
identifier) and the creation date taken from the comprobante, never from the clock."""

from __future__ import annotations

import io

from reportlab.pdfgen.canvas import Canvas

from documents.model import Document
from documents.typography import REGULAR, register_fonts


def new_canvas(buffer: io.BytesIO, size: tuple[float, float], document: Document) -> Canvas:
    register_fonts()
    canvas = Canvas(buffer, pagesize=size, invariant=1, pageCompression=1, initialFontName=REGULAR)
    stamp = document.issued_at.strftime("D:%Y%m%d%H%M%S+00'00'")
    canvas.setDateFormatter(lambda *_parts: stamp)
    canvas.setTitle(document.title)
    canvas.setAuthor(document.issuer.razon_social)
    canvas.setCreator("encola")
    return canvas
