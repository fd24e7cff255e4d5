"""The request bodies of the Python API as marshmallow schemas, one per TusFacturas method (and ours),
and the steps every method takes with one (`handles`): open it with its credentials, judge it, answer
with `refused()` or `done()`. The field types are in producers/fields.py, the dates in comprobantes/dates.py.

The OpenAPI document is generated from them, and the functions refuse any field they do not declare:
a misspelt field (`limit` for `limite`) must not silently fall back to a default. Fields are described
in Spanish, as TusFacturas documents them, for the clients who read /docs.
"""

from __future__ import annotations

import functools

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from comprobantes.schemas import UNKNOWN, ClienteSchema, ComprobanteSchema
from config.redis_client import get_redis
from producers.access import BAD_CREDENTIALS, point_of_sale
from producers.batches import MAX_BATCH, MAX_LOTE
from producers.fields import STRING_OR_INTEGER, between, date_field, one_of, reference, text, whole

class Request(Schema):
    """A body of the TusFacturas format: its fields are exactly those declared."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": UNKNOWN, "type": "debe ser un objeto JSON."}


class Credenciales(Request):
    """The credentials of one CUIT + punto de venta, in every body."""

    apikey = fields.Raw(required=True, metadata={"description": "Credencial de acceso (numerica).",
                                                 "oneOf": STRING_OR_INTEGER, "example": "123456"})
    apitoken = text(required=True, metadata={"description": "Credencial de acceso."})
    usertoken = text(required=True, metadata={"description": "Credencial de acceso."})


class NuevoEncola(Credenciales):
    cliente = fields.Nested(ClienteSchema, required=True)
    comprobante = fields.Nested(ComprobanteSchema, required=True, metadata={
        "description": "Con numero 0 y un external_reference: letras, digitos, _ y -, hasta 255."})


class Nuevo(Credenciales):
    cliente = fields.Nested(ClienteSchema, required=True)
    comprobante = fields.Nested(ComprobanteSchema, required=True, metadata={
        "description": "external_reference es opcional en el modo instantaneo."})


class ItemLote(Request):
    """A request of lotes_encola: a comprobante; its credentials, if it carries them, are the batch's."""

    apikey = fields.Raw(metadata={"oneOf": STRING_OR_INTEGER})
    apitoken = text()
    usertoken = text()
    cliente = fields.Nested(ClienteSchema, required=True)
    comprobante = fields.Nested(ComprobanteSchema, required=True)


class LotesEncola(Credenciales):
    requests = fields.List(fields.Nested(ItemLote), required=True, validate=validate.Length(1, MAX_BATCH), metadata={
        "description": f"De 1 a {MAX_BATCH} comprobantes, cada uno con numero 0 y su external_reference."})


class ItemLoteLegacy(Credenciales):
    """A request of the legacy lote (seed 002): with the lote's credentials and a facturacion_lote_id_referencia."""

    cliente = fields.Nested(ClienteSchema, required=True)
    comprobante = fields.Nested(ComprobanteSchema, required=True)


class Lotes(Credenciales):
    webhook_url = text(required=True, metadata={"description": "La URL de webhook de tu punto de venta."})
    fecha_envio_inicial = date_field("Desde cuando emitir; no antes de hoy (por defecto hoy)")
    requests = fields.List(fields.Nested(ItemLoteLegacy), required=True, validate=validate.Length(1, MAX_LOTE),
                           metadata={"description": f"De 1 a {MAX_LOTE} comprobantes."})


class ReenviarEncolado(Credenciales):
    external_reference = reference("El comprobante con error a reenviar (el primero, si hay varios).",
                                    required=True)


class CambiarFechaEncolado(Credenciales):
    external_reference = reference("El comprobante encolado (o con error) a cambiar.", required=True)
    fecha = date_field("Nueva fecha del comprobante: el dia en que se emitira", required=True)
    vencimiento = date_field("Nueva fecha de vencimiento del pago")


class EliminarEncolado(Credenciales):
    external_reference = reference("Los comprobantes encolados o con error a eliminar.", required=True)
    fecha = date_field("Si se envia, solo los de esa fecha")


