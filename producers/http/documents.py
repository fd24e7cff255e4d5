"""GET of a comprobante's documents by their signed link (producers/documents.py): the A4 PDF at
`/documentos/<token>/factura.pdf` and the ticket at `/documentos/<token>/ticket.pdf`. Whatever the link
does not open (forged, altered, expired, another point of sale's, no such document) is the same 404,
so a link says nothing about comprobantes it does not name."""

from __future__ import annotations

from flask import Flask, Response

from config.redis_client import get_redis
from producers.documents import by_link
from producers.http.errors import json_response

NOT_FOUND = "El enlace al comprobante no existe o venció; pedí uno nuevo con consulta o consulta_avanzada."


def register(app: Flask) -> None:
    @app.get("/documentos/<token>/<name>")
    def document(token: str, name: str):
        rendered = by_link(get_redis(), token, name)
        if rendered is None:
            return json_response({"error": "S", "errores": [NOT_FOUND]}, 404)
        return Response(rendered.content, content_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="{rendered.filename}"',
            # The same link always opens the same bytes; only the customer's own browser keeps them.
            "Cache-Control": "private, max-age=3600"})
