"""The operator's API over points of sale: create one (the only way one comes to exist: TusFacturas'
clients create theirs in its web app, encola's operator with this API, through the `encola pdv` command
or the admin HTTP API), list, show and change them, subscription included.

Like the rest of producers it takes a JSON-like body and answers a dict with `error` "N" or "S"; the
CLI and the admin HTTP API only build the body and print or send the answer.
"""

from __future__ import annotations

import os

from marshmallow import post_load, validate

from accounts.points_of_sale import (
    CONCEPTOS, ISSUER_CONDITIONS, PointOfSaleExists, UnknownPointOfSale, get_point_of_sale, list_points_of_sale,
    pdv_id, rotate_credentials, rotate_webhook_token,
)
from config.redis_client import get_redis
from producers.bodies import Request, done, judge, refused
from producers.fields import between, date_field, flag, mail_address, one_of, text, whole
from producers.pdv_views import operator_view
from webhook_dispatch import endpoints
from webhook_dispatch.points_of_sale import create_point_of_sale, update_point_of_sale

CUIT_RANGE = (20000000000, 34999999999)  # 20, 23, 24, 27 (personas), 30, 33, 34 (empresas)
# The issuer's printed data: set after creation, like the other settings create_point_of_sale does not take.
ISSUER = ("domicilio", "iibb", "inicio_actividades", "logo_path")


def _cuit(**kwargs):
    return whole(validate=between(*CUIT_RANGE), metadata={"description": "CUIT del emisor, 11 digitos."}, **kwargs)


def _pto_vta(**kwargs):
    return whole(validate=between(1, 99998), metadata={"description": "Numero de punto de venta en AFIP."}, **kwargs)


def _webhook_url(**kwargs):
    return text(validate=validate.Length(max=2048), metadata={
        "description": "URL de los webhooks (https fuera de desarrollo); vacia: el punto de venta no puede encolar."},
        **kwargs)


def _file(what: str, **kwargs):
    return text(validate=validate.Length(1, 4096), metadata={"description": f"Ruta absoluta {what}, en el servidor."},
                **kwargs)


class Configuracion(Request):
    """What an operator may set on a point of sale."""

    webhook_url = _webhook_url()
    cert_path = _file("del certificado de AFIP del CUIT")
    key_path = _file("de la clave privada del certificado")
    razon_social = text(validate=validate.Length(max=255))
    condicion_iva = text(validate=one_of(ISSUER_CONDITIONS), metadata={"description": "RI, M o E."})
    concepto = whole(validate=one_of(CONCEPTOS), metadata={
        "description": "1 productos, 2 servicios, 3 productos y servicios."})
    idempotent_submission = flag(metadata={
        "description": "true: un external_reference ya encolado no se encola de nuevo."})
    active = flag(metadata={"description": "Suscripcion activa: false impide encolar."})
    monthly_quota = whole(validate=between(0, 10**9), metadata={
        "description": "Comprobantes por mes calendario; 0 = sin limite."})
    batch_size = whole(validate=between(0, 9998), metadata={
        "description": "Comprobantes por FECAESolicitar; 0 = el maximo de AFIP (RegXReq)."})
    max_waiting_comprobantes = whole(validate=between(0, 10**9), metadata={
        "description": "Comprobantes encolados o procesando a la vez; 0 = ENCOLA_MAX_WAITING_COMPROBANTES."})
    max_waiting_hooks = whole(validate=between(0, 10**9), metadata={
        "description": "Webhooks sin entregar a la vez; 0 = ENCOLA_MAX_WAITING_HOOKS."})
    domicilio = text(validate=validate.Length(max=255), metadata={
        "description": "Domicilio comercial del emisor, como se imprime en el comprobante."})
    iibb = text(validate=validate.Length(max=255), metadata={
        "description": "Ingresos brutos del emisor (numero, o Exento, o Convenio Multilateral ...)."})
    inicio_actividades = date_field("Inicio de actividades del emisor")
    logo_path = _file("del logo (PNG o JPEG) que llevan los PDF de sus comprobantes")

    @post_load
    def _stored_dates(self, data, **kwargs):
        if data.get("inicio_actividades") is not None:
            data["inicio_actividades"] = data["inicio_actividades"].isoformat()
        return data
    mail_from = mail_address(metadata={
        "description": "Remitente de los comprobantes enviados por e-mail; vacio = ENCOLA_MAIL_FROM."})


class PuntoVentaId(Request):
    cuit = _cuit(required=True)
    pto_vta = _pto_vta(required=True)


class AltaPuntoVenta(Configuracion):
    cuit = _cuit(required=True)
    pto_vta = _pto_vta(required=True)
    webhook_url = _webhook_url(required=True)
    cert_path = _file("del certificado de AFIP del CUIT", required=True)
    key_path = _file("de la clave privada del certificado", required=True)


