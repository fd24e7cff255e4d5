"""The bodies of the queue operations (TusFacturas' queue operation pages: reenviar, cambiar fecha,
eliminar; consulta_avanzada and consulta), with the Spanish sentences they have always answered for each field.

A search's `comprobante` holds its criteria, and which it needs depends on busqueda_tipo: its schema
reads them once the other fields are fine, and only those the search uses (`read_criteria`).
"""

from __future__ import annotations

from marshmallow import EXCLUDE, ValidationError, fields, post_load, validate

from producers.bodies import Credenciales, OneProblem, answered
from producers.fields import between, comprobante_tipo, date_field, one_of, reference, text, whole

NOT_FOUND = "No se han encontrado comprobantes."
MISSING_REFERENCE = "Debes enviar el external_reference del comprobante (hasta 255 caracteres)."
BAD_FECHA = "La fecha no tiene el formato correcto (dd/mm/aaaa)."
SEARCHES = ("EXT_REF", "F", "TN")
MAX_LIMIT = 1000
NUMEROS = "Los campos numero_desde y numero_hasta deben ser numeros de hasta 8 digitos."
TIPO_Y_NUMERO = "Debes enviar el tipo y el numero del comprobante a consultar."


def caller_pto_vta(description: str) -> fields.Raw:
    """A criterion's punto_venta: the method compares it with the caller's, whatever was sent (a JSON 3.0 or
    true is equal to 3 or 1, as it always was), so it is loaded as sent."""
    return fields.Raw(allow_none=True, metadata={"description": description, "type": "integer"})


class ReenviarEncolado(Credenciales):
    external_reference = reference("El comprobante con error a reenviar (el primero, si hay varios).",
                                   message=MISSING_REFERENCE, required=True)


class CambiarFechaEncolado(Credenciales):
    external_reference = reference("El comprobante encolado (o con error) a cambiar.", message=MISSING_REFERENCE,
                                   required=True)
    fecha = date_field("Nueva fecha del comprobante: el dia en que se emitira", message=BAD_FECHA, required=True)
    vencimiento = date_field("Nueva fecha de vencimiento del pago", blank=True,
                             message="El vencimiento no tiene el formato correcto (dd/mm/aaaa).")


class EliminarEncolado(Credenciales, OneProblem):
    external_reference = reference("Los comprobantes encolados o con error a eliminar.", message=MISSING_REFERENCE,
                                   required=True)
    fecha = date_field("Si se envia, solo los de esa fecha", message=BAD_FECHA, blank=True)


class Criteria(fields.Nested):
    """The `comprobante` of a search: what it must hold depends on the search, so its schema reads it once
    the body's other fields are fine (`read_criteria`). Anything but an object holds no criteria, which the
    search then refuses in its own words."""

    def deserialize(self, value, attr=None, data=None, **kwargs):
        return value if isinstance(value, dict) else {}


def read_criteria(schema: type[OneProblem], criteria: dict, needed: tuple[str, ...],
                  optional: tuple[str, ...] = ()) -> dict:
    """`criteria` loaded by those fields of `schema` a search reads (`needed` ones required); the others
    are ignored, as they always were. Raises the first problem, under `comprobante`."""
    reader = schema(only=needed + optional, unknown=EXCLUDE)
    for name in needed:  # a schema instance holds copies of the declared fields: the class stays as declared
        reader.fields[name].required = True
    try:
        return reader.load(criteria)
    except ValidationError as exc:
        raise ValidationError({"comprobante": answered(reader, exc.messages)}) from exc


class CriterioConsultaAvanzada(OneProblem):
    external_reference = reference("Para busqueda_tipo EXT_REF.",
                                   message="Debes enviar el external_reference a buscar (de 1 a 255 caracteres).")
    operacion = text(validate=one_of(["V", "C"]), metadata={"description": "V (venta) o C (compra)."})
    fecha = date_field("Para busqueda_tipo F", message=BAD_FECHA)
    tipo = comprobante_tipo("Para busqueda_tipo TN: el tipo, ej. FACTURA B.",
                            message="El tipo de comprobante enviado no es valido.")
    punto_venta = caller_pto_vta("Para busqueda_tipo TN: tu punto de venta.")
    numero_desde = whole(validate=between(0, 99999999), metadata={"description": "Para TN.", "message": NUMEROS})
    numero_hasta = whole(validate=between(0, 99999999), metadata={"description": "Para TN.", "message": NUMEROS})


# What each busqueda_tipo reads of the criteria: (the fields it needs, those it may have).
SEARCH_CRITERIA = {"EXT_REF": (("external_reference",), ()), "F": (("fecha",), ()),
                   "TN": (("tipo", "numero_desde", "numero_hasta"), ("punto_venta",))}


class ConsultaAvanzada(Credenciales):
    busqueda_tipo = text(required=True, validate=one_of(SEARCHES), metadata={
        "description": "EXT_REF (por external_reference), F (por fecha) o TN (por tipo y rango de numeros).",
        "message": "El campo busqueda_tipo debe ser EXT_REF, F o TN."})
    pagina = whole(validate=validate.Range(min=0), load_default=0, metadata={
        "description": "Desde 0.", "message": "El campo pagina debe ser un numero entero desde 0."})
    limite = whole(validate=between(0, MAX_LIMIT), load_default=MAX_LIMIT, metadata={
        "description": f"De 0 a {MAX_LIMIT} (0: {MAX_LIMIT}).",
        "message": f"El campo limite debe ser un numero entero entre 0 y {MAX_LIMIT}."})
    comprobante = Criteria(CriterioConsultaAvanzada, required=True)

    @post_load
    def _read_criteria(self, data: dict, **kwargs) -> dict:
        needed, optional = SEARCH_CRITERIA[data["busqueda_tipo"]]
        return {**data, "limite": data["limite"] or MAX_LIMIT,
                "comprobante": read_criteria(CriterioConsultaAvanzada, data["comprobante"], needed, optional)}


class CriterioConsulta(OneProblem):
    tipo = comprobante_tipo("El tipo, ej. FACTURA B.", message=TIPO_Y_NUMERO, required=True)
    operacion = text(validate=one_of(["V", "C"]))
    punto_venta = caller_pto_vta("Tu punto de venta.")
    # The range of a comprobante's numbers, documented but not refused: a number outside it finds none.
    numero = whole(required=True, metadata={"message": TIPO_Y_NUMERO, "minimum": 0, "maximum": 99999999})


class Consulta(Credenciales):
    comprobante = Criteria(CriterioConsulta, required=True)

    @post_load
    def _read_criteria(self, data: dict, **kwargs) -> dict:
        return {**data, "comprobante": read_criteria(CriterioConsulta, data["comprobante"], ("tipo", "numero"),
                                                     ("punto_venta",))}
