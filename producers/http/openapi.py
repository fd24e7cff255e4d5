"""The OpenAPI document, generated with apispec from the endpoint table and its marshmallow schemas,
served at /openapi.json, and a browsable page of it at /docs (Swagger UI, shipped by the
swagger-ui-bundle package and served from here: no build step, no CDN). Each method's example is its
documented body (producers/http/examples.py), dated today: the document is made again when the day changes."""

from __future__ import annotations

import functools
from datetime import date
from importlib.metadata import version
from pathlib import Path

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from comprobantes import schemas as wire
from config import clock
from config.settings import get_settings
from producers.http import schemas as answers
from producers.http.errors import json_response
from producers.http.examples import example_body
from producers.http.routes import ENDPOINTS, ENCOLA, OPERATOR, PREFIXES, TUSFACTURAS

STATIC = Path(__file__).parent / "static"

DESCRIPTION = """\
API de facturacion electronica encolada contra AFIP/ARCA, compatible con la de TusFacturasAPP: mismas
rutas, mismos JSON y mismas respuestas. Un cliente de TusFacturas funciona cambiando solo la URL base.

**Credenciales.** Cada request lleva en el cuerpo `apikey`, `apitoken` y `usertoken`, que identifican
un CUIT + punto de venta. La API de administracion (etiqueta *operador*) usa en cambio el header
`Authorization: Bearer <ENCOLA_ADMIN_TOKEN>`.

**Respuestas.** Toda respuesta de un metodo llega con HTTP 200 y el campo `error` (`N`, `S` o
`PARCIAL`), como en TusFacturas. Otros estados, siempre con el mismo formato de error:
400 (el cuerpo no es un objeto JSON en UTF-8), 401/403 (API de administracion), 404 (ruta
inexistente), 405 (metodo distinto de POST), 413 (cuerpo de mas de {max_body} bytes),
429 (mas de {rate} requests por segundo por punto de venta, rafagas de hasta {burst}; el header
`Retry-After` dice cuantos segundos esperar), 500 (error interno, registrado) y 503 (servicio no
disponible: volver a enviar el mismo request; la misma external_reference no se encola dos veces).
"""

ERROR_STATUSES = {
    "400": "El cuerpo no es un objeto JSON en UTF-8.",
    "404": "La ruta no existe.",
    "405": "Metodo distinto de POST.",
    "413": "El cuerpo supera el tamaño maximo.",
    "429": "Demasiados requests por segundo; el header Retry-After dice cuanto esperar.",
    "500": "Error interno (queda registrado en el servidor).",
    "503": "Servicio no disponible momentaneamente; volver a enviar el mismo request.",
}
OPERATOR_STATUSES = {
    "401": "Falta el token de operador o no es valido.",
    "403": "La API de administracion esta deshabilitada (ENCOLA_ADMIN_TOKEN no definido).",
}
TAGS = [
    {"name": TUSFACTURAS, "description": "Los metodos de TusFacturasAPP, con sus rutas y formatos."},
    {"name": ENCOLA, "description": "Metodos propios de encola, con rutas en el mismo estilo."},
    {"name": OPERATOR, "description": "Administracion de puntos de venta, para el operador de encola."},
]


def _wire_field(self, field, **kwargs) -> dict:
    """The comprobante's own field types (comprobantes/schemas.py), which read TusFacturas' lenient forms:
    amounts and whole numbers come as JSON numbers or as strings."""
    if isinstance(field, wire.Amount):
        return {"oneOf": [{"type": "number"}, {"type": "string", "pattern": r"^\s*[+-]?\d+(\.\d+)?\s*$"}],
                "example": "114.88"}
    if isinstance(field, wire.Integer):
        return {"oneOf": [{"type": "integer"}, {"type": "string", "pattern": r"^\s*\d{1,18}\s*$"}]}
    if isinstance(field, wire.Fecha):
        return {"pattern": f"^{field.PATTERN}$"}
    return {}


def _plugin(spec: APISpec, plugin: MarshmallowPlugin) -> None:
    for text in (wire.Text, wire.Fecha):  # Code and MesAnio are subclasses
        plugin.map_to_openapi_type(text, "string", None)
    plugin.converter.add_attribute_function(_wire_field)


def _json(schema, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def build_spec(today: date) -> dict:
    settings = get_settings()
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="encola",
        version=version("encola"),
        openapi_version="3.0.3",
        plugins=[plugin],
        info={"description": DESCRIPTION.format(max_body=settings.http_max_body_bytes,
                                                rate=f"{settings.http_rate_limit:g}", burst=settings.http_rate_burst)},
        servers=[{"url": prefix, "description": f"rutas bajo {prefix}/"} for prefix in PREFIXES],
        tags=TAGS,
    )
    _plugin(spec, plugin)
    spec.components.security_scheme(OPERATOR, {"type": "http", "scheme": "bearer"})
    for endpoint in ENDPOINTS:
        statuses = {**ERROR_STATUSES, **(OPERATOR_STATUSES if endpoint.operator else {})}
        operation = {
            "operationId": endpoint.name,
            "summary": endpoint.summary,
            "description": endpoint.description,
            "tags": [endpoint.tag],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": endpoint.request, "example": example_body(endpoint.path, today)}}},
            "responses": {
                "200": _json(endpoint.answer, "La respuesta del metodo: error N, S o PARCIAL."),
                **{status: _json(answers.Problema, text) for status, text in sorted(statuses.items())},
            },
        }
        if endpoint.operator:
            operation["security"] = [{OPERATOR: []}]
        spec.path(path=f"/{endpoint.path}", operations={"post": operation})
    return spec.to_dict()


@functools.lru_cache(maxsize=1)
def document_of(today: date) -> dict:
    return build_spec(today)


def register(app: Flask) -> None:
    # A schema the generator cannot read stops the process at start-up. Any date serves the examples here:
    # the service's clock may need Redis, which a web process must not need to start.
    build_spec(date.today())

    @app.get("/openapi.json")
    def openapi_json():
        return json_response(document_of(clock.today_ar()))

    @app.get("/docs")
    def docs_page():
        return send_from_directory(STATIC, "docs.html")

    @app.get("/docs/assets/<path:name>")
    def docs_asset(name: str):
        return send_from_directory(str(swagger_ui_path), name)
