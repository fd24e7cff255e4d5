"""The request bodies of the Python API as marshmallow schemas, one per TusFacturas method (and ours),
and the steps every method takes with one (`handles`): open it with its credentials, judge it, answer
with `refused()` or `done()`. The field types are in producers/fields.py, the dates in comprobantes/dates.py,
the queue operations' bodies in producers/queue_bodies.py.

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
from producers.fields import STRING_OR_INTEGER, date_field, text
from producers.submission import CREDENTIALS


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
    """A request of the legacy lote (TusFacturas' legacy lotes page): with the lote's credentials and a
    facturacion_lote_id_referencia."""

    cliente = fields.Nested(ClienteSchema, required=True)
    comprobante = fields.Nested(ComprobanteSchema, required=True)


class Lotes(Credenciales):
    webhook_url = text(required=True, metadata={"description": "La URL de webhook de tu punto de venta."})
    fecha_envio_inicial = date_field("Desde cuando emitir; no antes de hoy (por defecto hoy)")
    requests = fields.List(fields.Nested(ItemLoteLegacy), required=True, validate=validate.Length(1, MAX_LOTE),
                           metadata={"description": f"De 1 a {MAX_LOTE} comprobantes."})


class OneProblem(Request):
    """A body answered one problem at a time, the first of its fields in their order: as these methods
    have always answered, and clients may read only the first."""


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


def judge(schema: type[Schema], body, partial: frozenset[str] = frozenset()) -> tuple[dict | None, list[str]]:
    """The loaded body, or every problem with it as a Spanish sentence naming the field (the first only, for
    a OneProblem); a field declared with a `message` says that instead (producers/fields.py)."""
    reader = schema(partial=partial)
    try:
        return reader.load(body), []
    except ValidationError as exc:
        return None, list(dict.fromkeys(_sentences(answered(reader, exc.messages), "", reader)))


def answered(reader: Schema, messages):
    """The problems a body is answered with: all of them, or the first of its fields for a OneProblem."""
    if isinstance(reader, OneProblem) and isinstance(messages, dict):
        first = next(iter(messages))
        return {first: messages[first]}
    return messages


def _sentences(messages, path: str, schema: Schema | None):
    if isinstance(messages, dict):
        for name, inner in messages.items():
            field = schema.fields.get(name) if schema is not None else None
            if field is not None and "message" in field.metadata:
                yield field.metadata["message"]
            else:
                nested = field.schema if isinstance(field, fields.Nested) else None
                yield from _sentences(inner, path if name == "_schema" else f"{path}.{name}" if path else str(name),
                                      nested)
    elif isinstance(messages, list):
        for inner in messages:
            yield from _sentences(inner, path, schema)
    else:
        yield f"El campo {path} {messages}" if path else f"El cuerpo del request {messages}"


def refused(*messages: str, **extra) -> dict:
    """The answer of TusFacturas' queue methods to a request they do not carry out."""
    return {"error": "S", "errores": list(messages), **extra}


def done(**extra) -> dict:
    return {"error": "N", "errores": [], **extra}


def handles(schema: type[Schema] | None, **refused_extra):
    """The one way a method takes a TusFacturas body: the public function authenticates its credentials
    (wrong ones are refused without a word about the body), refuses every field `schema` does not declare
    (before any other problem: a misspelt field explains the one missing), then every other problem of the
    body, and calls the handler with (redis, the point of sale, the loaded body). Without a schema the
    handler gets the body as sent and judges it whole (`nuevo`, by the comprobante's own rules).
    `refused_extra` are the keys a refusal carries besides `errores`.

    `.as_operator(r, pdv, body)` takes the same body without credentials, for an operator who names the
    point of sale (the CLI and the page)."""

    def decorate(handler):
        def answer(r, pdv, body, partial: frozenset[str] = frozenset()) -> dict:
            if schema is None:
                return handler(r, pdv, body)
            problems = [f"El campo {name} {UNKNOWN}" for name in unknown_fields(body, schema)]
            data = None
            if not problems:
                data, problems = judge(schema, body, partial)
            return refused(*problems, **refused_extra) if problems else handler(r, pdv, data)

        @functools.wraps(handler)
        def public(body) -> dict:
            r = get_redis()
            pdv = point_of_sale(r, body)
            if pdv is None:
                return refused(BAD_CREDENTIALS.text, **refused_extra)
            return answer(r, pdv, body)

        public.as_operator = functools.partial(answer, partial=CREDENTIALS)
        return public

    return decorate
