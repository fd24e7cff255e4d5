"""The WSGI application served by gunicorn as the `web` process."""

from __future__ import annotations

import json
from decimal import Decimal

from flask import Flask, Response, request

from producers import enqueue

PREFIXES = ("/app/api/v2", "/api/v2")
MAX_BODY_BYTES = 5 * 1024 * 1024


def _json_response(payload: dict, status: int = 200) -> Response:
    body = json.dumps(payload, ensure_ascii=False, default=str)
    return Response(body, status=status, mimetype="application/json", content_type="application/json; charset=utf-8")


def _parse_body():
    raw = request.get_data(cache=False)
    try:
        # Amounts arrive as JSON numbers too: read them as Decimal, never float.
        return json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"El cuerpo del request no es JSON valido: {exc}") from None


def create_app() -> Flask:
    app = Flask("encola")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    def nuevo_encola():
        try:
            body = _parse_body()
        except ValueError as exc:
            return _json_response({"error": "S", "errores": [str(exc)], "error_cod": [], "error_details": []}, 400)
        return _json_response(enqueue(body))

    for prefix in PREFIXES:
        app.add_url_rule(f"{prefix}/facturacion/nuevo_encola", f"nuevo_encola{prefix}", nuevo_encola, methods=["POST"])

    @app.get("/health")
    def health():
        return _json_response({"status": "ok"})

    return app


app = create_app()