class CriterioConsultaAvanzada(Request):
    external_reference = reference("Para busqueda_tipo EXT_REF.")
    operacion = text(validate=one_of(["V", "C"]), metadata={"description": "V (venta) o C (compra)."})
    fecha = date_field("Para busqueda_tipo F")
    tipo = text(metadata={"description": "Para busqueda_tipo TN: el tipo, ej. FACTURA B."})
    punto_venta = whole(metadata={"description": "Para busqueda_tipo TN: tu punto de venta."})
    numero_desde = whole(validate=between(0, 99999999), metadata={"description": "Para TN."})
    numero_hasta = whole(validate=between(0, 99999999), metadata={"description": "Para TN."})


class ConsultaAvanzada(Credenciales):
    busqueda_tipo = text(required=True, validate=one_of(["EXT_REF", "F", "TN"]), metadata={
        "description": "EXT_REF (por external_reference), F (por fecha) o TN (por tipo y rango de numeros)."})
    pagina = whole(validate=validate.Range(min=0), metadata={"description": "Desde 0."})
    limite = whole(validate=between(0, 1000), metadata={"description": "De 0 a 1000 (0: 1000)."})
    comprobante = fields.Nested(CriterioConsultaAvanzada, required=True)


class CriterioConsulta(Request):
    tipo = text(required=True, metadata={"example": "FACTURA B"})
    operacion = text(validate=one_of(["V", "C"]))
    punto_venta = whole()
    numero = whole(required=True, validate=between(0, 99999999))


class Consulta(Credenciales):
    comprobante = fields.Nested(CriterioConsulta, required=True)


def unknown_fields(body, schema: type[Schema]) -> list[str]:
    """The paths of the fields `body` carries that `schema` does not declare, nested blocks included."""
    if schema is None or not isinstance(body, dict):
        return []
    declared = schema().fields
    found = []
    for name, value in body.items():
        field = declared.get(name)
        if field is None:
            found.append(name)
        elif isinstance(field, fields.Nested) and isinstance(field.nested, type):
            found.extend(f"{name}.{inner}" for inner in unknown_fields(value, field.nested))
    return found


def judge(schema: type[Schema], body) -> tuple[dict | None, list[str]]:
    """The loaded body, or every problem with it as a Spanish sentence naming the field."""
    try:
        return schema().load(body), []
    except ValidationError as exc:
        return None, list(_sentences(exc.messages, ""))


def _sentences(messages, path: str):
    if isinstance(messages, dict):
        for name, inner in messages.items():
            yield from _sentences(inner, path if name == "_schema" else f"{path}.{name}" if path else str(name))
    elif isinstance(messages, list):
        for inner in messages:
            yield from _sentences(inner, path)
    else:
        yield f"El campo {path} {messages}" if path else f"El cuerpo del request {messages}"


def refused(*messages: str, **extra) -> dict:
    """The answer of TusFacturas' queue methods to a request they do not carry out."""
    return {"error": "S", "errores": list(messages), **extra}


def done(**extra) -> dict:
    return {"error": "N", "errores": [], **extra}


def handles(schema: type[Schema] | None, *, load: bool = True, **refused_extra):
    """The one way a method takes a TusFacturas body: the public function authenticates its credentials
    (wrong ones are refused without a word about the body), refuses every field `schema` does not declare
    and, with `load`, every other problem of the body, then calls the handler with (redis, the point of
    sale, the loaded body). Without `load` the handler gets the body as sent and judges its values itself,
    in the words its answers have always had (the queue operations); without `schema` it judges every field.
    `refused_extra` are the keys a refusal carries besides `errores`.

    The handler is also `.as_operator(r, pdv, body)`, for an operator who names the point of sale (the CLI
    and the page)."""

    def decorate(handler):
        @functools.wraps(handler)
        def public(body) -> dict:
            r = get_redis()
            pdv = point_of_sale(r, body)
            if pdv is None:
                return refused(BAD_CREDENTIALS.text, **refused_extra)
            if load:
                data, problems = judge(schema, body)
            else:
                data, problems = body, [f"El campo {name} {UNKNOWN}" for name in unknown_fields(body, schema)]
            return refused(*problems, **refused_extra) if problems else handler(r, pdv, data)

        public.as_operator = handler
        return public

    return decorate
