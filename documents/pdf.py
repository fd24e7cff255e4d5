"""A reportlab canvas that writes the same bytes for the same document: invariant mode (no random file
identifier) and the creation date taken from the comprobante, never from the clock."""

from __future__ import annotations

import io

from reportlab import rl_config
from reportlab.pdfgen.canvas import Canvas

from documents.model import Document
from documents.typography import REGULAR, register_fonts


def new_canvas(buffer: io.BytesIO, size: tuple[float, float], document: Document) -> Canvas:
    register_fonts()
    # Binary streams rather than reportlab's default ASCII85 text: a quarter smaller, and nothing here
    # needs a PDF that survives 7-bit transports. The setting is global; documents is reportlab's only user.
    rl_config.useA85 = 0
    canvas = Canvas(buffer, pagesize=size, invariant=1, pageCompression=1, initialFontName=REGULAR)
    stamp = document.issued_at.strftime("D:%Y%m%d%H%M%S+00'00'")
    canvas.setDateFormatter(lambda *_parts: stamp)
    canvas.setTitle(document.title)
    canvas.setAuthor(document.issuer.razon_social)
    canvas.setCreator("encola")
    return canvas
