"""A point of sale's own settings, as its client sees and changes them with its credentials:
TusFacturas' `puntos_venta/administrar` (developers.tusfacturas.app, `webhook` and the rest of
TusFacturas' fields), and encola's `puntos_venta/consulta` and the rotation of its own credentials and
webhook token.

TusFacturas also creates points of sale through `administrar` (`operacion` A); in encola that is the
operator's (producers/operator.py), so A is refused with the way to get one. What identifies a point of
sale (CUIT, number, IVA condition) and its subscription (`esta_activo`) may be sent, as a client that
re-sends its whole record does, but only with the values it has. The issuer's data its PDFs print
(`direccion`, `iibb`, `fecha_inicio`) are kept, and so is encola's `remitente_email`, the sender of the
comprobantes it e-mails; TusFacturas' other settings for its PDFs, e-mails and integrations
(MercadoPago, Xero…) are accepted and have no effect: encola has none of those.
"""

from __future__ import annotations

from marshmallow import fields, validate

from accounts.points_of_sale import PointOfSale, rotate_credentials, rotate_webhook_token
from producers.bodies import Credenciales, done, handles, refused
from producers.fields import STRING_OR_INTEGER, between, date_field, mail_address, one_of, text, whole, yes_no
from producers.pdv_views import client_view
from webhook_dispatch import endpoints
from webhook_dispatch.points_of_sale import update_point_of_sale

CONCEPTOS_TIPO = {"P": 1, "S": 2, "PS": 3}
CREATION = ("En encola los puntos de venta los da de alta el operador del servicio (encola pdv add o la API de "
            "administracion); con operacion M podes modificar el tuyo.")


class Administrar(Credenciales):
    operacion = text(required=True, validate=one_of(["A", "M"]), metadata={
        "description": "M: modifica el punto de venta de las credenciales. A (alta) lo hace el operador de encola."})
    webhook = text(validate=validate.Length(max=2048), metadata={
        "description": "URL de los webhooks, ej. https://www.dominio.com/script-nombre. Vacia: no se puede encolar."})
    conceptos_tipo = text(validate=one_of(list(CONCEPTOS_TIPO)), metadata={
        "description": "P (productos), S (servicios) o PS (productos y servicios)."})
    razon_social = text(validate=validate.Length(1, 255))
    idempotencia = yes_no(metadata={"description": "encola: S (por defecto) no encola de nuevo un external_reference "
                                                   "que ya esta en la cola; N encola cada request, como TusFacturas."})
    tamano_lote_afip = whole(validate=between(0, 9998), metadata={
        "description": "encola: comprobantes por pedido a AFIP; 0 = el maximo que AFIP admite."})
    # Only with the values the point of sale has.
    cuit = fields.Raw(metadata={"oneOf": STRING_OR_INTEGER, "description": "El CUIT del punto de venta (no cambia)."})
    punto_venta = fields.Raw(metadata={"oneOf": STRING_OR_INTEGER, "description": "Su numero (no cambia)."})
    iva_condicion = text(validate=validate.Length(max=10), metadata={"description": "Su condicion de IVA (no cambia)."})
    esta_activo = yes_no(metadata={"description": "Su suscripcion esta activa (la decide el operador)."})
    # What the comprobantes' PDFs print of the issuer.
    direccion = text(validate=validate.Length(max=255), metadata={"description": "Domicilio comercial."})
    iibb = text(validate=validate.Length(max=255), metadata={"description": "Ingresos brutos."})
    fecha_inicio = date_field("Inicio de actividades")
    remitente_email = mail_address(metadata={"description": "encola: remitente de los comprobantes enviados por "
                                                            "e-mail; vacio = el del servicio (ENCOLA_MAIL_FROM)."})
    # TusFacturas' settings for what encola does not do: accepted, without effect.
    es_predeterminado = yes_no()
    es_agente_retencion = yes_no()
    factura_afip = yes_no()
    actividad_enviar_arca = yes_no()
    iva_emails = text(validate=validate.Length(max=4096))
    factura = fields.Dict()
    mercadopago = fields.Dict()
    xero = fields.Dict()
    reg_transparencia_provincial = fields.Dict()


def _fixed_problems(data: dict, pdv: PointOfSale) -> list[str]:
    current = {"cuit": str(pdv.cuit), "punto_venta": str(pdv.pto_vta), "iva_condicion": pdv.condicion_iva,
               "esta_activo": "S" if pdv.active else "N"}
    sent = {name: str(data[name]).strip().upper() for name in current if name in data}
    if "punto_venta" in sent and sent["punto_venta"].isdigit():
        sent["punto_venta"] = str(int(sent["punto_venta"]))  # "00023", as TusFacturas' example sends it
    return [f"El campo {name} no se puede modificar (es {current[name]}): lo decide el operador de encola."
            for name, value in sent.items() if value != current[name]]


def _changes(data: dict) -> dict:
    changes = {}
    if "webhook" in data:
        changes["webhook_url"] = data["webhook"].strip()
    if "conceptos_tipo" in data:
        changes["concepto"] = CONCEPTOS_TIPO[data["conceptos_tipo"]]
    if "razon_social" in data:
        changes["razon_social"] = data["razon_social"].strip()
    if "idempotencia" in data:
        changes["idempotent_submission"] = data["idempotencia"] == "S"
    if "tamano_lote_afip" in data:
        changes["batch_size"] = data["tamano_lote_afip"]
    for sent, kept in (("direccion", "domicilio"), ("iibb", "iibb"), ("remitente_email", "mail_from")):
        if sent in data:
            changes[kept] = data[sent].strip()
    if data.get("fecha_inicio") is not None:
        changes["inicio_actividades"] = data["fecha_inicio"].isoformat()
    return changes


@handles(Administrar)
def administrar(r, pdv, data) -> dict:
    """`puntos_venta/administrar` with operacion M: the settings of the credentials' point of sale."""
    if data["operacion"] == "A":
        return refused(CREATION)
    problems = _fixed_problems(data, pdv)
    if problems:
        return refused(*problems)
    try:
        pdv = update_point_of_sale(r, pdv.id, **_changes(data))
    except ValueError as exc:
        return refused(f"El punto de venta no se pudo modificar: {exc}.")
    return done(punto_venta=client_view(pdv, endpoints.read(r, pdv.id)))


@handles(Credenciales)
def consulta(r, pdv, data) -> dict:
    """`puntos_venta/consulta`: the settings of the credentials' point of sale, and the state of its webhook
    endpoint (disabled or not and why, failing since when)."""
    endpoint = endpoints.read(r, pdv.id)
    return done(punto_venta=client_view(pdv, endpoint), webhook=endpoints.describe(pdv, endpoint))


@handles(Credenciales)
def rotar_credenciales(r, pdv, data) -> dict:
    """`puntos_venta/rotar_credenciales`: new apitoken and usertoken for the credentials' point of sale,
    shown this once; the ones sent are refused from now on and its page sessions end."""
    return done(credenciales=rotate_credentials(r, pdv.id))


@handles(Credenciales)
def rotar_token_webhook(r, pdv, data) -> dict:
    """`puntos_venta/rotar_token_webhook`: a new TF-WebhookToken, shown this once; every delivery attempt
    from now on carries it (there is no grace period: the receiver accepts both while it switches)."""
    return done(webhook_token=rotate_webhook_token(r, pdv.id))