class ModificarPuntoVenta(Configuracion):
    cuit = _cuit(required=True)
    pto_vta = _pto_vta(required=True)


class ListadoPuntosVenta(Request):
    """No fields: every point of sale."""


def _file_problems(data: dict) -> list[str]:
    problems = []
    for name in ("cert_path", "key_path", "logo_path"):
        path = data.get(name)
        if path is None:
            continue
        if not os.path.isabs(path):
            problems.append(f"El campo {name} debe ser una ruta absoluta (la leen procesos con otro directorio).")
        elif not (os.path.isfile(path) and os.access(path, os.R_OK)):
            problems.append(f"El campo {name} apunta a un archivo que no existe o no se puede leer: {path}.")
    return problems


def alta(body) -> dict:
    """Create a point of sale; the answer carries its credentials, webhook token and webhook secret, shown
    this once."""
    data, problems = judge(AltaPuntoVenta, body)
    problems = problems or _file_problems(data)
    if problems:
        return refused(*problems)
    later = {name: data.pop(name) for name in ("active", "max_waiting_comprobantes", "max_waiting_hooks", *ISSUER,
                                               "mail_from") if name in data}
    try:
        pdv, credentials = create_point_of_sale(get_redis(), **data)
    except PointOfSaleExists:
        return refused(f"El punto de venta {data['pto_vta']} del CUIT {data['cuit']} ya existe.")
    except ValueError as exc:
        return refused(f"El punto de venta no se pudo crear: {exc}.")
    if later:
        pdv = update_point_of_sale(get_redis(), pdv.id, **later)
    endpoint = endpoints.read(get_redis(), pdv.id)
    return done(punto_venta=operator_view(pdv, endpoint), credenciales=credentials, webhook_token=pdv.webhook_token,
                webhook_secret=endpoint.secret)


def listado(body) -> dict:
    data, problems = judge(ListadoPuntosVenta, body)
    if data is None:
        return refused(*problems)
    pdvs = list_points_of_sale(get_redis())
    their_endpoints = endpoints.read_many(get_redis(), [pdv.id for pdv in pdvs])
    return done(puntos_venta=[operator_view(pdv, endpoint) for pdv, endpoint in zip(pdvs, their_endpoints)])


def _named(body, schema: type[Request]):
    """(the loaded body, the point of sale it names, None), or (.., None, the answer that refuses it)."""
    data, problems = judge(schema, body)
    problems = problems or _file_problems(data)
    if problems:
        return data, None, refused(*problems)
    try:
        return data, get_point_of_sale(get_redis(), pdv_id(data["cuit"], data["pto_vta"])), None
    except UnknownPointOfSale:
        return data, None, refused(f"No existe el punto de venta {data['pto_vta']} del CUIT {data['cuit']}.")


def consulta(body) -> dict:
    """One point of sale, and the state of its webhook endpoint."""
    _, pdv, refusal = _named(body, PuntoVentaId)
    if refusal:
        return refusal
    endpoint = endpoints.read(get_redis(), pdv.id)
    return done(punto_venta=operator_view(pdv, endpoint), webhook=endpoints.describe(pdv, endpoint))


def habilitar_webhook(body) -> dict:
    """Enable again an endpoint disabled after failing for a day; its failed hooks are not sent again
    by this (the client does that with hooks/reenviar and fallidos_desde)."""
    _, pdv, refusal = _named(body, PuntoVentaId)
    if refusal:
        return refusal
    return done(punto_venta=operator_view(pdv, endpoints.enable(get_redis(), pdv.id)))


def modificar(body) -> dict:
    """Change any setting but the identity (CUIT, punto de venta) and the credentials."""
    data, pdv, refusal = _named(body, ModificarPuntoVenta)
    if refusal:
        return refusal
    changes = {name: value for name, value in data.items() if name not in ("cuit", "pto_vta")}
    try:
        pdv = update_point_of_sale(get_redis(), pdv.id, **changes)
    except ValueError as exc:
        return refused(f"El punto de venta no se pudo modificar: {exc}.")
    return done(punto_venta=operator_view(pdv, endpoints.read(get_redis(), pdv.id)))


def rotar_credenciales(body) -> dict:
    """New apitoken and usertoken for a point of sale, shown this once: the old ones are refused at once
    and its page sessions end."""
    _, pdv, refusal = _named(body, PuntoVentaId)
    if refusal:
        return refusal
    return done(credenciales=rotate_credentials(get_redis(), pdv.id))


def rotar_token_webhook(body) -> dict:
    """A new TF-WebhookToken for a point of sale, shown this once; every delivery attempt from now on
    carries it."""
    _, pdv, refusal = _named(body, PuntoVentaId)
    if refusal:
        return refusal
    return done(webhook_token=rotate_webhook_token(get_redis(), pdv.id))
