"""The request bodies of the Python API as marshmallow schemas, one per TusFacturas method (and ours).

The OpenAPI document is generated from them, and the functions refuse any field they do not declare:
a misspelt field (`limit` for `limite`) must not silently fall back to a default. Fields are described
in Spanish, as TusFacturas documents them, for the clients who read /docs.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

DATE_PATTERN = r"^\s*\d{1,2}/\d{1,2}/\d{4}\s*$"
STRING_OR_INTEGER = [{"type": "string"}, {"type": "integer"}]


def _date(description: str, **kwargs) -> fields.String:
    return fields.String(metadata={"description": f"{description} (dd/mm/aaaa).", "pattern": DATE_PATTERN,
                                   "example": "21/03/2022"}, **kwargs)


def _reference(description: str, **kwargs) -> fields.Raw:
    return fields.Raw(metadata={"description": description, "oneOf": STRING_OR_INTEGER, "example": "ABC123"},
                      **kwargs)


class Request(Schema):
    """A body of the TusFacturas format: its fields are exactly those declared."""

    class Meta:
        unknown = RAISE


class Authenticated(Request):
    """The credentials of one CUIT + punto de venta, in every body."""

    apikey = fields.Raw(required=True, metadata={"description": "Credencial de acceso (numerica).",
                                                 "oneOf": STRING_OR_INTEGER, "example": "123456"})
    apitoken = fields.String(required=True, metadata={"description": "Credencial de acceso."})
    usertoken = fields.String(required=True, metadata={"description": "Credencial de acceso."})


class NuevoEncola(Authenticated):
    cliente = fields.Dict(required=True, metadata={"description": "El cliente, como en facturacion/nuevo."})
    comprobante = fields.Dict(required=True, metadata={
        "description": "El comprobante, como en facturacion/nuevo, con numero 0 y external_reference."})


class Nuevo(Authenticated):
    cliente = fields.Dict(required=True, metadata={"description": "El cliente."})
    comprobante = fields.Dict(required=True, metadata={"description": "El comprobante; external_reference opcional."})


class ReenviarEncolado(Authenticated):
    external_reference = _reference("El comprobante con error a reenviar (el primero, si hay varios).",
                                    required=True)


class CambiarFechaEncolado(Authenticated):
    external_reference = _reference("El comprobante encolado (o con error) a cambiar.", required=True)
    fecha = _date("Nueva fecha del comprobante: el dia en que se emitira", required=True)
    vencimiento = _date("Nueva fecha de vencimiento del pago")


class EliminarEncolado(Authenticated):
    external_reference = _reference("Los comprobantes encolados o con error a eliminar.", required=True)
    fecha = _date("Si se envia, solo los de esa fecha")


class CriterioConsultaAvanzada(Request):
    external_reference = _reference("Para busqueda_tipo EXT_REF.")
    operacion = fields.String(validate=validate.OneOf(["V", "C"]), metadata={"description": "V (venta) o C (compra)."})
    fecha = _date("Para busqueda_tipo F")
    tipo = fields.String(metadata={"description": "Para busqueda_tipo TN: el tipo, ej. FACTURA B."})
    punto_venta = fields.Integer(metadata={"description": "Para busqueda_tipo TN: tu punto de venta."})
    numero_desde = fields.Integer(validate=validate.Range(0, 99999999), metadata={"description": "Para TN."})
    numero_hasta = fields.Integer(validate=validate.Range(0, 99999999), metadata={"description": "Para TN."})


class ConsultaAvanzada(Authenticated):
    busqueda_tipo = fields.String(required=True, validate=validate.OneOf(["EXT_REF", "F", "TN"]), metadata={
        "description": "EXT_REF (por external_reference), F (por fecha) o TN (por tipo y rango de numeros)."})
    pagina = fields.Integer(validate=validate.Range(min=0), metadata={"description": "Desde 0."})
    limite = fields.Integer(validate=validate.Range(0, 1000), metadata={"description": "De 0 a 1000 (0: 1000)."})
    comprobante = fields.Nested(CriterioConsultaAvanzada, required=True)


class CriterioConsulta(Request):
    tipo = fields.String(required=True, metadata={"example": "FACTURA B"})
    operacion = fields.String(validate=validate.OneOf(["V", "C"]))
    punto_venta = fields.Integer()
    numero = fields.Integer(required=True, validate=validate.Range(0, 99999999))


class Consulta(Authenticated):
    comprobante = fields.Nested(CriterioConsulta, required=True)


def unknown_fields(body, schema: type[Schema]) -> list[str]:
    """The paths of the fields `body` carries that `schema` does not declare, nested blocks included."""
    if not isinstance(body, dict):
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
