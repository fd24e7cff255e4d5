"""The WSGI application served by gunicorn as the `web` process: the API's routes, its documentation,
the "ventas en cola" page, a health check, Prometheus metrics, and JSON errors for everything else."""

from __future__ import annotations

import hmac

import redis
from flask import Flask, Response, request

from comprobantes import layout
from config.redis_client import get_redis
from config.settings import get_settings
from monitoring.exposition import exposition
from producers.http import documents, errors, openapi, page, routes
from producers.http.client_address import TrustedProxyFix
from producers.http.errors import json_response


def create_app() -> Flask:
    """The application, built from the settings when gunicorn loads it (`producers.http.app:create_app()`,
    the Procfile's line), never at import."""
    app = Flask("encola", static_folder=None)
    # One byte over the limit: Werkzeug refuses a longer declared Content-Length at once, but cuts a
    # chunked body silently at the limit, so the body reader must see that one byte to refuse it.
    app.config["MAX_CONTENT_LENGTH"] = get_settings().http_max_body_bytes + 1
    if get_settings().trusted_proxies:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, get_settings().trusted_proxies)
    # The links to invoice documents in every answer and hook start with the public address.
    get_settings().require_public_url()
    try:
        layout.require_current(get_redis())
    except redis.RedisError:
        pass  # Redis is down: every request answers 503 until it is back, and the workers check it at start
    routes.register(app)
    documents.register(app)
    page.register(app)
    openapi.register(app)
    errors.register(app)
    metrics_token = get_settings().require_metrics_token()

    @app.get("/health")
    def health():
        return json_response({"status": "ok"})

    @app.get("/metrics")
    def metrics():
        # Labels name points of sale (CUIT and punto de venta): with ENCOLA_METRICS_TOKEN set (always in
        # production), only a scraper that presents it may read them.
        presented = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if metrics_token and not hmac.compare_digest(presented.encode(), metrics_token.encode()):
            return json_response({"error": "S", "errores": ["Las métricas requieren el token de métricas."]}, 401)
        text, content_type = exposition(get_redis())
        return Response(text, content_type=content_type)

    return app

