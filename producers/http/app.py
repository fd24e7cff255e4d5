"""The WSGI application served by gunicorn as the `web` process: the API's routes, its documentation,
a health check, and JSON errors for everything else."""

from __future__ import annotations

from flask import Flask

from config.settings import get_settings
from producers.http import errors, openapi, routes
from producers.http.errors import json_response


def create_app() -> Flask:
    app = Flask("encola", static_folder=None)
    # One byte over the limit: Werkzeug refuses a longer declared Content-Length at once, but cuts a
    # chunked body silently at the limit, so the body reader must see that one byte to refuse it.
    app.config["MAX_CONTENT_LENGTH"] = get_settings().http_max_body_bytes + 1
    routes.register(app)
    openapi.register(app)
    errors.register(app)

    @app.get("/health")
    def health():
        return json_response({"status": "ok"})

    return app


app = create_app()
